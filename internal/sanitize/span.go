package sanitize

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/redact"
)

// SpanExporter returns exp wrapped so that every span it is given has valid
// UTF-8 text and REDACTED under the attribute keys keys matches (see the
// package doc; nil keys redacts nothing). Shutdown and ForceFlush go to
// exp. A nil exp is returned as nil.
func SpanExporter(exp sdktrace.SpanExporter, keys *redact.Rule) sdktrace.SpanExporter {
	if exp == nil {
		return nil
	}
	return &spanExporter{SpanExporter: exp, keys: keys}
}

type spanExporter struct {
	sdktrace.SpanExporter
	keys *redact.Rule
	res  resourceCache
}

var _ sdktrace.SpanExporter = (*spanExporter)(nil)

// ExportSpans passes spans on as they are when all their text is valid;
// otherwise a copy of the slice in which each span with invalid text is
// replaced by a cleaned view of it.
func (e *spanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	out, _ := cleanSlice(spans, func(s *sdktrace.ReadOnlySpan) (sdktrace.ReadOnlySpan, bool) { return e.span(*s) })
	return e.SpanExporter.ExportSpans(ctx, out)
}

// span returns a cleaned view of s and true, or s and false when its text
// is valid. The fast path allocates nothing: the view is built only when
// something changed.
func (e *spanExporter) span(s sdktrace.ReadOnlySpan) (sdktrace.ReadOnlySpan, bool) {
	if s == nil || e.valid(s) && !credentials(s, e.keys) {
		return s, false
	}
	name, c0 := String(s.Name())
	attrs, c1 := exportKeyValues(s.Attributes(), e.keys)
	evs, c2 := events(s.Events(), e.keys)
	lks, c3 := links(s.Links(), e.keys)
	status := s.Status()
	desc, c4 := String(status.Description)
	scope, c5 := Scope(s.InstrumentationScope())
	res, c6 := e.res.clean(s.Resource())
	if !c0 && !c1 && !c2 && !c3 && !c4 && !c5 && !c6 {
		return s, false
	}
	status.Description = desc
	return &cleanSpan{ReadOnlySpan: s, name: name, attrs: attrs, events: evs, links: lks,
		status: status, scope: scope, res: res}, true
}

// valid reports whether all text of s is valid UTF-8, copying nothing.
func (e *spanExporter) valid(s sdktrace.ReadOnlySpan) bool {
	if !validText(s.Name()) || !validKeyValues(s.Attributes()) {
		return false
	}
	for _, ev := range s.Events() {
		if !validText(ev.Name) || !validKeyValues(ev.Attributes) {
			return false
		}
	}
	for _, l := range s.Links() {
		if !validKeyValues(l.Attributes) {
			return false
		}
	}
	if !validText(s.Status().Description) {
		return false
	}
	scope := s.InstrumentationScope()
	if !validScope(&scope) {
		return false
	}
	_, changed := e.res.clean(s.Resource())
	return !changed
}

// credentials reports whether an attribute of s, of its events or of its
// links has a key that rule matches, copying nothing.
func credentials(s sdktrace.ReadOnlySpan, rule *redact.Rule) bool {
	if rule.Needs(s.Attributes()) {
		return true
	}
	for _, ev := range s.Events() {
		if rule.Needs(ev.Attributes) {
			return true
		}
	}
	for _, l := range s.Links() {
		if rule.Needs(l.Attributes) {
			return true
		}
	}
	return false
}

func events(evs []sdktrace.Event, keys *redact.Rule) ([]sdktrace.Event, bool) {
	var out []sdktrace.Event
	for i, ev := range evs {
		name, nc := String(ev.Name)
		attrs, ac := exportKeyValues(ev.Attributes, keys)
		if !nc && !ac {
			continue
		}
		if out == nil {
			out = append([]sdktrace.Event(nil), evs...)
		}
		out[i].Name, out[i].Attributes = name, attrs
	}
	if out == nil {
		return evs, false
	}
	return out, true
}

// links cleans the links' attributes. A link's trace state needs nothing:
// the trace API accepts only W3C tracestate members, which are ASCII.
func links(ls []sdktrace.Link, keys *redact.Rule) ([]sdktrace.Link, bool) {
	var out []sdktrace.Link
	for i, l := range ls {
		attrs, ok := exportKeyValues(l.Attributes, keys)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]sdktrace.Link(nil), ls...)
		}
		out[i].Attributes = attrs
	}
	if out == nil {
		return ls, false
	}
	return out, true
}

// cleanSpan is a span whose text accessors return cleaned copies; the rest
// (IDs, times, kind, counts) comes from the embedded span.
type cleanSpan struct {
	sdktrace.ReadOnlySpan
	name   string
	attrs  []attribute.KeyValue
	events []sdktrace.Event
	links  []sdktrace.Link
	status sdktrace.Status
	scope  instrumentation.Scope
	res    *resource.Resource
}

func (c *cleanSpan) Name() string                                { return c.name }
func (c *cleanSpan) Attributes() []attribute.KeyValue            { return c.attrs }
func (c *cleanSpan) Events() []sdktrace.Event                    { return c.events }
func (c *cleanSpan) Links() []sdktrace.Link                      { return c.links }
func (c *cleanSpan) Status() sdktrace.Status                     { return c.status }
func (c *cleanSpan) InstrumentationScope() instrumentation.Scope { return c.scope }
func (c *cleanSpan) Resource() *resource.Resource                { return c.res }

// InstrumentationLibrary is the deprecated name of InstrumentationScope,
// which some exporters still call. sdktrace.ReadOnlySpan still requires
// it, and the embedded span's would return the scope uncleaned.
//
//lint:ignore SA1019 the sdktrace.ReadOnlySpan interface requires the method
func (c *cleanSpan) InstrumentationLibrary() instrumentation.Library {
	return c.scope
}
