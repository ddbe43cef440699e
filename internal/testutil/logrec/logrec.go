// Package logrec is an SDK log record processor that keeps a copy of every
// record it is handed, for tests that check what reached the OTLP bridge.
package logrec

import (
	"context"
	"sync"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// Processor keeps every record emitted to it. Safe for concurrent use; the
// zero value is ready.
type Processor struct {
	mu   sync.Mutex
	recs []sdklog.Record
}

var _ sdklog.Processor = (*Processor)(nil)

// OnEmit keeps a clone of r.
func (p *Processor) OnEmit(_ context.Context, r *sdklog.Record) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.recs = append(p.recs, r.Clone())
	return nil
}

// Enabled reports true: every record is kept.
func (*Processor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

// Shutdown does nothing.
func (*Processor) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing.
func (*Processor) ForceFlush(context.Context) error { return nil }

// Records returns the records kept so far, in the order they came.
func (p *Processor) Records() []sdklog.Record {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]sdklog.Record(nil), p.recs...)
}

// WithBody returns the records kept so far whose body is the string msg.
func (p *Processor) WithBody(msg string) []sdklog.Record {
	var out []sdklog.Record
	for _, r := range p.Records() {
		if r.Body().AsString() == msg {
			out = append(out, r)
		}
	}
	return out
}
