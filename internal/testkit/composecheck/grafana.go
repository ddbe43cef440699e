package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v4"
)

// Grafana is what the provisioning files define and reference.
type Grafana struct {
	DataSources []DataSource `json:"datasources"`
	// DashboardPaths are the options.path of the file dashboard providers,
	// as seen inside the Grafana container.
	DashboardPaths []string    `json:"dashboard_paths"`
	Dashboards     []Dashboard `json:"dashboards"`
	References     []Reference `json:"references"`
}

// DataSource is one provisioned data source.
type DataSource struct {
	File string `json:"file"`
	Name string `json:"name"`
	Type string `json:"type"`
	UID  string `json:"uid"`
	URL  string `json:"url"`
}

// Dashboard is one dashboard JSON file.
type Dashboard struct {
	File   string `json:"file"`
	UID    string `json:"uid"`
	Title  string `json:"title"`
	Panels int    `json:"panels"`
}

// Reference is a place that names a data source by UID.
type Reference struct {
	File  string `json:"file"`
	Where string `json:"where"`
	UID   string `json:"uid"`
	Type  string `json:"type,omitempty"` // when the reference states the type too
}

// maxFile bounds the size of a file we read.
const maxFile = 8 << 20

func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFile)
	}
	return os.ReadFile(path)
}

// yamlFiles lists the provisioning files of dir (*.yaml, *.yml); a missing
// dir has none.
func yamlFiles(dir string) ([]string, error) {
	var out []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, err
		}
		out = append(out, m...)
	}
	sort.Strings(out)
	return out, nil
}

func checkGrafana(provisioning, dashboardsDir string) (*Grafana, []string) {
	g := &Grafana{DataSources: []DataSource{}, DashboardPaths: []string{}, Dashboards: []Dashboard{}, References: []Reference{}}
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	dsFiles, err := yamlFiles(filepath.Join(provisioning, "datasources"))
	if err != nil {
		bad("%v", err)
	}
	if len(dsFiles) == 0 {
		bad("%s: no data source files", filepath.Join(provisioning, "datasources"))
	}
	for _, f := range dsFiles {
		var doc struct {
			APIVersion  int              `yaml:"apiVersion"`
			DataSources []map[string]any `yaml:"datasources"`
		}
		raw, err := parseYAML(f, &doc)
		if err != nil {
			bad("%v", err)
			continue
		}
		problems = append(problems, envExpansions(f, raw)...)
		if doc.APIVersion != 1 {
			bad("%s: apiVersion %d, want 1", f, doc.APIVersion)
		}
		for i, ds := range doc.DataSources {
			d := DataSource{File: f, Name: str(ds["name"]), Type: str(ds["type"]), UID: str(ds["uid"]), URL: str(ds["url"])}
			for field, v := range map[string]string{"name": d.Name, "type": d.Type, "uid": d.UID} {
				if v == "" {
					bad("%s: datasources[%d] has no %s", f, i, field)
				}
			}
			g.DataSources = append(g.DataSources, d)
			walk(ds, fmt.Sprintf("datasources[%d]", i), func(where, uid, typ string) {
				g.References = append(g.References, Reference{File: f, Where: where, UID: uid, Type: typ})
			})
		}
	}

	provFiles, err := yamlFiles(filepath.Join(provisioning, "dashboards"))
	if err != nil {
		bad("%v", err)
	}
	for _, f := range provFiles {
		var doc struct {
			APIVersion int `yaml:"apiVersion"`
			Providers  []struct {
				Name    string `yaml:"name"`
				Type    string `yaml:"type"`
				Options struct {
					Path string `yaml:"path"`
				} `yaml:"options"`
			} `yaml:"providers"`
		}
		raw, err := parseYAML(f, &doc)
		if err != nil {
			bad("%v", err)
			continue
		}
		problems = append(problems, envExpansions(f, raw)...)
		if doc.APIVersion != 1 {
			bad("%s: apiVersion %d, want 1", f, doc.APIVersion)
		}
		for i, p := range doc.Providers {
			if p.Name == "" || (p.Type != "" && p.Type != "file") || p.Options.Path == "" {
				bad("%s: providers[%d] needs a name, type file and options.path", f, i)
				continue
			}
			g.DashboardPaths = append(g.DashboardPaths, p.Options.Path)
		}
	}

	if dashboardsDir != "" {
		files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
		if err != nil {
			bad("%v", err)
		}
		if len(files) == 0 {
			bad("%s: no dashboard files", dashboardsDir)
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := readFile(f)
			if err != nil {
				bad("%v", err)
				continue
			}
			var dash map[string]any
			if err := json.Unmarshal(data, &dash); err != nil {
				bad("%s: %v", f, err)
				continue
			}
			panels, _ := dash["panels"].([]any)
			d := Dashboard{File: f, UID: str(dash["uid"]), Title: str(dash["title"]), Panels: len(panels)}
			if d.UID == "" || d.Title == "" {
				bad("%s: dashboard needs a uid and a title", f)
			}
			g.Dashboards = append(g.Dashboards, d)
			walk(dash, "dashboard", func(where, uid, typ string) {
				g.References = append(g.References, Reference{File: f, Where: where, UID: uid, Type: typ})
			})
		}
	}

	problems = append(problems, checkUIDs(g)...)
	return g, problems
}

// checkUIDs reports duplicate data-source UIDs and references to UIDs that
// no data source has, or to one of another type.
func checkUIDs(g *Grafana) []string {
	var problems []string
	byUID := map[string]DataSource{}
	for _, d := range g.DataSources {
		if d.UID == "" {
			continue
		}
		if prev, ok := byUID[d.UID]; ok {
			problems = append(problems, fmt.Sprintf("data-source uid %q defined twice (%s and %s)", d.UID, prev.Name, d.Name))
		}
		byUID[d.UID] = d
	}
	dashUIDs := map[string]string{}
	for _, d := range g.Dashboards {
		if prev, ok := dashUIDs[d.UID]; ok && d.UID != "" {
			problems = append(problems, fmt.Sprintf("dashboard uid %q used by %s and %s", d.UID, prev, d.File))
		}
		dashUIDs[d.UID] = d.File
	}
	for _, r := range g.References {
		d, ok := byUID[r.UID]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s: %s references data-source uid %q, which no data source has", r.File, r.Where, r.UID))
		case r.Type != "" && r.Type != d.Type:
			problems = append(problems, fmt.Sprintf("%s: %s references uid %q as type %q, but it is %q", r.File, r.Where, r.UID, r.Type, d.Type))
		}
	}
	return problems
}

// walk calls ref for every data-source reference in v: a string under a key
// named datasourceUid (data-source links), or an object {"uid": …} under a
// key named datasource (dashboards, panels, targets, variables). Template
// variables ("${ds}") and Grafana's built-in pseudo data sources are not
// references to provisioned UIDs.
func walk(v any, path string, ref func(where, uid, typ string)) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := x[k]
			where := path + "." + k
			switch {
			case strings.EqualFold(k, "datasourceUid"):
				if s, ok := child.(string); ok && isRef(s) {
					ref(where, s, "")
				}
			case k == "datasource":
				if m, ok := child.(map[string]any); ok {
					if s := str(m["uid"]); isRef(s) {
						ref(where, s, str(m["type"]))
					}
				}
			}
			walk(child, where, ref)
		}
	case []any:
		for i, e := range x {
			walk(e, fmt.Sprintf("%s[%d]", path, i), ref)
		}
	}
}

func isRef(uid string) bool {
	switch {
	case uid == "", strings.HasPrefix(uid, "$"), strings.HasPrefix(uid, "-- "):
		return false
	case uid == "grafana", uid == "-- Grafana --", uid == "-- Mixed --", uid == "-- Dashboard --":
		return false
	}
	return true
}

// envExpansions reports strings in a provisioning file that Grafana would
// expand as environment variables: "$NAME" or "${NAME}" not written "$$".
func envExpansions(file string, v any) []string {
	var out []string
	var visit func(any, string)
	visit = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				visit(c, path+"."+k)
			}
		case []any:
			for i, c := range x {
				visit(c, fmt.Sprintf("%s[%d]", path, i))
			}
		case string:
			for i := 0; i < len(x); i++ {
				if x[i] != '$' {
					continue
				}
				if i+1 < len(x) && x[i+1] == '$' {
					i++
					continue
				}
				if i+1 < len(x) && (x[i+1] == '{' || x[i+1] == '_' || isLetter(x[i+1])) {
					out = append(out, fmt.Sprintf("%s: %s: %q would be expanded from the environment by Grafana; write $$ for a literal $", file, path, x))
					break
				}
			}
		}
	}
	visit(v, "")
	return out
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// parseYAML decodes file into dst and also returns it as generic values.
func parseYAML(file string, dst any) (any, error) {
	data, err := readFile(file)
	if err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(data, dst); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	var raw any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return raw, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
