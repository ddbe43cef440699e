package collector

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"
)

// Scope is the instrumentation scope that produced a span, metric or log.
type Scope struct {
	Name    string
	Version string
}

// Span is one span as the collector received it.
type Span struct {
	Resource      map[string]any // resource attributes, e.g. "service.name"
	Scope         Scope
	Name          string
	TraceID       string // 32 lowercase hex digits
	SpanID        string // 16 lowercase hex digits
	ParentSpanID  string // "" for a root span
	Kind          string // "internal", "server", "client", "producer", "consumer" or "unspecified"
	StatusCode    string // "unset", "ok" or "error"
	StatusMessage string
	Start, End    time.Time
	Attributes    map[string]any
	Events        []Event
}

// Event is a span event, such as a recorded exception.
type Event struct {
	Name       string
	Time       time.Time
	Attributes map[string]any
}

// Metric is one metric of one export; the same metric name appears again in
// later exports with newer data points.
type Metric struct {
	Resource    map[string]any
	Scope       Scope
	Name        string
	Description string
	Unit        string
	// Type is "gauge", "sum", "histogram", "exponential_histogram" or "summary".
	Type string
	// Temporality is "cumulative", "delta" or "" (gauges and summaries).
	Temporality string
	Monotonic   bool // sums only
	DataPoints  []DataPoint
}

// DataPoint is one point of a Metric. Gauges and sums set Value (integer
// points converted to float64); histograms set Count, Sum, Min, Max and, for
// explicit buckets, Bounds and BucketCounts; summaries set Count and Sum.
type DataPoint struct {
	Attributes   map[string]any
	Start, Time  time.Time
	Value        float64
	Count        uint64
	Sum          float64
	Min, Max     float64
	Bounds       []float64
	BucketCounts []uint64
	Exemplars    []Exemplar
}

// Exemplar links a data point to the span that was current when the
// measurement was taken.
type Exemplar struct {
	TraceID            string
	SpanID             string
	Value              float64
	Time               time.Time
	FilteredAttributes map[string]any
}

// LogRecord is one log record as the collector received it.
type LogRecord struct {
	Resource       map[string]any
	Scope          Scope
	Time           time.Time
	ObservedTime   time.Time
	SeverityText   string
	SeverityNumber int
	Body           any // string, bool, int64, float64, []byte, []any or map[string]any
	TraceID        string
	SpanID         string
	Flags          uint32
	EventName      string
	Attributes     map[string]any
}

// Spans returns every span the collector has written so far, in the order
// it received them.
func (c *Collector) Spans() ([]Span, error) {
	var out []Span
	err := readLines(c.file("traces"), func(line []byte) error {
		var d tracesData
		if err := json.Unmarshal(line, &d); err != nil {
			return err
		}
		for _, rs := range d.ResourceSpans {
			res, err := attrs(rs.Resource.Attributes)
			if err != nil {
				return err
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					span, err := s.convert()
					if err != nil {
						return fmt.Errorf("span %q: %w", s.Name, err)
					}
					span.Resource, span.Scope = res, ss.Scope.convert()
					out = append(out, span)
				}
			}
		}
		return nil
	})
	return out, err
}

// Metrics returns every metric the collector has written so far, one entry
// per metric per export, in the order it received them.
func (c *Collector) Metrics() ([]Metric, error) {
	var out []Metric
	err := readLines(c.file("metrics"), func(line []byte) error {
		var d metricsData
		if err := json.Unmarshal(line, &d); err != nil {
			return err
		}
		for _, rm := range d.ResourceMetrics {
			res, err := attrs(rm.Resource.Attributes)
			if err != nil {
				return err
			}
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					metric, err := m.convert()
					if err != nil {
						return fmt.Errorf("metric %q: %w", m.Name, err)
					}
					metric.Resource, metric.Scope = res, sm.Scope.convert()
					out = append(out, metric)
				}
			}
		}
		return nil
	})
	return out, err
}

// Logs returns every log record the collector has written so far, in the
// order it received them.
func (c *Collector) Logs() ([]LogRecord, error) {
	var out []LogRecord
	err := readLines(c.file("logs"), func(line []byte) error {
		var d logsData
		if err := json.Unmarshal(line, &d); err != nil {
			return err
		}
		for _, rl := range d.ResourceLogs {
			res, err := attrs(rl.Resource.Attributes)
			if err != nil {
				return err
			}
			for _, sl := range rl.ScopeLogs {
				for _, l := range sl.LogRecords {
					rec, err := l.convert()
					if err != nil {
						return fmt.Errorf("log record: %w", err)
					}
					rec.Resource, rec.Scope = res, sl.Scope.convert()
					out = append(out, rec)
				}
			}
		}
		return nil
	})
	return out, err
}

// maxLine bounds one line of exporter output; a larger export is reported as
// an error rather than read into memory.
const maxLine = 64 << 20

// readLines calls fn for every complete (newline-terminated) line of path. A
// missing file reads as empty; a trailing partial line, which the exporter
// is still writing, is left for the next read.
func readLines(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		line, err := readLine(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
	}
}

// readLine returns the next newline-terminated line without its newline,
// io.EOF at the end or before a partial last line.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxLine)
		}
		switch err {
		case nil:
			return line[:len(line)-1], nil
		case bufio.ErrBufferFull:
			continue
		default:
			return nil, err // io.EOF with or without a partial line
		}
	}
}

// The types below mirror the OTLP/JSON encoding the collector's file
// exporter writes (pdata's JSON marshaler): lowerCamelCase keys, trace and
// span IDs in hex, 64-bit integers as strings, enums as numbers.

type tracesData struct {
	ResourceSpans []struct {
		Resource   jsonResource `json:"resource"`
		ScopeSpans []struct {
			Scope jsonScope  `json:"scope"`
			Spans []jsonSpan `json:"spans"`
		} `json:"scopeSpans"`
	} `json:"resourceSpans"`
}

type metricsData struct {
	ResourceMetrics []struct {
		Resource     jsonResource `json:"resource"`
		ScopeMetrics []struct {
			Scope   jsonScope    `json:"scope"`
			Metrics []jsonMetric `json:"metrics"`
		} `json:"scopeMetrics"`
	} `json:"resourceMetrics"`
}

type logsData struct {
	ResourceLogs []struct {
		Resource  jsonResource `json:"resource"`
		ScopeLogs []struct {
			Scope      jsonScope `json:"scope"`
			LogRecords []jsonLog `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

type jsonResource struct {
	Attributes []jsonKV `json:"attributes"`
}

type jsonScope struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

func (s jsonScope) convert() Scope { return Scope(s) }

type jsonKV struct {
	Key   string    `json:"key"`
	Value jsonValue `json:"value"`
}

type jsonValue struct {
	StringValue *string          `json:"stringValue"`
	BoolValue   *bool            `json:"boolValue"`
	IntValue    json.RawMessage  `json:"intValue"`
	DoubleValue *json.RawMessage `json:"doubleValue"`
	BytesValue  *string          `json:"bytesValue"`
	ArrayValue  *struct {
		Values []jsonValue `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []jsonKV `json:"values"`
	} `json:"kvlistValue"`
}

func (v jsonValue) convert() (any, error) {
	switch {
	case v.StringValue != nil:
		return *v.StringValue, nil
	case v.BoolValue != nil:
		return *v.BoolValue, nil
	case v.IntValue != nil:
		return parseInt(v.IntValue)
	case v.DoubleValue != nil:
		return parseFloat(*v.DoubleValue)
	case v.BytesValue != nil:
		b, err := base64.StdEncoding.DecodeString(*v.BytesValue)
		if err != nil {
			return nil, fmt.Errorf("bytesValue: %w", err)
		}
		return b, nil
	case v.ArrayValue != nil:
		out := make([]any, 0, len(v.ArrayValue.Values))
		for _, e := range v.ArrayValue.Values {
			x, err := e.convert()
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case v.KvlistValue != nil:
		return attrs(v.KvlistValue.Values)
	default:
		return nil, nil // empty value
	}
}

func attrs(kvs []jsonKV) (map[string]any, error) {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		v, err := kv.Value.convert()
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", kv.Key, err)
		}
		m[kv.Key] = v
	}
	return m, nil
}

type jsonSpan struct {
	TraceID           string          `json:"traceId"`
	SpanID            string          `json:"spanId"`
	ParentSpanID      string          `json:"parentSpanId"`
	Name              string          `json:"name"`
	Kind              json.RawMessage `json:"kind"`
	StartTimeUnixNano json.RawMessage `json:"startTimeUnixNano"`
	EndTimeUnixNano   json.RawMessage `json:"endTimeUnixNano"`
	Attributes        []jsonKV        `json:"attributes"`
	Events            []struct {
		TimeUnixNano json.RawMessage `json:"timeUnixNano"`
		Name         string          `json:"name"`
		Attributes   []jsonKV        `json:"attributes"`
	} `json:"events"`
	Status struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	} `json:"status"`
}

var spanKinds = []string{"unspecified", "internal", "server", "client", "producer", "consumer"}
var statusCodes = []string{"unset", "ok", "error"}

func (s jsonSpan) convert() (Span, error) {
	var (
		out Span
		err error
	)
	out.Name = s.Name
	if out.TraceID, err = parseID(s.TraceID, 16, "traceId"); err != nil {
		return out, err
	}
	if out.SpanID, err = parseID(s.SpanID, 8, "spanId"); err != nil {
		return out, err
	}
	if out.ParentSpanID, err = parseID(s.ParentSpanID, 8, "parentSpanId"); err != nil {
		return out, err
	}
	if out.Kind, err = parseEnum(s.Kind, spanKinds, "SPAN_KIND_", "kind"); err != nil {
		return out, err
	}
	if out.StatusCode, err = parseEnum(s.Status.Code, statusCodes, "STATUS_CODE_", "status.code"); err != nil {
		return out, err
	}
	out.StatusMessage = s.Status.Message
	if out.Start, err = parseTime(s.StartTimeUnixNano); err != nil {
		return out, fmt.Errorf("startTimeUnixNano: %w", err)
	}
	if out.End, err = parseTime(s.EndTimeUnixNano); err != nil {
		return out, fmt.Errorf("endTimeUnixNano: %w", err)
	}
	if out.Attributes, err = attrs(s.Attributes); err != nil {
		return out, err
	}
	for _, e := range s.Events {
		ev := Event{Name: e.Name}
		if ev.Time, err = parseTime(e.TimeUnixNano); err != nil {
			return out, fmt.Errorf("event %q: %w", e.Name, err)
		}
		if ev.Attributes, err = attrs(e.Attributes); err != nil {
			return out, fmt.Errorf("event %q: %w", e.Name, err)
		}
		out.Events = append(out.Events, ev)
	}
	return out, nil
}

type jsonMetric struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Unit        string `json:"unit"`
	Gauge       *struct {
		DataPoints []jsonPoint `json:"dataPoints"`
	} `json:"gauge"`
	Sum *struct {
		DataPoints             []jsonPoint     `json:"dataPoints"`
		AggregationTemporality json.RawMessage `json:"aggregationTemporality"`
		IsMonotonic            bool            `json:"isMonotonic"`
	} `json:"sum"`
	Histogram *struct {
		DataPoints             []jsonPoint     `json:"dataPoints"`
		AggregationTemporality json.RawMessage `json:"aggregationTemporality"`
	} `json:"histogram"`
	ExponentialHistogram *struct {
		DataPoints             []jsonPoint     `json:"dataPoints"`
		AggregationTemporality json.RawMessage `json:"aggregationTemporality"`
	} `json:"exponentialHistogram"`
	Summary *struct {
		DataPoints []jsonPoint `json:"dataPoints"`
	} `json:"summary"`
}

var temporalities = []string{"", "delta", "cumulative"}

func (m jsonMetric) convert() (Metric, error) {
	out := Metric{Name: m.Name, Description: m.Description, Unit: m.Unit}
	var (
		points []jsonPoint
		temp   json.RawMessage
	)
	switch {
	case m.Gauge != nil:
		out.Type, points = "gauge", m.Gauge.DataPoints
	case m.Sum != nil:
		out.Type, points, temp = "sum", m.Sum.DataPoints, m.Sum.AggregationTemporality
		out.Monotonic = m.Sum.IsMonotonic
	case m.Histogram != nil:
		out.Type, points, temp = "histogram", m.Histogram.DataPoints, m.Histogram.AggregationTemporality
	case m.ExponentialHistogram != nil:
		out.Type, points, temp = "exponential_histogram", m.ExponentialHistogram.DataPoints,
			m.ExponentialHistogram.AggregationTemporality
	case m.Summary != nil:
		out.Type, points = "summary", m.Summary.DataPoints
	default:
		return out, errors.New("no known data field (gauge, sum, histogram, exponentialHistogram, summary)")
	}
	var err error
	if out.Temporality, err = parseEnum(temp, temporalities, "AGGREGATION_TEMPORALITY_", "aggregationTemporality"); err != nil {
		return out, err
	}
	for i, p := range points {
		dp, err := p.convert()
		if err != nil {
			return out, fmt.Errorf("data point %d: %w", i, err)
		}
		out.DataPoints = append(out.DataPoints, dp)
	}
	return out, nil
}

type jsonPoint struct {
	Attributes        []jsonKV          `json:"attributes"`
	StartTimeUnixNano json.RawMessage   `json:"startTimeUnixNano"`
	TimeUnixNano      json.RawMessage   `json:"timeUnixNano"`
	AsInt             json.RawMessage   `json:"asInt"`
	AsDouble          json.RawMessage   `json:"asDouble"`
	Count             json.RawMessage   `json:"count"`
	Sum               json.RawMessage   `json:"sum"`
	Min               json.RawMessage   `json:"min"`
	Max               json.RawMessage   `json:"max"`
	BucketCounts      []json.RawMessage `json:"bucketCounts"`
	ExplicitBounds    []json.RawMessage `json:"explicitBounds"`
	Exemplars         []struct {
		FilteredAttributes []jsonKV        `json:"filteredAttributes"`
		TimeUnixNano       json.RawMessage `json:"timeUnixNano"`
		AsInt              json.RawMessage `json:"asInt"`
		AsDouble           json.RawMessage `json:"asDouble"`
		SpanID             string          `json:"spanId"`
		TraceID            string          `json:"traceId"`
	} `json:"exemplars"`
}

func (p jsonPoint) convert() (DataPoint, error) {
	var (
		out DataPoint
		err error
	)
	if out.Attributes, err = attrs(p.Attributes); err != nil {
		return out, err
	}
	if out.Start, err = parseTime(p.StartTimeUnixNano); err != nil {
		return out, fmt.Errorf("startTimeUnixNano: %w", err)
	}
	if out.Time, err = parseTime(p.TimeUnixNano); err != nil {
		return out, fmt.Errorf("timeUnixNano: %w", err)
	}
	if out.Value, err = number(p.AsInt, p.AsDouble); err != nil {
		return out, err
	}
	if out.Count, err = parseUint(p.Count); err != nil {
		return out, fmt.Errorf("count: %w", err)
	}
	for _, f := range []struct {
		raw json.RawMessage
		dst *float64
	}{{p.Sum, &out.Sum}, {p.Min, &out.Min}, {p.Max, &out.Max}} {
		if *f.dst, err = parseFloat(f.raw); err != nil {
			return out, err
		}
	}
	for _, b := range p.ExplicitBounds {
		f, err := parseFloat(b)
		if err != nil {
			return out, fmt.Errorf("explicitBounds: %w", err)
		}
		out.Bounds = append(out.Bounds, f)
	}
	for _, b := range p.BucketCounts {
		n, err := parseUint(b)
		if err != nil {
			return out, fmt.Errorf("bucketCounts: %w", err)
		}
		out.BucketCounts = append(out.BucketCounts, n)
	}
	for _, e := range p.Exemplars {
		var ex Exemplar
		if ex.TraceID, err = parseID(e.TraceID, 16, "exemplar traceId"); err != nil {
			return out, err
		}
		if ex.SpanID, err = parseID(e.SpanID, 8, "exemplar spanId"); err != nil {
			return out, err
		}
		if ex.Value, err = number(e.AsInt, e.AsDouble); err != nil {
			return out, fmt.Errorf("exemplar: %w", err)
		}
		if ex.Time, err = parseTime(e.TimeUnixNano); err != nil {
			return out, fmt.Errorf("exemplar timeUnixNano: %w", err)
		}
		if ex.FilteredAttributes, err = attrs(e.FilteredAttributes); err != nil {
			return out, fmt.Errorf("exemplar: %w", err)
		}
		out.Exemplars = append(out.Exemplars, ex)
	}
	return out, nil
}

type jsonLog struct {
	TimeUnixNano         json.RawMessage `json:"timeUnixNano"`
	ObservedTimeUnixNano json.RawMessage `json:"observedTimeUnixNano"`
	SeverityNumber       json.RawMessage `json:"severityNumber"`
	SeverityText         string          `json:"severityText"`
	Body                 jsonValue       `json:"body"`
	Attributes           []jsonKV        `json:"attributes"`
	Flags                uint32          `json:"flags"`
	TraceID              string          `json:"traceId"`
	SpanID               string          `json:"spanId"`
	EventName            string          `json:"eventName"`
}

func (l jsonLog) convert() (LogRecord, error) {
	var (
		out LogRecord
		err error
	)
	out.SeverityText, out.Flags, out.EventName = l.SeverityText, l.Flags, l.EventName
	if out.Time, err = parseTime(l.TimeUnixNano); err != nil {
		return out, fmt.Errorf("timeUnixNano: %w", err)
	}
	if out.ObservedTime, err = parseTime(l.ObservedTimeUnixNano); err != nil {
		return out, fmt.Errorf("observedTimeUnixNano: %w", err)
	}
	if len(l.SeverityNumber) > 0 {
		n, err := parseInt(l.SeverityNumber)
		if err != nil || n < 0 || n > 24 {
			return out, fmt.Errorf("severityNumber %s: want 0..24", l.SeverityNumber)
		}
		out.SeverityNumber = int(n)
	}
	if out.Body, err = l.Body.convert(); err != nil {
		return out, fmt.Errorf("body: %w", err)
	}
	if out.TraceID, err = parseID(l.TraceID, 16, "traceId"); err != nil {
		return out, err
	}
	if out.SpanID, err = parseID(l.SpanID, 8, "spanId"); err != nil {
		return out, err
	}
	if out.Attributes, err = attrs(l.Attributes); err != nil {
		return out, err
	}
	return out, nil
}

// parseID returns a trace or span ID as lowercase hex. The file exporter
// writes hex; base64 (the proto3 JSON mapping) is accepted as well. An empty
// ID stays "".
func parseID(s string, size int, field string) (string, error) {
	if s == "" {
		return "", nil
	}
	if len(s) == 2*size {
		if b, err := hex.DecodeString(s); err == nil {
			return hex.EncodeToString(b), nil
		}
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == size {
		return hex.EncodeToString(b), nil
	}
	return "", fmt.Errorf("%s %q: want %d hex digits", field, s, 2*size)
}

// parseEnum maps an enum written as a number or as its proto name (with
// prefix) to names[number].
func parseEnum(raw json.RawMessage, names []string, prefix, field string) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return names[0], nil
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		for i, n := range names {
			if n != "" && name == prefix+upper(n) {
				return names[i], nil
			}
		}
		if name == prefix+"UNSPECIFIED" {
			return names[0], nil
		}
		return "", fmt.Errorf("%s %q: unknown value", field, name)
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil || n < 0 || n >= len(names) {
		return "", fmt.Errorf("%s %s: want 0..%d", field, raw, len(names)-1)
	}
	return names[n], nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// unquote strips the quotes OTLP/JSON puts around 64-bit integers.
func unquote(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s
}

func parseInt(raw json.RawMessage) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	n, err := strconv.ParseInt(unquote(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("integer %s: %w", raw, errors.Unwrap(err))
	}
	return n, nil
}

func parseUint(raw json.RawMessage) (uint64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	n, err := strconv.ParseUint(unquote(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("unsigned integer %s: %w", raw, errors.Unwrap(err))
	}
	return n, nil
}

// parseFloat reads a double, which OTLP/JSON writes as a number or, for
// non-finite values, as the strings "NaN", "Infinity" and "-Infinity".
func parseFloat(raw json.RawMessage) (float64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	switch s := unquote(raw); s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	default:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("number %s: %w", raw, errors.Unwrap(err))
		}
		return f, nil
	}
}

func number(asInt, asDouble json.RawMessage) (float64, error) {
	if len(asInt) > 0 {
		n, err := parseInt(asInt)
		return float64(n), err
	}
	return parseFloat(asDouble)
}

// parseTime reads a uint64 nanosecond Unix timestamp; 0 or absent is the
// zero time.
func parseTime(raw json.RawMessage) (time.Time, error) {
	n, err := parseUint(raw)
	if err != nil || n == 0 {
		return time.Time{}, err
	}
	if n > math.MaxInt64 {
		return time.Time{}, fmt.Errorf("timestamp %d out of range", n)
	}
	return time.Unix(0, int64(n)).UTC(), nil
}
