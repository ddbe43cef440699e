package env

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// The variables otelkit knows, for telling a misspelled name (Suggest).
// The list is complete: a test checks it against every OTEL_* and
// OTELKIT_* name the library's own code and the OpenTelemetry modules it
// builds on read (known_test.go).

// otlpKeys are the OTLP exporter settings, each read as
// OTEL_EXPORTER_OTLP_<KEY> and OTEL_EXPORTER_OTLP_<SIGNAL>_<KEY>.
var otlpKeys = []string{"ENDPOINT", "PROTOCOL", "HEADERS", "TIMEOUT", "COMPRESSION", "INSECURE",
	"CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY"}

// batchKeys are the batch processors' settings (OTEL_BSP_*, OTEL_BLRP_*).
var batchKeys = []string{"SCHEDULE_DELAY", "EXPORT_TIMEOUT", "MAX_QUEUE_SIZE", "MAX_EXPORT_BATCH_SIZE"}

// readNames are the variables otelkit or the SDK, exporters and contrib
// packages it uses read, besides the OTLP and batch families above.
var readNames = []string{
	"OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_PROPAGATORS",
	"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER",
	"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
	"OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
	"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
	"OTEL_SPAN_EVENT_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT",
	"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
	"OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
	"OTEL_METRIC_EXPORT_INTERVAL", "OTEL_METRIC_EXPORT_TIMEOUT", "OTEL_METRICS_EXEMPLAR_FILTER",
	"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
	"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
	"OTEL_EXPORTER_PROMETHEUS_HOST", "OTEL_EXPORTER_PROMETHEUS_PORT",
	"OTEL_CONFIG_FILE",
	// The SDK's experimental switches (its internal/x packages).
	"OTEL_GO_X_OBSERVABILITY", "OTEL_GO_X_SELF_OBSERVABILITY", "OTEL_GO_X_RESOURCE",
	"OTEL_GO_X_PER_SERIES_START_TIMESTAMPS", "OTEL_GO_X_CARDINALITY_LIMIT",
	"OTEL_GO_X_DEPRECATED_RUNTIME_METRICS",
	// otelkit's own.
	"OTELKIT_ENVIRONMENT", "OTELKIT_LOG_FORMAT", "OTELKIT_LOG_LEVEL", "OTELKIT_LOG_PROFILE",
	"OTELKIT_GCP_PROJECT", "OTELKIT_LOG_BUFFER_LEVEL", "OTELKIT_LOG_BUFFER_SLOW",
}

// specNames are variables the OpenTelemetry specification defines that
// nothing here reads: they are not misspellings of anything.
var specNames = []string{
	"OTEL_LOG_LEVEL", "OTEL_EXPERIMENTAL_CONFIG_FILE", "OTEL_SEMCONV_STABILITY_OPT_IN",
	"OTEL_EXPORTER_ZIPKIN_ENDPOINT", "OTEL_EXPORTER_ZIPKIN_TIMEOUT",
	"OTEL_EXPORTER_JAEGER_AGENT_HOST", "OTEL_EXPORTER_JAEGER_AGENT_PORT", "OTEL_EXPORTER_JAEGER_ENDPOINT",
	"OTEL_EXPORTER_JAEGER_TIMEOUT", "OTEL_EXPORTER_JAEGER_USER", "OTEL_EXPORTER_JAEGER_PASSWORD",
	"OTEL_EXPORTER_OTLP_SPAN_INSECURE", "OTEL_EXPORTER_OTLP_METRIC_INSECURE",
	"OTEL_ENTITIES", "OTEL_LOGRECORD_ATTRIBUTE_VALUE_DEPTH_LIMIT", "OTEL_SPAN_ATTRIBUTE_VALUE_DEPTH_LIMIT",
}

// machineryNames are read by otelkit's own test machinery, never by the
// library; a service need not be warned about them.
var machineryNames = []string{
	"OTELKIT_TESTCOL_BIN", "OTELKIT_JAEGER_BIN", "OTELKIT_LOADBENCH", "OTELKIT_FAULTS_RESULTS",
	"OTELKIT_PERF", "OTELKIT_PERF_CHILD", "OTELKIT_PERF_CPUPROFILE", "OTELKIT_PERF_MEMPROFILE",
	"OTELKIT_STARTUP_CHILD", "OTELKIT_SELFOBS_CHILD", "OTELKIT_SDKLOG_CHILD", "OTELKIT_RUN_SIGNAL_CHILD",
	"OTELKIT_LOGGING_HELPER", "OTELKIT_PROCESS_TEST_LISTEN", "OTELKIT_BUILDCACHE_TEST_BIN",
	"OTELKIT_ENV_TEST", "OTELKIT_UTF8_TEST", "OTELKIT_UPDATE_SCREENSHOT",
}

var known = sync.OnceValues(func() (read, all map[string]bool) {
	read = map[string]bool{}
	for _, n := range readNames {
		read[n] = true
	}
	for _, k := range otlpKeys {
		read["OTEL_EXPORTER_OTLP_"+k] = true
		for _, sig := range []string{"TRACES", "METRICS", "LOGS"} {
			read["OTEL_EXPORTER_OTLP_"+sig+"_"+k] = true
		}
	}
	for _, k := range batchKeys {
		read["OTEL_BSP_"+k], read["OTEL_BLRP_"+k] = true, true
	}
	all = map[string]bool{}
	for n := range read {
		all[n] = true
	}
	for _, n := range slices.Concat(specNames, machineryNames) {
		all[n] = true
	}
	return read, all
})

// KnownNames returns, sorted, every variable otelkit or the OpenTelemetry
// modules it uses read.
func KnownNames() []string {
	read, _ := known()
	out := make([]string, 0, len(read))
	for n := range read {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// IsKnown reports whether name is a variable otelkit, the SDK, the
// specification or otelkit's test machinery defines.
func IsKnown(name string) bool {
	_, all := known()
	return all[name]
}

// maxNameLen bounds the names Suggest compares (longer ones are compared
// by their first maxNameLen bytes): an environment name may be anything.
const maxNameLen = 128

// Suggest returns the known variable name is probably a misspelling of:
// the same name in upper case, or the nearest known name within a small
// edit distance (1 for names under 12 bytes, 2 otherwise; a swap of two
// neighbouring letters counts 1); ties go to the first in sorted order. It
// returns "" when name is known or nothing is near.
func Suggest(name string) string {
	read, all := known()
	if all[name] {
		return ""
	}
	if up := strings.ToUpper(name); read[up] {
		return up
	}
	if len(name) > maxNameLen {
		name = name[:maxNameLen]
	}
	limit := 1
	if len(name) >= 12 {
		limit = 2
	}
	best, bestD := "", limit+1
	for _, k := range KnownNames() {
		if d := lengthGap(name, k); d >= bestD {
			continue
		}
		if d := editDistance(name, k, bestD); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func lengthGap(a, b string) int {
	if len(a) > len(b) {
		return len(a) - len(b)
	}
	return len(b) - len(a)
}

// editDistance is the optimal string alignment distance of a and b
// (insertions, deletions, substitutions and swaps of adjacent bytes each
// cost 1), or a value >= bound once it cannot be below bound.
func editDistance(a, b string, bound int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin >= bound {
			return bound
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Names returns the names of the variables s holds, and false when s
// cannot list them (a Source made by FromFunc).
func (s Source) Names() ([]string, bool) {
	if s.lookup == nil {
		s = osSource
	}
	if s.names == nil {
		return nil, false
	}
	return s.names(), true
}
