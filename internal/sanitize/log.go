package sanitize

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelkit/otelkit/internal/redact"
)

// LogExporter returns exp wrapped so that every log record it is given has
// valid UTF-8 text and REDACTED under the attribute keys keys matches (see
// the package doc; nil keys redacts nothing). Shutdown and ForceFlush go
// to exp. A nil exp is returned as nil.
//
// A record with invalid text is exported as a cleaned copy; the batch
// processor's records are not modified. The copy keeps the record's count
// of dropped attributes, except when an attribute key itself was invalid,
// or the provider allows duplicate keys, or the resource or scope was
// invalid: the SDK offers no way to carry the count over a rebuilt
// attribute list.
func LogExporter(exp sdklog.Exporter, keys *redact.Rule) sdklog.Exporter {
	if exp == nil {
		return nil
	}
	return &logExporter{Exporter: exp, keys: keys}
}

type logExporter struct {
	sdklog.Exporter
	keys    *redact.Rule
	res     resourceCache
	rescope rescoper
}

var _ sdklog.Exporter = (*logExporter)(nil)

// Export passes records on as they are when all their text is valid;
// otherwise a copy of the slice in which each record with invalid text is
// replaced by a cleaned copy.
func (e *logExporter) Export(ctx context.Context, records []sdklog.Record) error {
	out, _ := cleanSlice(records, func(r *sdklog.Record) (sdklog.Record, bool) {
		if !e.dirty(r) {
			return sdklog.Record{}, false
		}
		return e.clean(r), true
	})
	return e.Exporter.Export(ctx, out)
}

// dirty reports whether some text of r is not valid UTF-8. It allocates
// nothing for valid records without slice or map values.
func (e *logExporter) dirty(r *sdklog.Record) bool {
	if _, changed := e.res.clean(r.Resource()); changed {
		return true
	}
	scope := r.InstrumentationScope()
	if !validScope(&scope) || !validValue(r.Body()) || !validText(r.EventName()) ||
		!validText(r.SeverityText()) {
		return true
	}
	if _, secret := e.keys.Value(r.Body()); secret { // a map body's members
		return true
	}
	return attributesDirty(r, e.keys)
}

// clean returns a copy of r with all its text cleaned.
func (e *logExporter) clean(r *sdklog.Record) sdklog.Record {
	res, resChanged := e.res.clean(r.Resource())
	scope, scopeChanged := Scope(r.InstrumentationScope())
	var c sdklog.Record
	if resChanged || scopeChanged {
		// Resource and scope have no setters: the record is rebuilt by a
		// logger that has the clean ones.
		c = e.rescope.record(r, res, scope)
	} else {
		c = r.Clone()
	}
	body, bodyChanged := Value(r.Body())
	if red, ok := e.keys.Value(body); ok {
		body, bodyChanged = red, true
	}
	if bodyChanged {
		c.SetBody(body)
	}
	if name, ok := String(r.EventName()); ok {
		c.SetEventName(name)
	}
	if text, ok := String(r.SeverityText()); ok {
		c.SetSeverityText(text)
	}
	cleanAttributes(&c, e.keys)
	return c
}

// cleanAttributes replaces c's attributes with clean ones. Setting the whole
// list anew is the cheaper way, but it restarts the count of attributes the
// limits dropped; so when that count is not zero and only values are
// invalid, the changed attributes are added again under their keys, which
// overwrites them in place and keeps the count. An invalid key cannot be
// overwritten: then the list is set anew whatever the count.
func cleanAttributes(c *sdklog.Record, keys *redact.Rule) {
	all := make([]attribute.KeyValue, 0, c.AttributesLen())
	var changed []attribute.KeyValue
	keyChanged := false
	c.WalkAttributes(func(kv attribute.KeyValue) bool {
		clean, ok := exportKeyValue(kv, keys)
		all = append(all, clean)
		if ok {
			changed = append(changed, clean)
			keyChanged = keyChanged || clean.Key != kv.Key
		}
		return true
	})
	if len(changed) == 0 {
		return
	}
	if keyChanged || c.DroppedAttributes() == 0 {
		c.SetAttributes(all...)
		return
	}
	c.AddAttributes(changed...)
	if attributesDirty(c, keys) {
		// A record that allows duplicate keys appended instead of
		// overwriting: set the list after all.
		c.SetAttributes(all...)
	}
}

// attributesDirty reports whether an attribute of r has invalid text or a
// key that keys matches.
func attributesDirty(r *sdklog.Record, keys *redact.Rule) bool {
	dirty := false
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		_, secret := keys.KeyValue(kv)
		dirty = !validText(string(kv.Key)) || !validValue(kv.Value) || secret
		return !dirty
	})
	return dirty
}
