package jaeger

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// getTraceResponse is the body of GET /api/v3/traces/{id}: OTLP/JSON
// TracesData under "result" (Jaeger's api_v3 GRPCGatewayWrapper).
type getTraceResponse struct {
	Result *struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []keyValue `json:"attributes"`
			} `json:"resource"`
			ScopeSpans []struct {
				Spans []jsonSpan `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	} `json:"result"`
}

type jsonSpan struct {
	TraceID      string          `json:"traceId"`
	SpanID       string          `json:"spanId"`
	ParentSpanID string          `json:"parentSpanId"`
	Name         string          `json:"name"`
	Kind         json.RawMessage `json:"kind"`
	Attributes   []keyValue      `json:"attributes"`
}

// keyValue is an OTLP/JSON attribute; Value has one key naming its type
// ("stringValue", "intValue", …).
type keyValue struct {
	Key   string                     `json:"key"`
	Value map[string]json.RawMessage `json:"value"`
}

func parseTrace(body []byte) ([]Span, error) {
	var r getTraceResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("not an api_v3 trace response: %w", err)
	}
	if r.Result == nil {
		return nil, fmt.Errorf("api_v3 trace response without a result: %.200s", body)
	}
	var out []Span
	for _, rs := range r.Result.ResourceSpans {
		res, err := attrs(rs.Resource.Attributes)
		if err != nil {
			return nil, fmt.Errorf("resource: %w", err)
		}
		service, _ := res["service.name"].(string)
		for _, ss := range rs.ScopeSpans {
			for _, js := range ss.Spans {
				s, err := js.convert()
				if err != nil {
					return nil, fmt.Errorf("span %q: %w", js.Name, err)
				}
				s.Service = service
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func (js jsonSpan) convert() (Span, error) {
	s := Span{Name: js.Name, TraceID: js.TraceID, SpanID: js.SpanID, ParentSpanID: js.ParentSpanID}
	if err := checkHexID("traceId", s.TraceID, 16, false); err != nil {
		return Span{}, err
	}
	if err := checkHexID("spanId", s.SpanID, 8, false); err != nil {
		return Span{}, err
	}
	if err := checkHexID("parentSpanId", s.ParentSpanID, 8, true); err != nil {
		return Span{}, err
	}
	kind, err := spanKind(js.Kind)
	if err != nil {
		return Span{}, err
	}
	s.Kind = kind
	if s.Attributes, err = attrs(js.Attributes); err != nil {
		return Span{}, err
	}
	return s, nil
}

func checkHexID(field, v string, n int, optional bool) error {
	if v == "" && optional {
		return nil
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != n || strings.ToLower(v) != v {
		return fmt.Errorf("%s %q: want %d lowercase hex digits", field, v, 2*n)
	}
	return nil
}

var kinds = []string{"unspecified", "internal", "server", "client", "producer", "consumer"}

// spanKind accepts the OTLP/JSON enum as a number (2) or a name
// ("SPAN_KIND_SERVER"); absent means unspecified.
func spanKind(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return kinds[0], nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		if n < 0 || n >= len(kinds) {
			return "", fmt.Errorf("span kind %d out of range", n)
		}
		return kinds[n], nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return "", fmt.Errorf("span kind %s: neither a number nor a name", raw)
	}
	k := strings.ToLower(strings.TrimPrefix(name, "SPAN_KIND_"))
	for _, known := range kinds {
		if k == known {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown span kind %q", name)
}

// attrs converts OTLP/JSON attributes to plain Go values: string, bool,
// int64 and float64; other value types (arrays, maps, bytes) are kept as
// their JSON text.
func attrs(kvs []keyValue) (map[string]any, error) {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		v, err := anyValue(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", kv.Key, err)
		}
		m[kv.Key] = v
	}
	return m, nil
}

func anyValue(v map[string]json.RawMessage) (any, error) {
	if len(v) > 1 {
		return nil, fmt.Errorf("value with %d types", len(v))
	}
	for typ, raw := range v {
		switch typ {
		case "stringValue":
			var s string
			err := json.Unmarshal(raw, &s)
			return s, err
		case "boolValue":
			var b bool
			err := json.Unmarshal(raw, &b)
			return b, err
		case "doubleValue":
			var f float64
			err := json.Unmarshal(raw, &f)
			return f, err
		case "intValue": // a string in OTLP/JSON; a number is accepted too
			return strconv.ParseInt(strings.Trim(string(raw), `"`), 10, 64)
		default:
			return string(raw), nil
		}
	}
	return nil, nil // an empty value
}
