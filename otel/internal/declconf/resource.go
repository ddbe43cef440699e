package declconf

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"go.opentelemetry.io/contrib/otelconf"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelkit/otelkit/internal/propagators"
)

// resource records the resource's attributes: attributes_list first, so
// that attributes win, as the schema says.
func (b *builder) resource(r *otelconf.Resource) {
	if r == nil {
		return
	}
	if r.AttributesList != nil {
		b.attributesList(*r.AttributesList)
	}
	for i, a := range r.Attributes {
		path := fmt.Sprintf("resource.attributes[%d]", i)
		kv, err := attributeKV(a)
		if err != nil {
			b.fail(path, err.Error(), "a name and a value of the type given (string, bool, int, double or an array of one of them)")
			continue
		}
		b.add(path, kv)
	}
	if r.SchemaUrl != nil {
		b.f.SchemaURL = *r.SchemaUrl
	}
}

// attributesList reads attributes_list, in OTEL_RESOURCE_ATTRIBUTES'
// syntax: comma-separated key=value pairs, values percent-encoded.
func (b *builder) attributesList(list string) {
	const path = "resource.attributes_list"
	for i, item := range strings.Split(list, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		k = strings.TrimSpace(k)
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if !ok || k == "" || err != nil {
			b.fail(path, fmt.Sprintf("item %d is not key=value with a percent-encoded value", i+1), "key=value pairs, comma separated")
			continue
		}
		b.add(path, attribute.String(k, dv))
	}
}

// add records kv, the attribute at path, unless it is a service.name that
// is not a name: it would leave the service unknown_service. The rule is
// otel.WithResourceAttributes' (BlankServiceName); the value is not shown.
func (b *builder) add(path string, kv attribute.KeyValue) {
	if BlankServiceName(kv) {
		b.fail(path, "service.name is not a non-blank string", "a service.name that is a non-blank string")
		return
	}
	b.f.Attributes = append(b.f.Attributes, kv)
}

// BlankServiceName reports whether kv is a service.name that names no
// service: not a string, or blank.
func BlankServiceName(kv attribute.KeyValue) bool {
	return kv.Key == semconv.ServiceNameKey &&
		(kv.Value.Type() != attribute.STRING || strings.TrimSpace(kv.Value.AsString()) == "")
}

// attributeKV converts one attribute; without a type, the value's YAML
// type decides.
func attributeKV(a otelconf.AttributeNameValue) (attribute.KeyValue, error) {
	if a.Name == "" {
		return attribute.KeyValue{}, errors.New("empty name")
	}
	t := ""
	if a.Type != nil {
		t = string(*a.Type)
	}
	if t == "" {
		if t = inferType(a.Value); t == "" {
			return attribute.KeyValue{}, errors.New("the value is none of the types an attribute may have")
		}
	}
	k := attribute.Key(a.Name)
	bad := errors.New("the value is not of type " + t) // the path names the attribute; no value of the file is quoted
	switch t {
	case "string":
		if s, ok := a.Value.(string); ok {
			return k.String(s), nil
		}
	case "bool":
		if v, ok := a.Value.(bool); ok {
			return k.Bool(v), nil
		}
	case "int":
		if v, ok := a.Value.(int); ok {
			return k.Int(v), nil
		}
	case "double":
		if v, ok := number(a.Value); ok {
			return k.Float64(v), nil
		}
	default:
		return arrayKV(k, t, a.Value, bad)
	}
	return attribute.KeyValue{}, bad
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

// inferType names the type of a value given without one, from its first
// item for an array; "" when it has none of the schema's types (a
// mapping, an array of arrays).
func inferType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "double"
	case []any:
		if len(x) == 0 {
			return "string_array"
		}
		if _, nested := x[0].([]any); !nested {
			if t := inferType(x[0]); t != "" {
				return t + "_array"
			}
		}
	}
	return ""
}

func arrayKV(k attribute.Key, t string, v any, bad error) (attribute.KeyValue, error) {
	items, ok := v.([]any)
	if !ok {
		return attribute.KeyValue{}, bad
	}
	switch t {
	case "string_array":
		out, ok := convertAll(items, func(x any) (string, bool) { s, ok := x.(string); return s, ok })
		return k.StringSlice(out), okOr(ok, bad)
	case "bool_array":
		out, ok := convertAll(items, func(x any) (bool, bool) { b, ok := x.(bool); return b, ok })
		return k.BoolSlice(out), okOr(ok, bad)
	case "int_array":
		out, ok := convertAll(items, func(x any) (int, bool) { n, ok := x.(int); return n, ok })
		return k.IntSlice(out), okOr(ok, bad)
	case "double_array":
		out, ok := convertAll(items, number)
		return k.Float64Slice(out), okOr(ok, bad)
	}
	return attribute.KeyValue{}, bad
}

func convertAll[T any](items []any, conv func(any) (T, bool)) ([]T, bool) {
	out := make([]T, 0, len(items))
	for _, x := range items {
		v, ok := conv(x)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

func okOr(ok bool, err error) error {
	if ok {
		return nil
	}
	return err
}

// propagator builds the file's propagator, composite entries first, then
// composite_list, each name once. Without a propagator section the schema
// propagates nothing: that is kept, with a warning.
func (b *builder) propagator(p *otelconf.Propagator) {
	if p == nil {
		b.p.warn("propagator", 0, "is not set: as the schema says, no trace context is read from requests nor sent on; "+
			"set composite_list: tracecontext,baggage to propagate")
		return
	}
	var names []string
	add := func(n string) {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" && !contains(names, n) {
			names = append(names, n)
		}
	}
	for _, c := range p.Composite {
		for _, x := range []struct {
			name string
			on   bool
		}{{"tracecontext", c.Tracecontext != nil}, {"baggage", c.Baggage != nil}, {"b3", c.B3 != nil},
			{"b3multi", c.B3Multi != nil}, {"jaeger", c.Jaeger != nil}, {"ottrace", c.Ottrace != nil}} {
			if x.on {
				add(x.name)
			}
		}
	}
	var listed []string
	if p.CompositeList != nil {
		listed = strings.Split(*p.CompositeList, ",")
		for _, n := range listed {
			add(n)
		}
	}
	if len(names) == 0 {
		b.f.Propagator = propagation.NewCompositeTextMapPropagator()
		return
	}
	prop, unknown := propagators.Build(names)
	if len(unknown) > 0 {
		// The items by position: no value of the file is quoted.
		var items []string
		for i, n := range listed {
			if contains(unknown, strings.ToLower(strings.TrimSpace(n))) {
				items = append(items, strconv.Itoa(i+1))
			}
		}
		what := "item " + items[0] + " is not a propagator"
		if len(items) > 1 {
			what = "items " + strings.Join(items, ", ") + " are not propagators"
		}
		b.fail("propagator.composite_list", what+" otelkit builds", propagators.Allowed(unknown))
		return
	}
	b.f.Propagator = prop
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const samplersAllowed = "always_on, always_off, trace_id_ratio_based or parent_based"

// sampler translates a sampler; parent_based's root defaults to always_on.
func (b *builder) sampler(s *otelconf.Sampler, path string) sdktrace.Sampler {
	switch {
	case s.ParentBased != nil:
		pb, pp := s.ParentBased, path+".parent_based"
		root := sdktrace.AlwaysSample()
		if pb.Root != nil {
			root = b.sampler(pb.Root, pp+".root")
		}
		var opts []sdktrace.ParentBasedSamplerOption
		for _, x := range []struct {
			s   *otelconf.Sampler
			key string
			opt func(sdktrace.Sampler) sdktrace.ParentBasedSamplerOption
		}{{pb.RemoteParentSampled, "remote_parent_sampled", sdktrace.WithRemoteParentSampled},
			{pb.RemoteParentNotSampled, "remote_parent_not_sampled", sdktrace.WithRemoteParentNotSampled},
			{pb.LocalParentSampled, "local_parent_sampled", sdktrace.WithLocalParentSampled},
			{pb.LocalParentNotSampled, "local_parent_not_sampled", sdktrace.WithLocalParentNotSampled}} {
			if x.s != nil {
				opts = append(opts, x.opt(b.sampler(x.s, pp+"."+x.key)))
			}
		}
		return sdktrace.ParentBased(root, opts...)
	case s.AlwaysOn != nil:
		return sdktrace.AlwaysSample()
	case s.AlwaysOff != nil:
		return sdktrace.NeverSample()
	case s.TraceIDRatioBased != nil:
		ratio := 1.0
		if r := s.TraceIDRatioBased.Ratio; r != nil {
			ratio = *r
		}
		if !(ratio >= 0 && ratio <= 1) {
			b.failValue(path+".trace_id_ratio_based.ratio", "a number from 0 to 1")
		}
		return sdktrace.TraceIDRatioBased(ratio)
	}
	b.fail(path, "no sampler otelkit builds", samplersAllowed)
	return sdktrace.AlwaysSample()
}
