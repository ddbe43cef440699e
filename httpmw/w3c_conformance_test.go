package httpmw

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/baggage"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// The W3C conformance suite: one case per MUST or SHOULD of W3C Trace
// Context Level 2 (https://www.w3.org/TR/trace-context-2/, "TC2 §") and W3C
// Baggage (https://www.w3.org/TR/baggage/, "Baggage §"), each citing its
// section. A case sends raw HTTP/1.1 header lines to a service behind
// Handler; the service calls a second server through Transport, and the case
// checks what that call carries (and, where the rule is about the server
// side, the server span). Cases marked residual check the documented
// difference of internal/w3c (package documentation, "Residual
// differences") instead of the rule.

const (
	tcTrace  = "12345678901234567890123456789012"
	tcParent = "00-" + tcTrace + "-1234567890123456-01"
)

// conformanceResult is what one request produced.
type conformanceResult struct {
	out    http.Header // headers of the call the service made
	server sdktrace.ReadOnlySpan
	client sdktrace.ReadOnlySpan
}

// conformanceService runs Handler -> handler -> Transport -> downstream
// over loopback. mutate, when set, changes the context the handler calls
// downstream with.
func conformanceService(t *testing.T, mutate func(context.Context) context.Context) (addr string, result func() conformanceResult) {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr)) // default sampler: ParentBased(AlwaysSample)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	opts := []Option{WithTracerProvider(tp), WithPropagators(testPropagator), WithoutAccessLog(), WithServerName("svc")}

	got := make(chan http.Header, 1)
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
	}))
	t.Cleanup(downstream.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	client := &http.Client{Transport: Transport(base, opts...), Timeout: 5 * time.Second}

	service := httptest.NewServer(Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if mutate != nil {
			ctx = mutate(ctx)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, downstream.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_ = resp.Body.Close()
	}), opts...))
	t.Cleanup(service.Close)

	return service.Listener.Addr().String(), func() conformanceResult {
		t.Helper()
		var res conformanceResult
		select {
		case res.out = <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("the service made no call")
		}
		for _, s := range sr.Ended() {
			switch s.SpanKind() {
			case trace.SpanKindServer:
				res.server = s
			case trace.SpanKindClient:
				res.client = s
			}
		}
		return res // no spans when the trace is not sampled
	}
}

// sendRaw writes a GET with exactly these header lines (name, value), in
// this order, and reads the response.
func sendRaw(t *testing.T, addr string, lines [][2]string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "GET /check HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", addr)
	for _, l := range lines {
		fmt.Fprintf(&b, "%s: %s\r\n", l[0], l[1])
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

var traceparentRE = regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$`)

// outParent checks that the call carries exactly one version-00
// traceparent naming the client span, and returns its trace-id and flags.
func outParent(t *testing.T, r conformanceResult) (traceID, flags string) {
	t.Helper()
	lines := r.out.Values("traceparent")
	if len(lines) != 1 {
		t.Fatalf("outgoing traceparent lines %q, want one", lines)
	}
	m := traceparentRE.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("outgoing traceparent %q is not version 00", lines[0])
	}
	switch {
	case r.client != nil && m[2] != r.client.SpanContext().SpanID().String():
		t.Errorf("outgoing parent-id %s is not the client span %s", m[2], r.client.SpanContext().SpanID())
	case m[2] == "1234567890123456":
		t.Errorf("outgoing parent-id is the incoming one")
	}
	return m[1], m[3]
}

func continued(t *testing.T, r conformanceResult) {
	t.Helper()
	if id, _ := outParent(t, r); id != tcTrace {
		t.Errorf("trace not continued: outgoing trace-id %s", id)
	}
	if r.server != nil && (!r.server.Parent().IsRemote() || r.server.Parent().SpanID().String() != "1234567890123456") {
		t.Errorf("server span parent %v", r.server.Parent())
	}
}

func restarted(t *testing.T, r conformanceResult) {
	t.Helper()
	if id, _ := outParent(t, r); id == tcTrace {
		t.Error("the incoming trace was continued")
	}
	if r.server == nil {
		t.Fatal("no server span: a new trace is sampled (ParentBased(AlwaysSample))")
	}
	if r.server.Parent().IsValid() {
		t.Errorf("server span has parent %v", r.server.Parent())
	}
	if ts := r.out.Values("tracestate"); len(ts) != 0 {
		t.Errorf("tracestate %q sent on a restarted trace (TC2 §3.4: SHOULD clean up tracestate)", ts)
	}
}

// outState checks the outgoing tracestate: one line equal to want, or
// none when want is "" (TC2 §3.3.2: sent as a single field; empty
// tracestate SHOULD NOT be sent).
func outState(t *testing.T, r conformanceResult, want string) {
	t.Helper()
	lines := r.out.Values("tracestate")
	switch {
	case want == "" && len(lines) != 0:
		t.Errorf("outgoing tracestate %q, want none", lines)
	case want != "" && (len(lines) != 1 || lines[0] != want):
		t.Errorf("outgoing tracestate %q, want %q", lines, want)
	}
}

// outBaggage checks the outgoing baggage members (the SDK sends them in no
// particular order).
func outBaggage(t *testing.T, r conformanceResult, want map[string]string) {
	t.Helper()
	lines := r.out.Values("baggage")
	if len(want) == 0 {
		if len(lines) != 0 {
			t.Errorf("outgoing baggage %q, want none", lines)
		}
		return
	}
	if len(lines) != 1 {
		t.Fatalf("outgoing baggage lines %q, want one", lines)
	}
	bag, err := baggage.Parse(lines[0])
	if err != nil {
		t.Fatalf("outgoing baggage %q: %v", lines[0], err)
	}
	if bag.Len() != len(want) {
		t.Errorf("outgoing baggage has %d members, want %d: %q", bag.Len(), len(want), lines[0])
	}
	for k, v := range want {
		if got := bag.Member(k).Value(); got != v {
			t.Errorf("outgoing baggage %s=%q, want %q", k, got, v)
		}
	}
}

type conformanceCase struct {
	rule  string // the rule, with its section
	lines [][2]string
	// mutate, when set, changes the context the service calls downstream
	// with (rules about what a participant sends when it changes the state).
	mutate func(context.Context) context.Context
	check  func(t *testing.T, r conformanceResult)
}

func runConformance(t *testing.T, cases map[string]conformanceCase) {
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			addr, result := conformanceService(t, tc.mutate)
			sendRaw(t, addr, tc.lines)
			r := result()
			if t.Failed() {
				return
			}
			tc.check(t, r)
			if t.Failed() {
				t.Logf("rule: %s", tc.rule)
			}
		})
	}
}

func tp(v string) [2]string { return [2]string{"traceparent", v} }
func ts(v string) [2]string { return [2]string{"tracestate", v} }
func bg(v string) [2]string { return [2]string{"baggage", v} }

func hdr(lines ...[2]string) [][2]string { return lines }

func stateIs(want string) func(*testing.T, conformanceResult) {
	return func(t *testing.T, r conformanceResult) { continued(t, r); outState(t, r, want) }
}

func baggageIs(want map[string]string) func(*testing.T, conformanceResult) {
	return func(t *testing.T, r conformanceResult) { outBaggage(t, r, want) }
}

func nMembers(n int, format string) string {
	m := make([]string, n)
	for i := range m {
		m[i] = fmt.Sprintf(format, i)
	}
	return strings.Join(m, ",")
}
