// Command composecheck checks the local stack's docker-compose.yaml with the
// compose-spec reference parser (github.com/compose-spec/compose-go) and its
// Grafana provisioning files, and prints what it found as JSON for the tests
// in internal/testkit/stack to assert on.
//
// It is its own module so that the root module does not depend on
// compose-go or a YAML parser. Usage (from this directory):
//
//	go run . -compose ../../../docker-compose.yaml \
//	    -grafana-provisioning ../../../examples/stack/grafana/provisioning \
//	    -grafana-dashboards ../../../examples/stack/grafana/dashboards
//
// It exits 1 and lists every problem on stderr if a file does not parse, an
// image is not pinned to a version, a data-source UID is missing, duplicated
// or referenced but not defined, or a provisioning file has a "$" that
// Grafana would expand as an environment variable.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("composecheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	compose := fs.String("compose", "", "path of docker-compose.yaml")
	provisioning := fs.String("grafana-provisioning", "", "Grafana provisioning directory (datasources/, dashboards/)")
	dashboards := fs.String("grafana-dashboards", "", "directory of dashboard JSON files")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *compose == "" && *provisioning == "" {
		fmt.Fprintln(stderr, "composecheck: give -compose and/or -grafana-provisioning")
		return 2
	}
	var (
		rep      Report
		problems []string
	)
	if *compose != "" {
		services, p := checkCompose(context.Background(), *compose)
		rep.Services = services
		problems = append(problems, p...)
	}
	if *provisioning != "" {
		g, p := checkGrafana(*provisioning, *dashboards)
		rep.Grafana = g
		problems = append(problems, p...)
	}
	rep.Problems = problems
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintln(stderr, "composecheck:", err)
		return 1
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "composecheck:", p)
		}
		return 1
	}
	return 0
}

// Report is what composecheck prints.
type Report struct {
	Services []Service `json:"services,omitempty"`
	Grafana  *Grafana  `json:"grafana,omitempty"`
	Problems []string  `json:"problems,omitempty"`
}
