package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// Service is one service of the compose file as the compose-spec loader
// resolved it (anchors merged, paths absolute).
type Service struct {
	Name        string            `json:"name"`
	Image       string            `json:"image,omitempty"`
	Build       *Build            `json:"build,omitempty"`
	Command     []string          `json:"command,omitempty"`
	Environment map[string]string `json:"environment,omitempty"`
	Ports       []Port            `json:"ports,omitempty"`
	Binds       []Bind            `json:"binds,omitempty"`
	DependsOn   []string          `json:"depends_on,omitempty"`
}

// Build is a service's build section.
type Build struct {
	Context    string            `json:"context"`
	Dockerfile string            `json:"dockerfile"`
	Args       map[string]string `json:"args,omitempty"`
}

// Port is a published port.
type Port struct {
	HostIP    string `json:"host_ip,omitempty"`
	Published string `json:"published"`
	Target    uint32 `json:"target"`
	Protocol  string `json:"protocol,omitempty"`
}

// Bind is a bind-mounted file or directory.
type Bind struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"read_only"`
}

// checkCompose loads path with the compose-spec loader, which validates it
// against the compose JSON schema and resolves anchors, interpolation and
// relative paths. The process environment is not used for interpolation, so
// the result does not depend on who runs the check.
func checkCompose(ctx context.Context, path string) ([]Service, []string) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, []string{err.Error()}
	}
	opts, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithResolvedPaths(true),
		cli.WithInterpolation(true),
	)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %v", path, err)}
	}
	project, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %v", path, err)}
	}
	var (
		out      []Service
		problems []string
	)
	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s := project.Services[name]
		svc := Service{Name: name, Image: s.Image, Command: s.Command, Environment: map[string]string{}}
		for k, v := range s.Environment {
			if v == nil {
				problems = append(problems, fmt.Sprintf("service %s: environment %s has no value", name, k))
				continue
			}
			svc.Environment[k] = *v
		}
		if s.Build != nil {
			b := &Build{Context: s.Build.Context, Dockerfile: s.Build.Dockerfile, Args: map[string]string{}}
			for k, v := range s.Build.Args {
				if v != nil {
					b.Args[k] = *v
				}
			}
			svc.Build = b
		} else if p := imageProblem(s.Image); p != "" {
			problems = append(problems, fmt.Sprintf("service %s: %s", name, p))
		}
		for _, p := range s.Ports {
			svc.Ports = append(svc.Ports, Port{HostIP: p.HostIP, Published: p.Published, Target: p.Target, Protocol: p.Protocol})
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				svc.Binds = append(svc.Binds, Bind{Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly})
			}
		}
		for dep := range s.DependsOn {
			svc.DependsOn = append(svc.DependsOn, dep)
		}
		sort.Strings(svc.DependsOn)
		out = append(out, svc)
	}
	return out, problems
}

// imageProblem reports an image that is not pinned to a version: no tag, or
// the moving "latest" tag. A digest pins as well.
func imageProblem(image string) string {
	if image == "" {
		return "neither image nor build"
	}
	if strings.Contains(image, "@sha256:") {
		return ""
	}
	name := image[strings.LastIndex(image, "/")+1:]
	i := strings.LastIndex(name, ":")
	if i < 0 {
		return fmt.Sprintf("image %q has no version tag", image)
	}
	if tag := name[i+1:]; tag == "latest" || tag == "" {
		return fmt.Sprintf("image %q is not pinned to a version", image)
	}
	return ""
}
