package httpmw

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkServerW3CHeaders measures httpmw.Handler with hostile W3C
// headers against the same handler with ordinary ones, in one run (issue
// 11, item 6: a 1 MiB traceparent, tracestate or baggage costs at most 2x an
// ordinary request in time and allocation). The "-at-limit" cases carry the
// largest headers that are still parsed (internal/w3c limits): what a
// hostile client can make each request cost.
func BenchmarkServerW3CHeaders(b *testing.B) {
	logger := benchLogger()
	p := newBenchProviders(b, sdktrace.AlwaysSample())
	h := withHTTPMW(p, logger, benchMux())
	const mib = 1 << 20
	req := func(hdr ...string) *http.Request {
		r, _ := http.NewRequest("GET", "http://svc.local/orders/42", nil)
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("User-Agent", "bench/1.0")
		r.Header.Set("X-Request-ID", "req-0123456789")
		r.Header.Set("traceparent", validParent)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r
	}
	b.Run("ordinary", func(b *testing.B) { runServer(b, h, req()) })
	b.Run("ordinary-state-baggage", func(b *testing.B) {
		runServer(b, h, req("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "baggage", "userId=alice,isProduction=false"))
	})
	b.Run("tracestate-1MiB", func(b *testing.B) {
		runServer(b, h, req("tracestate", "a="+strings.Repeat("x", mib)))
	})
	b.Run("tracestate-1MiB-members", func(b *testing.B) {
		runServer(b, h, req("tracestate", strings.Repeat("k=v,", mib/4)))
	})
	b.Run("baggage-1MiB", func(b *testing.B) {
		runServer(b, h, req("baggage", "k="+strings.Repeat("v", mib)))
	})
	b.Run("traceparent-1MiB", func(b *testing.B) {
		runServer(b, h, req("traceparent", validParent+strings.Repeat("-ab", mib/3)))
	})
	b.Run("tracestate-at-limit", func(b *testing.B) {
		runServer(b, h, req("tracestate", atLimitTraceState()))
	})
	b.Run("baggage-at-limit", func(b *testing.B) {
		runServer(b, h, req("baggage", atLimitBaggage()))
	})
}

// atLimitTraceState is 32 members, just under 8192 bytes.
func atLimitTraceState() string {
	m := make([]string, 32)
	for i := range m {
		m[i] = fmt.Sprintf("vendor%02d=%s", i, strings.Repeat("v", 245))
	}
	return strings.Join(m, ",")
}

// atLimitBaggage is 64 members, just under 8192 bytes.
func atLimitBaggage() string {
	m := make([]string, 64)
	for i := range m {
		m[i] = fmt.Sprintf("key%02d=%s", i, strings.Repeat("v", 120))
	}
	return strings.Join(m, ",")
}
