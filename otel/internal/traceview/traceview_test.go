package traceview

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/hostcheck"
	"github.com/otelkit/otelkit/internal/reqscope"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixture is a store fed by a real tracer provider and logger provider.
type fixture struct {
	store *Store
	tp    *sdktrace.TracerProvider
	lp    *sdklog.LoggerProvider
}

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	s := New(cfg)
	f := &fixture{
		store: s,
		tp:    sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(s.SpanProcessor())),
		lp:    sdklog.NewLoggerProvider(sdklog.WithProcessor(s.LogProcessor())),
	}
	t.Cleanup(func() {
		_ = f.tp.Shutdown(context.Background())
		_ = f.lp.Shutdown(context.Background())
	})
	return f
}

// log emits a record in ctx's span.
func (f *fixture) log(ctx context.Context, sev otellog.Severity, body string, attrs ...attribute.KeyValue) {
	var r otellog.Record
	r.SetTimestamp(time.Now())
	r.SetSeverity(sev)
	r.SetSeverityText(strings.ToLower(sev.String()))
	r.SetBody(attribute.StringValue(body))
	r.AddAttributes(attrs...)
	f.lp.Logger("test").Emit(ctx, r)
}

// request makes the trace of one request as httpmw would: a client span,
// a server span with the request ID, a child span, and log lines.
func (f *fixture) request(reqID string, fail bool) trace.TraceID {
	tr := f.tp.Tracer("test")
	ctx, client := tr.Start(context.Background(), "GET", trace.WithSpanKind(trace.SpanKindClient))
	sctx, server := tr.Start(ctx, "GET /orders/{id}", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(reqscope.IDAttribute.String(reqID), attribute.Int("http.response.status_code", 200)))
	f.log(sctx, otellog.SeverityInfo, "request_started", attribute.String("request_id", reqID))
	cctx, child := tr.Start(sctx, "load_order")
	f.log(cctx, otellog.SeverityDebug, "order_query", attribute.String("request_id", reqID), attribute.String("order_id", "42"))
	time.Sleep(time.Millisecond)
	if fail {
		child.RecordError(io.ErrUnexpectedEOF)
		child.SetStatus(codes.Error, "db down")
	}
	child.End()
	f.log(sctx, otellog.SeverityInfo, "order_loaded", attribute.String("request_id", reqID))
	server.End()
	client.End()
	return client.SpanContext().TraceID()
}

// testHosts is the Policy of the tests' handlers: their requests name
// admin.local, as an admin port reached by that name would be.
var testHosts, _ = hostcheck.New("WithAllowedHosts", []string{"admin.local"})

func get(t *testing.T, h http.Handler, target string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://admin.local"+target, nil))
	return rec.Code, rec.Body.String(), rec.Header()
}

// TestListAndTrace: the list shows each trace newest first with its root,
// duration, status and request ID; the trace page shows the spans as a
// tree and the log lines in time order.
func TestListAndTrace(t *testing.T) {
	f := newFixture(t, Config{})
	first := f.request("req-first", false)
	time.Sleep(2 * time.Millisecond)
	second := f.request("req-second", true)
	h := http.StripPrefix("/debug/otel", f.store.Handler("shop", testHosts))

	code, body, hdr := get(t, h, "/debug/otel/")
	if code != http.StatusOK || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("list: %d %v", code, hdr)
	}
	rows := regexp.MustCompile(`<tr class="trace" data-trace-id="([0-9a-f]{32})">(.*)`).FindAllStringSubmatch(body, -1)
	if len(rows) != 2 || rows[0][1] != second.String() || rows[1][1] != first.String() {
		t.Fatalf("want the two traces newest first, got %v\n%s", rows, body)
	}
	for _, want := range []string{`<a href="trace/` + second.String() + `">`, "<td>GET</td>", `class="st-error">error`, "req-second", "<td>3</td>"} {
		if !strings.Contains(rows[0][2], want) {
			t.Errorf("row of the second trace lacks %q: %s", want, rows[0][2])
		}
	}
	if !strings.Contains(rows[1][2], `class="st-unset">unset`) {
		t.Errorf("first trace's status: %s", rows[1][2])
	}

	for q, want := range map[string][]trace.TraceID{
		"req-first": {first}, "req-": {second, first}, first.String()[:8]: {first},
		strings.ToUpper(second.String()): {second}, "nothing": nil,
	} {
		_, body, _ := get(t, h, "/debug/otel/?q="+q)
		ids := regexp.MustCompile(`data-trace-id="([0-9a-f]{32})"`).FindAllStringSubmatch(body, -1)
		if len(ids) != len(want) {
			t.Errorf("q=%s: %d traces, want %d", q, len(ids), len(want))
			continue
		}
		for i := range want {
			if ids[i][1] != want[i].String() {
				t.Errorf("q=%s: trace %d is %s", q, i, ids[i][1])
			}
		}
	}

	code, body, _ = get(t, h, "/debug/otel/trace/"+second.String())
	if code != http.StatusOK {
		t.Fatalf("trace page: %d", code)
	}
	spans := regexp.MustCompile(`<div class="span k-(\w+)( err)?" data-span-id="[0-9a-f]{16}"><details><summary>\s*<span class="name" style="padding-left:(\d+)px" title="[^"]*">([^<]*)</span>`).FindAllStringSubmatch(body, -1)
	wantSpans := [][2]string{{"GET", "0"}, {"GET /orders/{id}", "14"}, {"load_order", "28"}}
	if len(spans) != len(wantSpans) {
		t.Fatalf("want %d spans in the waterfall, got %d:\n%s", len(wantSpans), len(spans), body)
	}
	for i, w := range wantSpans {
		if spans[i][4] != w[0] || spans[i][3] != w[1] {
			t.Errorf("span %d: %q at indent %s, want %q at %s", i, spans[i][4], spans[i][3], w[0], w[1])
		}
	}
	if spans[2][2] != " err" || !strings.Contains(body, "<dd>db down</dd>") || !strings.Contains(body, "<b>exception</b>") {
		t.Errorf("the failed span shows no error, status description or exception event")
	}
	logs := regexp.MustCompile(`<tr class="log">.*?<td>([a-z_]+)</td><td class="attrs mono">(.*?)</td></tr>`).FindAllStringSubmatch(body, -1)
	var msgs []string
	for _, l := range logs {
		msgs = append(msgs, l[1])
		if !strings.Contains(l[2], "<i>request_id=</i>req-second") {
			t.Errorf("log line %s lacks the request ID: %s", l[1], l[2])
		}
	}
	if strings.Join(msgs, ",") != "request_started,order_query,order_loaded" {
		t.Errorf("log lines %v, want them in time order", msgs)
	}
}

// TestPaths: mounted with or without StripPrefix, the paths answer the
// same; other methods, bad and unknown IDs answer an error page.
func TestPaths(t *testing.T) {
	f := newFixture(t, Config{})
	id := f.request("r", false)
	mux := http.NewServeMux()
	mux.Handle("/debug/otel/", f.store.Handler("", testHosts))
	mux.Handle("/strip/", http.StripPrefix("/strip", f.store.Handler("", testHosts)))
	// StripPrefix with the slash leaves "trace/<id>"; a mount whose own
	// path ends in "/trace/" is the list there, its traces under it.
	mux.Handle("/slash/", http.StripPrefix("/slash/", f.store.Handler("", testHosts)))
	mux.Handle("/x/trace/", f.store.Handler("", testHosts))
	for _, base := range []string{"/debug/otel", "/strip", "/slash", "/x/trace"} {
		if code, body, _ := get(t, mux, base+"/trace/"+id.String()); code != http.StatusOK || !strings.Contains(body, "load_order") {
			t.Errorf("%s: trace page %d", base, code)
		}
		if code, body, _ := get(t, mux, base+"/"); code != http.StatusOK || !strings.Contains(body, id.String()) {
			t.Errorf("%s: list %d", base, code)
		}
		for _, bad := range []string{"xyz", strings.Repeat("0", 32), strings.Repeat("ab", 16), id.String() + "00"} {
			if code, body, _ := get(t, mux, base+"/trace/"+bad); code != http.StatusNotFound || !strings.Contains(body, "all traces") {
				t.Errorf("%s: trace %q answered %d", base, bad, code)
			}
		}
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "http://admin.local/debug/otel/", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %v", rec.Code, rec.Header())
	}
	// "<mount>" without its slash redirects to "<mount>/", query kept.
	root := http.NewServeMux()
	root.Handle("/debug/otel", f.store.Handler("", testHosts))
	root.Handle("/strip", http.StripPrefix("/strip", f.store.Handler("", testHosts)))
	for _, target := range []string{"/debug/otel?q=r", "/strip?q=r"} {
		rec := httptest.NewRecorder()
		root.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://admin.local"+target, nil))
		loc := rec.Header().Get("Location")
		want := strings.Replace(target, "?", "/?", 1)
		if rec.Code != http.StatusMovedPermanently || !strings.HasSuffix(want, strings.TrimPrefix(loc, ".")) {
			t.Errorf("%s: %d Location %q", target, rec.Code, loc)
		}
	}
}

// TestHostileNames: what a client controls (span names from paths,
// attributes, log bodies) is HTML-escaped and its invisible characters
// shown, never markup and never raw bidi controls.
func TestHostileNames(t *testing.T) {
	f := newFixture(t, Config{})
	const evil = "<script>alert(1)</script>\u202egpj.exe\"onmouseover=x\n"
	ctx, span := f.tp.Tracer("t").Start(context.Background(), evil, trace.WithAttributes(attribute.String(evil, evil), reqscope.IDAttribute.String(evil)))
	f.log(ctx, otellog.SeverityError, evil, attribute.String(evil, evil))
	span.End()
	id := span.SpanContext().TraceID()
	h := f.store.Handler(evil, testHosts)
	for _, target := range []string{"/", "/trace/" + id.String(), "/?q=" + "%3Cscript%3E", "/trace/%3Cscript%3E%E2%80%AE"} {
		_, body, _ := get(t, h, target)
		if strings.Contains(body, "<script") || strings.Contains(body, "\u202e") || strings.Contains(body, `"onmouseover`) {
			t.Errorf("%s: hostile text reached the page raw:\n%s", target, body)
		}
	}
	_, body, _ := get(t, h, "/trace/"+id.String())
	if !strings.Contains(body, `&lt;script&gt;alert(1)&lt;/script&gt;\u202egpj.exe&#34;onmouseover=x\n`) {
		t.Errorf("hostile name not shown escaped:\n%s", body)
	}
}

// TestNoExternalAssets: the pages load nothing from anywhere: no script,
// no link, no src, no url().
func TestNoExternalAssets(t *testing.T) {
	f := newFixture(t, Config{})
	id := f.request("r", true)
	h := f.store.Handler("", testHosts)
	for _, target := range []string{"/", "/trace/" + id.String(), "/trace/" + strings.Repeat("1", 32)} {
		_, body, _ := get(t, h, target)
		for _, bad := range []string{"<script", "<link", "src=", "url(", "@import", "http://", "https://"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s holds %q", target, bad)
			}
		}
	}
}

// TestTreeOrphansAndCycles: spans whose parent is elsewhere become roots;
// parent IDs forming a cycle still show every span once.
func TestTreeOrphansAndCycles(t *testing.T) {
	id := func(b byte) trace.SpanID { return trace.SpanID{b} }
	at := time.Now()
	spans := []spanRecord{
		{SpanID: id(1), Parent: id(2), Name: "a", Start: at},
		{SpanID: id(2), Parent: id(1), Name: "b", Start: at.Add(time.Millisecond)},
		{SpanID: id(3), Parent: id(9), Name: "orphan", Start: at.Add(2 * time.Millisecond)},
		{SpanID: id(4), Parent: id(3), Name: "child", Start: at.Add(3 * time.Millisecond)},
		{SpanID: id(5), Parent: id(5), Name: "self", Start: at.Add(4 * time.Millisecond)},
	}
	var got []string
	for _, v := range tree(spans) {
		got = append(got, v.Name+":"+string(rune('0'+v.Depth)))
	}
	if strings.Join(got, " ") != "orphan:0 child:1 self:0 a:0 b:1" {
		t.Errorf("tree = %v", got)
	}
	if r := rootOf(spans); r == nil || r.Name != "orphan" {
		t.Errorf("root = %v", r)
	}
}

// TestLogsBeforeSpans: a trace whose spans have not ended yet is listed
// from its log lines.
func TestLogsBeforeSpans(t *testing.T) {
	f := newFixture(t, Config{})
	ctx, span := f.tp.Tracer("t").Start(context.Background(), "running")
	f.log(ctx, otellog.SeverityInfo, "halfway", attribute.String("request_id", "r-9"))
	h := f.store.Handler("", testHosts)
	_, body, _ := get(t, h, "/?q=r-9")
	if !strings.Contains(body, "(no span ended yet)") {
		t.Errorf("running trace not listed:\n%s", body)
	}
	_, body, _ = get(t, h, "/trace/"+span.SpanContext().TraceID().String())
	if !strings.Contains(body, "No span of this trace has ended yet") || !strings.Contains(body, "<td>halfway</td>") {
		t.Errorf("trace page:\n%s", body)
	}
	span.End()
	// Records without a trace are not about a trace: not kept.
	f.log(context.Background(), otellog.SeverityInfo, "startup")
	if u := f.store.Usage(); u.Traces != 1 {
		t.Errorf("%d traces kept", u.Traces)
	}
}

// TestMultiLineValues: a stack trace shows as lines in a <pre>, each line
// escaped, in span attributes and in log fields.
func TestMultiLineValues(t *testing.T) {
	f := newFixture(t, Config{})
	const stack = "main.f()\n\t/src/main.go:10\n</pre><script>x()</script>\u202e\n"
	ctx, span := f.tp.Tracer("t").Start(context.Background(), "s", trace.WithAttributes(attribute.String("exception.stacktrace", stack)))
	f.log(ctx, otellog.SeverityError, "failed", attribute.String("stacktrace", stack))
	span.End()
	_, body, _ := get(t, f.store.Handler("", testHosts), "/trace/"+span.SpanContext().TraceID().String())
	want := "<pre>main.f()\n    /src/main.go:10\n&lt;/pre&gt;&lt;script&gt;x()&lt;/script&gt;\\u202e\n</pre>"
	if strings.Count(body, want) != 2 || !strings.Contains(body, "<summary><i>stacktrace</i> (3 lines)</summary>") {
		t.Errorf("multi-line values not shown as escaped lines:\n%s", body)
	}
}

// TestRedirectStaysUnderMount: the redirect from a path without its slash
// is relative to the URL the client asked for, whatever StripPrefix left
// of it, and what it takes from the path cannot name another host (a
// browser reads "\" as "/": "/\evil.com/" is //evil.com/).
func TestRedirectStaysUnderMount(t *testing.T) {
	f := newFixture(t, Config{})
	mux := http.NewServeMux()
	mux.Handle("/debug/otel/", http.StripPrefix("/debug/otel", f.store.Handler("", testHosts)))
	mux.Handle("/plain/", f.store.Handler("", testHosts))
	for _, tc := range []struct{ target, want string }{
		{"/debug/otel/foo", "/debug/otel/foo/"},
		{"/debug/otel/foo?q=r", "/debug/otel/foo/?q=r"},
		{`/debug/otel/\evil.com`, "/debug/otel/%5Cevil.com/"},
		{"/debug/otel/%5Cevil.com", "/debug/otel/%5Cevil.com/"},
		{`/plain/\evil.com`, "/plain/%5Cevil.com/"},
	} {
		req := httptest.NewRequest(http.MethodGet, "http://admin.local/", nil)
		req.RequestURI = tc.target // raw, as a client may send it
		u, err := url.ParseRequestURI(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		req.URL = u
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		loc := rec.Header().Get("Location")
		ref, err := url.Parse(loc)
		if rec.Code != http.StatusMovedPermanently || err != nil || strings.Contains(loc, `\`) {
			t.Errorf("%s: %d Location %q", tc.target, rec.Code, loc)
			continue
		}
		base, _ := url.Parse("http://admin.local" + tc.target)
		if got := base.ResolveReference(ref); got.Host != "admin.local" || got.RequestURI() != tc.want {
			t.Errorf("%s: Location %q leads to %s, want %s", tc.target, loc, got, tc.want)
		}
	}
}

// TestSDKDroppedAttributesShown: attributes the SDK's limits dropped from
// a log record or a span event are counted on the page, as a span's are.
func TestSDKDroppedAttributesShown(t *testing.T) {
	s := New(Config{})
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(s.SpanProcessor()),
		sdktrace.WithRawSpanLimits(sdktrace.SpanLimits{AttributeValueLengthLimit: -1, AttributeCountLimit: -1, EventCountLimit: -1,
			LinkCountLimit: -1, AttributePerEventCountLimit: 1, AttributePerLinkCountLimit: -1}))
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(s.LogProcessor()), sdklog.WithAttributeCountLimit(1))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = lp.Shutdown(context.Background())
	})
	ctx, span := tp.Tracer("t").Start(context.Background(), "s")
	span.AddEvent("retry", trace.WithAttributes(attribute.Int("a", 1), attribute.Int("b", 2), attribute.Int("c", 3)))
	var r otellog.Record
	r.SetBody(attribute.StringValue("line"))
	r.AddAttributes(attribute.Int("a", 1), attribute.Int("b", 2))
	lp.Logger("t").Emit(ctx, r)
	span.End()
	_, body, _ := get(t, s.Handler("", testHosts), "/trace/"+span.SpanContext().TraceID().String())
	for _, want := range []string{"2 attributes dropped by the SDK&#39;s limits", "1 attributes dropped by the SDK&#39;s limits"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not show %q:\n%s", want, body)
		}
	}
}

// TestListUnderStripPrefixWithSlash: mounted with
// StripPrefix("<mount>/"), "<mount>/" arrives as "" and is the list, not a
// redirect to "<mount>//".
func TestListUnderStripPrefixWithSlash(t *testing.T) {
	f := newFixture(t, Config{})
	mux := http.NewServeMux()
	mux.Handle("/debug/otel/", http.StripPrefix("/debug/otel/", f.store.Handler("", testHosts)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/debug/otel/")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/otel/: %d, Location %q; want the list", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestReboundHostRefused: a page on evil.example whose name was rebound
// to the viewer's address reads nothing: every path answers 403 naming the
// option, without a span or log line. IP addresses, localhost and the
// allowed names are answered; a request without Host (HTTP/1.0) too, and
// a Host that is no host name gets 400.
func TestReboundHostRefused(t *testing.T) {
	f := newFixture(t, Config{})
	id := f.request("req-secret", false)
	hosts, _ := hostcheck.New("otel.WithAllowedHosts", []string{"dev.example"})
	h := f.store.Handler("shop", hosts)
	for _, path := range []string{"/", "/trace/" + id.String(), "/?q=req", "/nowhere"} {
		for host, want := range map[string]int{
			"evil.example:6060": http.StatusForbidden, "evil.example": http.StatusForbidden,
			"localhost.evil.example:6060": http.StatusForbidden, "bad host": http.StatusBadRequest, ":6060": http.StatusBadRequest,
			"127.0.0.1:6060": 0, "[::1]:6060": 0, "localhost:6060": 0, "shop.localhost:6060": 0, "dev.example:6060": 0, "": 0,
		} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Host = host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if want == 0 {
				if rec.Code == http.StatusForbidden || rec.Code == http.StatusBadRequest {
					t.Errorf("GET %s, Host %q: %d %s", path, host, rec.Code, body)
				}
				continue
			}
			if rec.Code != want || strings.Contains(body, "req-secret") || strings.Contains(body, "load_order") ||
				!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
				t.Errorf("GET %s, Host %q: %d %q %s", path, host, rec.Code, rec.Header().Get("Content-Type"), body)
			}
			if want == http.StatusForbidden && !strings.Contains(body, "otel.WithAllowedHosts(") {
				t.Errorf("GET %s, Host %q: the refusal names no option: %s", path, host, body)
			}
		}
	}
}
