package tracing

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestRedactionOptions: a provider built alone takes the key rule from its
// options: by default the credential keys only; WithRedactedKeys adds the
// program's own (options add up); WithoutKeyRedaction exports the raw
// values and wins over WithRedactedKeys, whatever the order.
func TestRedactionOptions(t *testing.T) {
	for _, tc := range []struct {
		name          string
		opts          []Option
		ssn, pin, pwd string
	}{
		{"default", nil, "078-05-1120", "1234", "REDACTED"},
		{"added", []Option{WithRedactedKeys("ssn"), WithRedactedKeys("pin")}, "REDACTED", "REDACTED", "REDACTED"},
		{"off", []Option{WithoutKeyRedaction()}, "078-05-1120", "1234", "hunter2"},
		{"off wins", []Option{WithoutKeyRedaction(), WithRedactedKeys("ssn")}, "078-05-1120", "1234", "hunter2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			tp := newTP(t, nil, append([]Option{WithSpanExporter(exp)}, tc.opts...)...)
			s := oneSpan(t, tp, exp, attribute.String("customer_ssn", "078-05-1120"), attribute.String("user.pin", "1234"),
				attribute.String("db.password", "hunter2"))
			got := map[string]string{}
			for _, kv := range s.Attributes {
				got[string(kv.Key)] = kv.Value.AsString()
			}
			if got["customer_ssn"] != tc.ssn || got["user.pin"] != tc.pin || got["db.password"] != tc.pwd {
				t.Errorf("exported %v", got)
			}
		})
	}
}
