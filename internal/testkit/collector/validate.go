package collector

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/process"
)

// validateTimeout bounds one `validate` run.
const validateTimeout = time.Minute

// Validate checks the collector configuration at configPath with the
// collector from Binary (`<bin> validate --config=<path>`): that every
// component it names is in builder-config.yaml and that their settings
// parse. It returns nil if the collector accepts the file, else an error
// that carries the collector's output. Environment references in the file
// (${env:NAME}) resolve against the test process's environment.
func Validate(tb testing.TB, configPath string) error {
	tb.Helper()
	bin := Binary(tb)
	ctx, cancel := context.WithTimeout(context.Background(), validateTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "validate", "--config="+configPath)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (gave up after %s)", err, validateTimeout)
		}
		return fmt.Errorf("collector rejects %s: %v\n%s", configPath, err,
			strings.TrimSpace(process.Tail(out.Bytes(), 16<<10)))
	}
	return nil
}
