package stack_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/otel"
)

// initFromFile runs otel.Init on the configuration file at path, in the
// environment env (only the variables the file may reference through
// ${NAME} are set), without exporting anything, and returns its health.
func initFromFile(t *testing.T, path string, env map[string]string) otel.Health {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv(otel.EnvConfigFile, "")
	tel, err := otel.Init(context.Background(), otel.WithConfigFile(path), otel.WithoutGlobals(),
		otel.WithLogOutput(discard{}), otel.WithoutRuntimeMetrics())
	if err != nil {
		t.Fatalf("otel.Init rejects %s: %v", path, err)
	}
	h := tel.Health()
	// Nothing was exported: a short deadline ends the final flush to a
	// host that does not exist here.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_ = tel.Shutdown(ctx)
	return h
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Sync() error                 { return nil }

// checkOtelkitFile checks a service configured by a declarative
// configuration file: the file is mounted where OTEL_CONFIG_FILE says,
// otel.Init builds from it under the service's environment, every signal
// exports to the collector's OTLP/HTTP port, the service has its own name,
// and no OTEL_* variable is set that the file would make otelkit ignore.
func checkOtelkitFile(t *testing.T, s service, name string) {
	t.Helper()
	src := s.bindSource(t, s.Environment[otel.EnvConfigFile])
	for k := range s.Environment {
		if strings.HasPrefix(k, "OTEL_") && k != otel.EnvConfigFile {
			t.Errorf("%s sets %s beside %s, which ignores it", name, k, otel.EnvConfigFile)
		}
	}
	env := map[string]string{}
	for k, v := range s.Environment {
		if k != otel.EnvConfigFile {
			env[k] = v
		}
	}
	h := initFromFile(t, src, env)
	if h.Service != name {
		t.Errorf("service.name from %s = %q, want %q", src, h.Service, name)
	}
	for _, sig := range []string{"traces", "metrics", "logs"} {
		c := h.Config[sig]
		if want := "http://otel-collector:4318/v1/" + sig; c.Endpoint != want || c.Protocol != "http/protobuf" {
			t.Errorf("%s: %s exports to %s over %s, want %s over http/protobuf", name, sig, c.Endpoint, c.Protocol, want)
		}
	}
}

// TestExampleConfigFiles: every declarative configuration file the
// repository ships (examples/config, examples/stack) is accepted by
// otel.Init, which checks it against the schema (otelconf's model) and
// builds every provider from it.
func TestExampleConfigFiles(t *testing.T) {
	root := repo(t)
	files, _ := filepath.Glob(filepath.Join(root, "examples", "config", "*.yaml"))
	files = append(files, filepath.Join(root, "examples", "stack", "otelkit.yaml"))
	if len(files) < 3 {
		t.Fatalf("example configuration files: %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := os.Stat(f); err != nil {
				t.Fatal(err)
			}
			h := initFromFile(t, f, map[string]string{"SERVICE_NAME": "example", "VENDOR_KEY": "k", "OTEL_SERVICE_NAME": ""})
			if h.ConfigFile != f || h.Service == "" || strings.HasPrefix(h.Service, "unknown_service") {
				t.Errorf("health: config_file %q, service %q", h.ConfigFile, h.Service)
			}
		})
	}
}
