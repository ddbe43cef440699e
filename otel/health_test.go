package otel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr/funcr"
	"github.com/go-logr/stdr"
	"go.opentelemetry.io/otel"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
)

func getHealth(t *testing.T, tel *Telemetry) (Health, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	tel.HealthHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9091/debug/otel", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET: status %d: %s", rec.Code, rec.Body)
	}
	if ct, opt := rec.Header().Get("Content-Type"), rec.Header().Get("X-Content-Type-Options"); ct != "application/json" || opt != "nosniff" {
		t.Errorf("Content-Type %q, X-Content-Type-Options %q", ct, opt)
	}
	var h Health
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil {
		t.Fatalf("GET: %v: %s", err, rec.Body)
	}
	return h, rec.Body.String()
}

func initHealth(t *testing.T, out zapcore.WriteSyncer, opts ...Option) *Telemetry {
	t.Helper()
	all := append([]Option{WithoutDetectors(), WithoutRuntimeMetrics(), WithServiceName("health"),
		WithLogOutput(out), WithLogFormat("json")}, opts...)
	tel, err := Init(context.Background(), all...)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = tel.Shutdown(ctx)
	})
	return tel
}

// TestHealthSecretsNeverShown: API keys in OTEL_EXPORTER_OTLP_HEADERS and a
// password in the endpoint's user-info appear neither in the health
// document, nor in any log line (debug level for otelkit and the SDK), nor
// in the errors Init, ForceFlush and Shutdown return.
func TestHealthSecretsNeverShown(t *testing.T) {
	const (
		apiKey   = "sk-SECRETAPIKEY123"
		bearer   = "SECRETBEARER456"
		password = "SECRETPASSWORD789"
	)
	for _, protocol := range []string{"http/protobuf", "grpc"} {
		t.Run(protocol, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			_ = l.Close() // connections are refused: exports fail
			t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key="+apiKey+",authorization=Bearer%20"+bearer)
			// User info in the endpoint would not be sent: an Init error
			// that does not show it.
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://exporter:"+password+"@"+addr)
			if tel, err := Init(context.Background(), WithoutGlobals(), WithLogOutput(&lineBuffer{})); err == nil {
				_ = tel.Shutdown(context.Background())
				t.Fatal("Init accepted an endpoint with user info")
			} else if strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_ENDPOINT") {
				t.Fatalf("Init error %v: shows the password or does not name the variable", err)
			}
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+addr)
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
			t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "300")
			t.Setenv("OTELKIT_LOG_LEVEL", "debug")
			t.Setenv("OTEL_LOG_LEVEL", "debug")
			out := &lineBuffer{}
			// The SDK's own diagnostic logger, at its most verbose, into
			// the same buffer (OTEL_LOG_LEVEL is not read by the Go SDK).
			verbose := funcr.New(func(prefix, args string) {
				_, _ = out.Write([]byte(prefix + " " + args + "\n"))
			}, funcr.Options{Verbosity: 10})
			otel.SetLogger(verbose)
			t.Cleanup(func() { otel.SetLogger(stdr.New(log.New(os.Stderr, "", log.LstdFlags|log.Lshortfile))) })
			tel := initHealth(t, out)
			otel.SetLogger(verbose) // Init made it otelkit's, which leaves out the SDK's info and debug

			tracer := tel.TracerProvider().Tracer("health")
			for range 5 {
				_, span := tracer.Start(context.Background(), "work")
				tel.Logger().Debug("work_done")
				span.End()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			ferr := tel.ForceFlush(ctx)
			if ferr == nil {
				t.Error("ForceFlush to a closed port returned no error")
			}
			// The exporters retry a refused connection until their deadline,
			// which ForceFlush's may beat: wait for their verdicts.
			h, body := getHealth(t, tel)
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); h, body = getHealth(t, tel) {
				if h.Export["traces"].FailedBatches > 0 && h.Export["metrics"].FailedBatches > 0 && h.Export["logs"].FailedBatches > 0 {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("ForceFlush error: %v; last export error: %q; %d bytes of log output", ferr, h.Export["traces"].LastError, len(out.String()))
			serr := tel.Shutdown(ctx)

			texts := map[string]string{"health document": body, "log output": out.String()}
			if ferr != nil {
				texts["ForceFlush error"] = ferr.Error()
			}
			if serr != nil {
				texts["Shutdown error"] = serr.Error()
			}
			for what, text := range texts {
				for _, secret := range []string{apiKey, bearer, password} {
					if strings.Contains(text, secret) {
						t.Errorf("%s contains the secret %q:\n%s", what, secret, text)
					}
				}
			}
			// The document still says what is configured, and from where.
			tc := h.Config["traces"]
			if got := strings.Join(tc.HeaderNames, ","); got != "api-key,authorization" {
				t.Errorf("header names %q", got)
			}
			if tc.Sources["headers"] != "env:OTEL_EXPORTER_OTLP_HEADERS" || tc.Sources["endpoint"] != "env:OTEL_EXPORTER_OTLP_ENDPOINT" {
				t.Errorf("sources %v", tc.Sources)
			}
			if !strings.Contains(tc.Endpoint, addr) {
				t.Errorf("endpoint %q does not name %s", tc.Endpoint, addr)
			}
			if h.LogLevel != "debug" || h.LogLevelSrc != "env:OTELKIT_LOG_LEVEL" {
				t.Errorf("log level %q from %q", h.LogLevel, h.LogLevelSrc)
			}
			ex := h.Export["traces"]
			if !ex.Tracked || ex.Failed != 5 || ex.LastError == "" || ex.LastFailure == nil {
				t.Errorf("trace export status %+v, want 5 failed spans with an error", ex)
			}
			// The metric and log errors went through the redaction too.
			for _, sig := range []string{"metrics", "logs"} {
				if ex := h.Export[sig]; !ex.Tracked || ex.FailedBatches == 0 || ex.LastError == "" {
					t.Errorf("%s export status %+v, want a failed export with its error", sig, ex)
				}
			}
		})
	}
}

// TestHealthCountsAndLevel: exports to a healthy collector are counted, a
// rejecting collector's error shows up, and the log level can be read and
// changed; bad requests get clear errors.
func TestHealthCountsAndLevel(t *testing.T) {
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{})
	out := &lineBuffer{}
	tel := initHealth(t, out, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint), WithOTLPProtocol("http/protobuf"))
	tracer := tel.TracerProvider().Tracer("health")
	emit := func(n int) {
		for range n {
			_, span := tracer.Start(context.Background(), "work")
			span.End()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	emit(7)
	if err := tel.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	h, _ := getHealth(t, tel)
	if ex := h.Export["traces"]; ex.Exported != 7 || ex.Failed != 0 || ex.LastSuccess == nil || ex.LastError != "" {
		t.Errorf("after 7 exported spans: %+v", ex)
	}
	if _, items := c.Count(fakeotlp.Traces); items != 7 {
		t.Errorf("collector received %d spans", items)
	}
	if h.Config["traces"].Sources["endpoint"] != "option" || h.Config["traces"].Sources["timeout"] != "default" {
		t.Errorf("sources %v", h.Config["traces"].Sources)
	}
	if h.Service != "health" || h.ShutDown {
		t.Errorf("service %q shut down %v", h.Service, h.ShutDown)
	}

	c.Set(fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: -1})
	emit(3)
	if err := tel.ForceFlush(ctx); err == nil {
		t.Error("ForceFlush against 400 returned no error")
	}
	h, _ = getHealth(t, tel)
	if ex := h.Export["traces"]; ex.Exported != 7 || ex.Failed != 3 || !strings.Contains(ex.LastError, "400") || ex.FailedBatches != 1 {
		t.Errorf("after 3 rejected spans: %+v", ex)
	}

	// Log level: PUT changes it, GET shows it, bad input is refused.
	put := func(body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		tel.HealthHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "http://127.0.0.1:9091/debug/otel", strings.NewReader(body)))
		return rec
	}
	if rec := put(`{"level":"debug"}`); rec.Code != http.StatusOK {
		t.Errorf("PUT debug: %d %s", rec.Code, rec.Body)
	}
	if h, _ = getHealth(t, tel); h.LogLevel != "debug" || tel.Logging().Level() != zapcore.DebugLevel {
		t.Errorf("level after PUT: %q", h.LogLevel)
	}
	for _, bad := range []string{`{"level":"loud"}`, `not json`, ``} {
		if rec := put(bad); rec.Code != http.StatusBadRequest {
			t.Errorf("PUT %q: status %d, want 400", bad, rec.Code)
		}
	}
	// A form on a page of another site, sent by the browser of someone who
	// can reach the admin port, is refused.
	csrf := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:9091/debug/otel", strings.NewReader("level=error"))
	csrf.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	csrf.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	tel.HealthHandler().ServeHTTP(rec, csrf)
	if rec.Code != http.StatusForbidden || tel.Logging().Level() != zapcore.DebugLevel {
		t.Errorf("cross-site POST: %d %s, level %v", rec.Code, rec.Body, tel.Logging().Level())
	}
	rec = httptest.NewRecorder()
	tel.HealthHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/debug/otel", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") == "" || rec.Header().Get("Content-Type") != "application/json" ||
		!json.Valid(rec.Body.Bytes()) {
		t.Errorf("DELETE: %d, Allow %q, Content-Type %q: %s", rec.Code, rec.Header().Get("Allow"), rec.Header().Get("Content-Type"), rec.Body)
	}

	c.Set(fakeotlp.Behaviour{})
	if err := tel.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if h, _ = getHealth(t, tel); !h.ShutDown {
		t.Error("health does not show the shutdown")
	}
}

// TestHealthNil: a nil Telemetry serves an empty document, no panic.
func TestHealthNil(t *testing.T) {
	var tel *Telemetry
	h, _ := getHealth(t, tel)
	if h.Service != "" || len(h.Config) != 0 {
		t.Errorf("nil telemetry: %+v", h)
	}
	rec := httptest.NewRecorder()
	tel.HealthHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "http://127.0.0.1:9091/", strings.NewReader(`{"level":"debug"}`)))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Content-Type") != "application/json" || !json.Valid(rec.Body.Bytes()) {
		t.Errorf("PUT on nil: %d %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

// TestExportHealthRecord: errors are redacted and bounded.
func TestExportHealthRecord(t *testing.T) {
	var h exportHealth
	h.tracked.Store(true) // as when track wraps an exporter
	u := h.newUnsent()
	now := time.Unix(1700000000, 0)
	h.record(u, 4, 0, whole, nil, now)
	h.record(u, 2, 0, whole, errors.New(`Post "http://user:hunter2@collector:4318/v1/traces": refused `+strings.Repeat("x", 2000)), now.Add(time.Second))
	s := h.status()
	if s.Exported != 4 || s.Failed != 2 || s.Batches != 2 || s.FailedBatches != 1 {
		t.Errorf("counts %+v", s)
	}
	if strings.Contains(s.LastError, "hunter2") {
		t.Errorf("password in last error: %q", s.LastError)
	}
	if len(s.LastError) > maxErrorLen+len("…") {
		t.Errorf("last error is %d bytes, bound %d", len(s.LastError), maxErrorLen)
	}
	if !s.LastSuccess.Equal(now) || !s.LastFailure.Equal(now.Add(time.Second)) {
		t.Errorf("times %v %v", s.LastSuccess, s.LastFailure)
	}
}

// TestExportHealthUnsent: of a failed export, the items a later export
// sends again (resent: cumulative metric data points) are unsent, not
// lost; a success of the same exporter delivers them; settle (Shutdown) counts what is still
// unsent as export_failed, and a failure after it (an export Shutdown's
// deadline cut off) loses all its items but the series settle counted.
func TestExportHealthUnsent(t *testing.T) {
	var h exportHealth
	h.tracked.Store(true)
	u := h.newUnsent()
	errExport := errors.New("refused")
	check := func(step string, failed, unsent int64) {
		t.Helper()
		if s := h.status(); s.Failed != failed || s.Dropped[DropExportFailed] != failed || s.Unsent != unsent {
			t.Errorf("%s: %+v, want %d failed, %d unsent", step, s, failed, unsent)
		}
	}
	h.record(u, 5, 3, whole, errExport, time.Now())
	check("failed export", 2, 3)
	h.record(u, 5, 3, whole, nil, time.Now())
	check("next export delivered", 2, 0)
	v := h.newUnsent() // a second exporter (otlp,console)
	h.record(u, 5, 3, whole, errExport, time.Now())
	h.record(v, 5, 3, whole, nil, time.Now())
	check("the other exporter delivered", 4, 3)
	h.record(u, 4, 4, whole, errExport, time.Now())
	h.record(u, 6, 4, whole, errExport, time.Now()) // the later export supersedes
	check("two failed exports", 6, 4)
	h.settle()
	check("settled", 10, 0)
	h.record(u, 4, 4, whole, errExport, time.Now()) // the 4 series settle counted
	check("failed export after settle", 10, 0)
	h.record(u, 6, 5, whole, errExport, time.Now())
	check("another failed export after settle", 16, 0)
	h.settle()
	check("settled twice", 16, 0)
}

// whole is the place of an export not cut into parts.
var whole = place{Part: exportsize.Part{First: true, Last: true}}

// TestExportHealthUnsentParts: a batch cut into parts for size
// (exportsize.Bound) is unsent by the sum of what its failed parts would
// have delivered again, whatever order the parts fail and succeed in: a
// part that succeeds does not deliver what another part left unsent, and
// a failed part does not replace what the one before it left. That sum
// replaces what the batch before left (this batch sent it again), and
// Shutdown loses it. Counted per part, a later success set unsent to 0
// and a later failure replaced it: points neither unsent nor lost.
func TestExportHealthUnsentParts(t *testing.T) {
	var h exportHealth
	h.tracked.Store(true)
	u := h.newUnsent()
	errExport := errors.New("refused")
	first, middle, last := place{Part: exportsize.Part{First: true}}, place{}, place{Part: exportsize.Part{Last: true}}
	check := func(step string, exported, failed, unsent int64) {
		t.Helper()
		if s := h.status(); s.Exported != exported || s.Failed != failed || s.Dropped[DropExportFailed] != failed || s.Unsent != unsent {
			t.Errorf("%s: %+v, want %d exported, %d failed, %d unsent", step, s, exported, failed, unsent)
		}
	}
	// Parts of 10 points (6 cumulative), 8 (5), 7 (7): the first and last fail.
	h.record(u, 10, 6, first, errExport, time.Now())
	h.record(u, 8, 5, middle, nil, time.Now())
	h.record(u, 7, 7, last, errExport, time.Now())
	check("first and last part failed", 8, 4, 13)
	// The next batch: the first part succeeds, the next two fail.
	h.record(u, 10, 6, first, nil, time.Now())
	check("next batch, first part delivered", 18, 4, 13) // the batch goes on: 13 until its end
	h.record(u, 8, 5, middle, errExport, time.Now())
	h.record(u, 7, 7, last, errExport, time.Now())
	check("next batch, two parts failed", 18, 7, 12)
	// A batch whose every part succeeds delivers all.
	h.record(u, 10, 6, first, nil, time.Now())
	h.record(u, 15, 12, last, nil, time.Now())
	check("batch delivered", 43, 7, 0)
	// A batch whose parts fail and Shutdown: all of it lost.
	h.record(u, 10, 6, first, errExport, time.Now())
	h.record(u, 15, 12, last, errExport, time.Now())
	check("batch failed", 43, 14, 18)
	h.settle()
	check("settled", 43, 32, 0)
	h.record(u, 10, 6, first, errExport, time.Now())
	h.record(u, 15, 12, last, nil, time.Now())
	check("a part failed after settle", 58, 36, 0) // its 6 cumulative points of the 18 settle counted
	if s := h.status(); s.Batches != 12 || s.FailedBatches != 7 {
		t.Errorf("%d batches, %d failed; want each part counted: 12, 7", s.Batches, s.FailedBatches)
	}
}

// TestExportHealthUnsentNewestCollection: a metric exporter's unsent
// follows its newest collection, whatever order the exports end in. When
// Shutdown's deadline passes while an export (here in parts) is in
// progress, Shutdown abandons its own, newer collection, which may be
// noted between the older one's parts; the older one's end then changes
// no unsent count, its delta points lost as usual; settle counts the
// newer one's once. Noted last, the older export replaced the newer one's
// unsent with its own: points neither unsent nor lost.
func TestExportHealthUnsentNewestCollection(t *testing.T) {
	var h exportHealth
	h.tracked.Store(true)
	u := h.newUnsent()
	errExport := errors.New("refused")
	of := func(collection uint64, p exportsize.Part) place { return place{Part: p, collection: collection} }
	first, last := exportsize.Part{First: true}, exportsize.Part{Last: true}
	check := func(step string, failed, unsent int64) {
		t.Helper()
		if s := h.status(); s.Failed != failed || s.Dropped[DropExportFailed] != failed || s.Unsent != unsent {
			t.Errorf("%s: %+v, want %d failed, %d unsent", step, s, failed, unsent)
		}
	}
	h.record(u, 4, 4, of(1, whole.Part), errExport, time.Now())
	check("collection 1 failed", 0, 4)
	h.record(u, 5, 3, of(2, first), errExport, time.Now())      // 2 delta points lost
	h.record(u, 7, 6, of(3, whole.Part), errExport, time.Now()) // abandoned: 1 delta point lost
	check("collection 3 abandoned during collection 2", 3, 6)   // 6 of collection 3, not 4 of 1
	h.record(u, 4, 2, of(2, last), errExport, time.Now())       // 2 delta points lost
	check("collection 2 ended after collection 3", 5, 6)
	h.settle()
	check("settled", 11, 0)
}

// TestExportHealthUnsentPartsPerExporter: another exporter's export in
// the middle of a batch in parts (otlp,console) neither takes nor clears
// what the batch's failed parts leave unsent.
func TestExportHealthUnsentPartsPerExporter(t *testing.T) {
	var h exportHealth
	h.tracked.Store(true)
	u, v := h.newUnsent(), h.newUnsent()
	errExport := errors.New("refused")
	h.record(u, 10, 6, place{Part: exportsize.Part{First: true}}, errExport, time.Now())
	h.record(v, 20, 3, whole, errExport, time.Now())
	h.record(u, 8, 5, place{Part: exportsize.Part{Last: true}}, nil, time.Now())
	if s := h.status(); s.Unsent != 6+3 || s.Failed != 4+17 {
		t.Errorf("%+v, want 9 unsent (6 of the first exporter's part, 3 of the other's), 21 failed", s)
	}
	h.settle()
	if s := h.status(); s.Unsent != 0 || s.Failed != 21+9 {
		t.Errorf("settled: %+v, want 30 failed", s)
	}
}

// TestExportHealthLastErrorCutAtARune: a last error cut at its bound keeps
// whole characters: a multi-byte one across the bound was cut in two,
// shown as U+FFFD in the health document.
func TestExportHealthLastErrorCutAtARune(t *testing.T) {
	var h exportHealth
	h.tracked.Store(true)
	u := h.newUnsent()
	h.record(u, 1, 0, whole, errors.New(strings.Repeat("x", maxErrorLen-1)+"é and more"), time.Now())
	if le := h.status().LastError; !utf8.ValidString(le) || le != strings.Repeat("x", maxErrorLen-1)+"…" {
		t.Errorf("last error ends %q, want the x's and the ellipsis, valid UTF-8", le[len(le)-8:])
	}
}

// TestExportHealthSnapshotConsistent: a snapshot taken while exports are
// recorded never shows a count without what it counts: a failed batch
// comes with its error and time, an export with its success time, no more
// failed batches than batches. (Health pollers, and the fault suite, read
// the document while the exporters work.) Each round records on a fresh
// value, whose first failure is the one a snapshot can catch half done.
func TestExportHealthSnapshotConsistent(t *testing.T) {
	errExport := errors.New(`Post "http://collector:4318/v1/traces": ` + strings.Repeat("refused ", 40))
	inconsistent := func(s ExportStatus) string {
		switch {
		case s.FailedBatches > 0 && (s.LastError == "" || s.LastFailure == nil || s.Failed == 0):
			return "failed batch without its error, time or items"
		case s.Exported > 0 && s.LastSuccess == nil:
			return "export without its time"
		case s.FailedBatches > s.Batches:
			return "more failed batches than batches"
		}
		return ""
	}
	for round := range 2000 {
		var h exportHealth
		h.tracked.Store(true)
		u := h.newUnsent()
		started, done := make(chan struct{}), make(chan struct{})
		var bad string
		go func() {
			defer close(done)
			close(started)
			for {
				s := h.status()
				if bad = inconsistent(s); bad != "" {
					bad += fmt.Sprintf(": %+v", s)
					return
				}
				if s.FailedBatches > 0 && s.Exported > 0 {
					return
				}
			}
		}()
		<-started
		h.record(u, 3, 0, whole, errExport, time.Now())
		h.record(u, 2, 0, whole, nil, time.Now())
		<-done
		if bad != "" {
			t.Fatalf("round %d: %s", round, bad)
		}
	}
}

// TestHealthSelfObservability: with OTEL_GO_X_OBSERVABILITY=true the
// health document carries the SDK's otel.sdk.* counters, and they count the
// spans a down collector failed. The SDK binds these instruments to the
// global MeterProvider's delegate once per process, so the check runs in a
// fresh test process where this Init is the first.
func TestHealthSelfObservability(t *testing.T) {
	if os.Getenv("OTELKIT_SELFOBS_CHILD") != "1" {
		cmd := childTest(t, "TestHealthSelfObservability", "OTELKIT_SELFOBS_CHILD=1", "OTEL_GO_X_OBSERVABILITY=true")
		cmd.Args = append(cmd.Args, "-test.v")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestHealthSelfObservability") {
			t.Fatalf("child test: %v\n%s", err, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "otel.sdk.") {
				t.Log(strings.TrimSpace(l))
			}
		}
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	tel := initHealth(t, &lineBuffer{}, WithOTLPEndpoint("http://"+addr), WithOTLPProtocol("http/protobuf"),
		WithOTLPTimeout(time.Second), WithMetricsExporter("none"))
	tracer := tel.TracerProvider().Tracer("health")
	for range 20 {
		_, span := tracer.Start(context.Background(), "work")
		span.End()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tel.ForceFlush(ctx)
	h, _ := getHealth(t, tel)
	var failed int64
	for k, v := range h.SelfObservability {
		t.Logf("%s = %d", k, v)
		if strings.HasPrefix(k, "otel.sdk.exporter.span.exported{error.type=") {
			failed += v
		}
	}
	if failed != 20 {
		t.Errorf("self-observability counts %d failed spans, want 20: %v", failed, h.SelfObservability)
	}
	if h.SelfObservability["otel.sdk.span.started"] != 20 {
		t.Errorf("otel.sdk.span.started = %d, want 20", h.SelfObservability["otel.sdk.span.started"])
	}
}
