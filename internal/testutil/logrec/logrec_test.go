package logrec

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// Every record emitted is kept, in order, as it was when emitted; WithBody
// finds them by body.
func TestProcessorKeepsRecords(t *testing.T) {
	var p Processor
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(&p))
	defer func() { _ = lp.Shutdown(context.Background()) }()
	l := lp.Logger("t")
	for _, body := range []string{"a", "b", "a"} {
		var r log.Record
		r.SetBody(attribute.StringValue(body))
		l.Emit(context.Background(), r)
	}
	recs := p.Records()
	if len(recs) != 3 || recs[0].Body().AsString() != "a" || recs[1].Body().AsString() != "b" {
		t.Fatalf("records %v", recs)
	}
	if n := len(p.WithBody("a")); n != 2 {
		t.Errorf("WithBody(a) found %d, want 2", n)
	}
	if n := len(p.WithBody("c")); n != 0 {
		t.Errorf("WithBody(c) found %d", n)
	}
}
