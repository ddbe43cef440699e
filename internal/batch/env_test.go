package batch

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/env"
)

func TestFromEnv(t *testing.T) {
	spans := Config{ScheduleDelay: 5 * time.Second, ExportTimeout: 30 * time.Second, MaxQueueSize: 2048, MaxExportBatchSize: 512}
	logs := Config{ScheduleDelay: time.Second, ExportTimeout: 30 * time.Second, MaxQueueSize: 2048, MaxExportBatchSize: 512}
	for _, tc := range []struct {
		prefix string
		def    Config
	}{{"OTEL_BSP_", spans}, {"OTEL_BLRP_", logs}} {
		t.Run(tc.prefix, func(t *testing.T) {
			var warnings []error
			warn := func(err error) { warnings = append(warnings, err) }
			read := func(vars map[string]string) (Config, error) {
				return FromEnv(env.FromMap(vars), tc.prefix, tc.def, warn)
			}
			if c, err := read(nil); err != nil || !sameSizes(c, tc.def) {
				t.Fatalf("defaults %+v %v", c, err)
			}
			c, err := read(map[string]string{
				tc.prefix + "SCHEDULE_DELAY": "250", tc.prefix + "EXPORT_TIMEOUT": "1500",
				tc.prefix + "MAX_QUEUE_SIZE": "64", tc.prefix + "MAX_EXPORT_BATCH_SIZE": "100",
			})
			want := Config{ScheduleDelay: 250 * time.Millisecond, ExportTimeout: 1500 * time.Millisecond, MaxQueueSize: 64, MaxExportBatchSize: 64}
			if err != nil || !sameSizes(c, want) {
				t.Fatalf("from env %+v %v", c, err)
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0].Error(), tc.prefix+"MAX_EXPORT_BATCH_SIZE=100") {
				t.Fatalf("warnings %v", warnings)
			}
			warnings = nil
			if c, _ = read(map[string]string{tc.prefix + "MAX_QUEUE_SIZE": "10"}); c.MaxExportBatchSize != 10 || len(warnings) != 0 {
				t.Fatalf("default batch size must follow a small queue silently: %+v %v", c, warnings)
			}
			// Every invalid value is reported, each naming its variable.
			bad := map[string]string{}
			for _, n := range []string{"SCHEDULE_DELAY", "EXPORT_TIMEOUT", "MAX_QUEUE_SIZE", "MAX_EXPORT_BATCH_SIZE"} {
				bad[tc.prefix+n] = "0"
			}
			_, err = read(bad)
			for name := range bad {
				if !strings.Contains(fmtErr(err), name) {
					t.Errorf("error does not name %s: %v", name, err)
				}
			}
			var ce *env.Error
			if !errors.As(err, &ce) {
				t.Errorf("error is not an *env.Error: %v", err)
			}
		})
	}
}

func sameSizes(a, b Config) bool {
	return a.ScheduleDelay == b.ScheduleDelay && a.ExportTimeout == b.ExportTimeout &&
		a.MaxQueueSize == b.MaxQueueSize && a.MaxExportBatchSize == b.MaxExportBatchSize
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
