// Package fakeotlp is a fake OTLP collector for otelkit's tests:
// HTTP/protobuf and gRPC servers on 127.0.0.1 that count what they receive
// and can be down, black-holed, slow, throttling (503/429 with Retry-After,
// gRPC RetryInfo), rejecting (400 / InvalidArgument), answering with a
// partial success or with an oversized body. The fault suite
// (internal/testkit/faults, in the test machinery's module) drives
// otel.Init and httpmw against it; the library's own tests use it where a real collector would be slower
// and could not misbehave on cue. It holds no library code.
package fakeotlp

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // the server decodes gzip-compressed exports
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Signal names, as in the OTLP/HTTP paths /v1/<signal>.
const (
	Traces  = "traces"
	Metrics = "metrics"
	Logs    = "logs"
)

// Behaviour is how a fake collector answers. The zero value answers every
// export with success.
type Behaviour struct {
	// Status, when not 0, is the HTTP status of a failing answer (503, 429,
	// 400, …); the gRPC fake maps it: 503 -> Unavailable, 429 ->
	// ResourceExhausted, 400 -> InvalidArgument.
	Status int
	// RetryAfter is the Retry-After header of a failing HTTP answer
	// ("9" or an HTTP date); for gRPC, RetryDelay becomes a RetryInfo.
	RetryAfter string
	RetryDelay time.Duration
	// FailFirst is how many requests (per signal) fail before the fake turns
	// healthy; a negative value fails every request.
	FailFirst int
	// Delay holds every answer back (bounded by the request's context and
	// by the fake's Close).
	Delay time.Duration
	// Oversize, when > 0, is the size of a successful answer's body: junk
	// bytes (HTTP) or a response padded with a huge error message (gRPC).
	Oversize int
	// Rejected, when > 0, makes every successful answer an OTLP partial
	// success rejecting that many of the request's items (at most all).
	Rejected int
	// RejectedMessage is the partial success's error_message; "" means
	// "fake collector: rejected on purpose".
	RejectedMessage string
	// Keep keeps each request's decoded message (Request.Message).
	Keep bool
}

// Request is one export the fake received.
type Request struct {
	Signal   string
	At       time.Time
	Items    int // spans, data points or log records in the request
	Failed   bool
	Rejected int // items refused in a partial success
	Wire
	// Abandoned is true when the client gave up on the request (its
	// timeout passed) before the fake answered.
	Abandoned bool
	// Message is the decoded export request, with Behaviour.Keep only.
	Message proto.Message
}

// Wire is how an export arrived.
type Wire struct {
	Protocol    string      // "http" or "grpc"
	Path        string      // HTTP: the request path; gRPC: the method
	ContentType string      // HTTP Content-Type; gRPC content-type metadata
	Encoding    string      // HTTP Content-Encoding; gRPC grpc-encoding ("" when uncompressed)
	Header      http.Header // HTTP headers; gRPC metadata (keys in canonical form)
	// Deadline is how long the client gave the export (gRPC: the call's
	// deadline as the server sees it; 0 without one, and for HTTP).
	Deadline time.Duration
}

// Collector is a fake OTLP collector. Its methods are safe for concurrent
// use.
type Collector struct {
	mu       sync.Mutex
	b        Behaviour
	requests []Request
	failed   map[string]int

	accepted atomic.Int64 // items of successful requests
	done     chan struct{}
	closed   sync.Once
}

func newCollector() *Collector {
	return &Collector{failed: map[string]int{}, done: make(chan struct{})}
}

// Set changes how the fake answers from now on.
func (c *Collector) Set(b Behaviour) {
	c.mu.Lock()
	c.b = b
	c.failed = map[string]int{}
	c.mu.Unlock()
}

// Requests returns a copy of the requests received so far.
func (c *Collector) Requests() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Request(nil), c.requests...)
}

// Count returns how many requests for signal arrived (all of them when
// signal is "") and how many items the successful ones carried.
func (c *Collector) Count(signal string) (requests, items int) {
	for _, r := range c.Requests() {
		if signal != "" && r.Signal != signal {
			continue
		}
		requests++
		if !r.Failed {
			items += r.Items
		}
	}
	return requests, items
}

// decide records a request and says whether it fails, and the behaviour;
// it returns the request's index for abandoned.
func (c *Collector) decide(signal string, msg proto.Message, w Wire) (Behaviour, bool, int) {
	items := 0
	if msg != nil {
		items = count(msg)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.b
	fail := b.Status != 0 && (b.FailFirst < 0 || c.failed[signal] < b.FailFirst)
	rejected := 0
	if fail {
		c.failed[signal]++
	} else {
		rejected = min(b.Rejected, items)
	}
	req := Request{Signal: signal, At: time.Now(), Items: items, Failed: fail, Rejected: rejected, Wire: w}
	if b.Keep {
		req.Message = msg
	}
	c.requests = append(c.requests, req)
	return b, fail, len(c.requests) - 1
}

// abandoned marks request i as given up by the client when ctx is done.
func (c *Collector) abandoned(ctx context.Context, i int) {
	if ctx.Err() == nil {
		return
	}
	c.mu.Lock()
	c.requests[i].Abandoned = true
	c.mu.Unlock()
}

// Accepted returns how many items of signal the collector took: those of
// successful requests less the rejected ones.
func (c *Collector) Accepted(signal string) int {
	n := 0
	for _, r := range c.Requests() {
		if r.Signal == signal && !r.Failed {
			n += r.Items - r.Rejected
		}
	}
	return n
}

func (c *Collector) wait(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-c.done:
	}
}

func (c *Collector) close() { c.closed.Do(func() { close(c.done) }) }

// count returns the spans, data points or log records in an export request.
func count(m proto.Message) int {
	n := 0
	switch r := m.(type) {
	case *coltracepb.ExportTraceServiceRequest:
		for _, rs := range r.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				n += len(ss.Spans)
			}
		}
	case *collogspb.ExportLogsServiceRequest:
		for _, rl := range r.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				n += len(sl.LogRecords)
			}
		}
	case *colmetricspb.ExportMetricsServiceRequest:
		for _, rm := range r.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					switch {
					case m.GetSum() != nil:
						n += len(m.GetSum().DataPoints)
					case m.GetGauge() != nil:
						n += len(m.GetGauge().DataPoints)
					case m.GetHistogram() != nil:
						n += len(m.GetHistogram().DataPoints)
					case m.GetExponentialHistogram() != nil:
						n += len(m.GetExponentialHistogram().DataPoints)
					case m.GetSummary() != nil:
						n += len(m.GetSummary().DataPoints)
					}
				}
			}
		}
	}
	return n
}

// LoopbackListener opens a listener on a free loopback port, for a fake
// started on it later (NewHTTPOn, NewGRPCOn).
func LoopbackListener(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return l
}

// HTTPCollector is a fake OTLP/HTTP (protobuf) collector.
type HTTPCollector struct {
	*Collector
	// Endpoint is the base URL, "http://127.0.0.1:port".
	Endpoint string
	srv      *http.Server
}

// MaxRequestBody bounds what a fake reads from one export (and what a
// test's own stand-in should read).
const MaxRequestBody = 64 << 20

// NewHTTP starts a fake OTLP/HTTP collector on 127.0.0.1; it stops at the
// end of the test.
func NewHTTP(t testing.TB, b Behaviour) *HTTPCollector {
	t.Helper()
	return NewHTTPOn(t, LoopbackListener(t), b)
}

// NewHTTPOn is NewHTTP on a given listener.
func NewHTTPOn(t testing.TB, l net.Listener, b Behaviour) *HTTPCollector {
	t.Helper()
	h := &HTTPCollector{Collector: newCollector(), Endpoint: "http://" + l.Addr().String()}
	h.b = b
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", h.handle(Traces, func() proto.Message { return &coltracepb.ExportTraceServiceRequest{} }))
	mux.HandleFunc("POST /v1/metrics", h.handle(Metrics, func() proto.Message { return &colmetricspb.ExportMetricsServiceRequest{} }))
	mux.HandleFunc("POST /v1/logs", h.handle(Logs, func() proto.Message { return &collogspb.ExportLogsServiceRequest{} }))
	// Any other path: the signal is the last path segment (a per-signal
	// endpoint such as /custom/traces); Request.Path tells where it went.
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		switch sig := path.Base(r.URL.Path); sig {
		case Traces:
			h.handle(Traces, func() proto.Message { return &coltracepb.ExportTraceServiceRequest{} })(w, r)
		case Metrics:
			h.handle(Metrics, func() proto.Message { return &colmetricspb.ExportMetricsServiceRequest{} })(w, r)
		case Logs:
			h.handle(Logs, func() proto.Message { return &collogspb.ExportLogsServiceRequest{} })(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	h.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = h.srv.Serve(l) }()
	t.Cleanup(func() {
		h.close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := h.srv.Shutdown(ctx); err != nil {
			_ = h.srv.Close()
		}
	})
	return h
}

func (h *HTTPCollector) handle(signal string, newMsg func() proto.Message) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
			return
		}
		msg := newMsg()
		var err2 error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			err2 = protojson.Unmarshal(body, msg)
		} else {
			err2 = proto.Unmarshal(body, msg)
		}
		if err2 != nil {
			msg = nil
		}
		b, fail, i := h.decide(signal, msg, Wire{Protocol: "http", Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Encoding: r.Header.Get("Content-Encoding"), Header: r.Header.Clone()})
		h.wait(r.Context(), b.Delay)
		h.abandoned(r.Context(), i)
		if fail {
			if b.RetryAfter != "" {
				w.Header().Set("Retry-After", b.RetryAfter)
			}
			http.Error(w, "fake collector: failing on purpose", b.Status)
			return
		}
		items := 0
		if msg != nil {
			items = count(msg)
		}
		rejected := min(b.Rejected, items)
		h.accepted.Add(int64(items - rejected))
		w.Header().Set("Content-Type", "application/x-protobuf")
		if rejected > 0 {
			body, _ := proto.Marshal(partialSuccess(signal, rejected, b.RejectedMessage))
			_, _ = w.Write(body)
			return
		}
		if b.Oversize > 0 {
			w.Header().Set("Content-Length", strconv.Itoa(b.Oversize))
			junk := make([]byte, 64<<10)
			for i := range junk {
				junk[i] = 0xff
			}
			for left := b.Oversize; left > 0; left -= len(junk) {
				if _, err := w.Write(junk[:min(left, len(junk))]); err != nil {
					return
				}
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	}
}

// readBody reads an export's body, gunzipped when it says so, bounded.
func readBody(r *http.Request) ([]byte, error) {
	var body io.Reader = io.LimitReader(r.Body, MaxRequestBody)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, err
		}
		defer func() { _ = zr.Close() }()
		body = io.LimitReader(zr, MaxRequestBody)
	}
	return io.ReadAll(body)
}

// grpcWire is how a gRPC export arrived.
func grpcWire(ctx context.Context) Wire {
	w := Wire{Protocol: "grpc", Header: http.Header{}}
	if m, ok := grpc.Method(ctx); ok {
		w.Path = m
	}
	md, _ := metadata.FromIncomingContext(ctx)
	for k, vs := range md {
		for _, v := range vs {
			w.Header.Add(k, v)
		}
	}
	w.ContentType = w.Header.Get("Content-Type")
	if c, ok := ctx.Value(compressionKey{}).(*string); ok {
		w.Encoding = *c
	}
	if d, ok := ctx.Deadline(); ok {
		w.Deadline = time.Until(d)
	}
	return w
}

// compressionSeen is a gRPC stats handler that tells the service the
// compression of the request (grpc-encoding is not in the metadata).
type compressionSeen struct{}

type compressionKey struct{}

func (compressionSeen) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, compressionKey{}, new(string))
}

func (compressionSeen) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if h, ok := s.(*stats.InHeader); ok {
		if c, ok := ctx.Value(compressionKey{}).(*string); ok && h.Compression != "identity" {
			*c = h.Compression
		}
	}
}

func (compressionSeen) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (compressionSeen) HandleConn(context.Context, stats.ConnStats)                       {}

// GRPCCollector is a fake OTLP/gRPC collector.
type GRPCCollector struct {
	*Collector
	// Endpoint is "http://127.0.0.1:port" (http: insecure).
	Endpoint string
	srv      *grpc.Server
}

// NewGRPC starts a fake OTLP/gRPC collector on 127.0.0.1; it stops at the
// end of the test.
func NewGRPC(t testing.TB, b Behaviour) *GRPCCollector {
	t.Helper()
	return NewGRPCOn(t, LoopbackListener(t), b)
}

// NewGRPCOn is NewGRPC on a given listener.
func NewGRPCOn(t testing.TB, l net.Listener, b Behaviour) *GRPCCollector {
	t.Helper()
	g := &GRPCCollector{Collector: newCollector(), Endpoint: "http://" + l.Addr().String()}
	g.b = b
	g.srv = grpc.NewServer(grpc.MaxRecvMsgSize(MaxRequestBody), grpc.StatsHandler(compressionSeen{}))
	coltracepb.RegisterTraceServiceServer(g.srv, traceService{g: g})
	colmetricspb.RegisterMetricsServiceServer(g.srv, metricsService{g: g})
	collogspb.RegisterLogsServiceServer(g.srv, logsService{g: g})
	go func() { _ = g.srv.Serve(l) }()
	t.Cleanup(func() {
		g.close()
		g.srv.Stop()
	})
	return g
}

// answer applies the behaviour to one gRPC export: the padding of an
// oversized answer, the number of items rejected and the message saying
// so, or the error.
func (g *GRPCCollector) answer(ctx context.Context, signal string, req proto.Message) (string, int, string, error) {
	items := count(req)
	b, fail, i := g.decide(signal, req, grpcWire(ctx))
	g.wait(ctx, b.Delay)
	g.abandoned(ctx, i)
	if fail {
		code := codes.Unavailable
		switch b.Status {
		case http.StatusTooManyRequests:
			code = codes.ResourceExhausted
		case http.StatusBadRequest:
			code = codes.InvalidArgument
		}
		st := status.New(code, "fake collector: failing on purpose")
		if b.RetryDelay > 0 {
			if d, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(b.RetryDelay)}); err == nil {
				st = d
			}
		}
		return "", 0, "", st.Err()
	}
	rejected := min(b.Rejected, items)
	g.accepted.Add(int64(items - rejected))
	if b.Oversize > 0 {
		return string(make([]byte, b.Oversize)), rejected, b.RejectedMessage, nil
	}
	return "", rejected, b.RejectedMessage, nil
}

// rejectedMessage is the default error message of a partial success.
const rejectedMessage = "fake collector: rejected on purpose"

// partialSuccess is the answer rejecting n items of signal's request, with
// msg (rejectedMessage when "").
func partialSuccess(signal string, n int, msg string) proto.Message {
	if msg == "" {
		msg = rejectedMessage
	}
	switch signal {
	case Traces:
		return &coltracepb.ExportTraceServiceResponse{PartialSuccess: &coltracepb.ExportTracePartialSuccess{RejectedSpans: int64(n), ErrorMessage: msg}}
	case Metrics:
		return &colmetricspb.ExportMetricsServiceResponse{PartialSuccess: &colmetricspb.ExportMetricsPartialSuccess{RejectedDataPoints: int64(n), ErrorMessage: msg}}
	}
	return &collogspb.ExportLogsServiceResponse{PartialSuccess: &collogspb.ExportLogsPartialSuccess{RejectedLogRecords: int64(n), ErrorMessage: msg}}
}

type traceService struct {
	coltracepb.UnimplementedTraceServiceServer
	g *GRPCCollector
}

func (s traceService) Export(ctx context.Context, r *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	pad, rejected, msg, err := s.g.answer(ctx, Traces, r)
	if err != nil {
		return nil, err
	}
	resp := &coltracepb.ExportTraceServiceResponse{}
	if rejected > 0 {
		resp = partialSuccess(Traces, rejected, msg).(*coltracepb.ExportTraceServiceResponse)
	}
	if pad != "" {
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{ErrorMessage: pad, RejectedSpans: int64(rejected)}
	}
	return resp, nil
}

type metricsService struct {
	colmetricspb.UnimplementedMetricsServiceServer
	g *GRPCCollector
}

func (s metricsService) Export(ctx context.Context, r *colmetricspb.ExportMetricsServiceRequest) (*colmetricspb.ExportMetricsServiceResponse, error) {
	pad, rejected, msg, err := s.g.answer(ctx, Metrics, r)
	if err != nil {
		return nil, err
	}
	resp := &colmetricspb.ExportMetricsServiceResponse{}
	if rejected > 0 {
		resp = partialSuccess(Metrics, rejected, msg).(*colmetricspb.ExportMetricsServiceResponse)
	}
	if pad != "" {
		resp.PartialSuccess = &colmetricspb.ExportMetricsPartialSuccess{ErrorMessage: pad, RejectedDataPoints: int64(rejected)}
	}
	return resp, nil
}

type logsService struct {
	collogspb.UnimplementedLogsServiceServer
	g *GRPCCollector
}

func (s logsService) Export(ctx context.Context, r *collogspb.ExportLogsServiceRequest) (*collogspb.ExportLogsServiceResponse, error) {
	pad, rejected, msg, err := s.g.answer(ctx, Logs, r)
	if err != nil {
		return nil, err
	}
	resp := &collogspb.ExportLogsServiceResponse{}
	if rejected > 0 {
		resp = partialSuccess(Logs, rejected, msg).(*collogspb.ExportLogsServiceResponse)
	}
	if pad != "" {
		resp.PartialSuccess = &collogspb.ExportLogsPartialSuccess{ErrorMessage: pad, RejectedLogRecords: int64(rejected)}
	}
	return resp, nil
}

// DownEndpoint returns "http://127.0.0.1:port" for a port that was just
// closed: connecting to it is refused. The listener's address is returned
// too, so that a test can bring a collector up on it later.
func DownEndpoint(t testing.TB) (endpoint, addr string) {
	t.Helper()
	l := LoopbackListener(t)
	addr = l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return "http://" + addr, addr
}

// NewQuotingHTTP starts an OTLP/HTTP endpoint that refuses every export
// with 401, quoting the value of the request's header as collectors quote
// the credential they reject, and returns its endpoint.
func NewQuotingHTTP(t testing.TB, header string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "invalid "+header+": "+r.Header.Get(header), http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// BlackHole accepts TCP connections and never reads or answers; it closes
// them at the end of the test.
type BlackHole struct {
	// Endpoint is "http://127.0.0.1:port".
	Endpoint string
	accepted atomic.Int64
}

// Accepted returns how many connections the black hole swallowed.
func (b *BlackHole) Accepted() int64 { return b.accepted.Load() }

// NewBlackHole starts a black hole on 127.0.0.1.
func NewBlackHole(t testing.TB) *BlackHole {
	t.Helper()
	l := LoopbackListener(t)
	bh := &BlackHole{Endpoint: "http://" + l.Addr().String()}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			bh.accepted.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	})
	return bh
}

// Listen re-opens addr (a DownEndpoint's) for a collector coming back.
func Listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	var err error
	for range 50 {
		var l net.Listener
		if l, err = net.Listen("tcp", addr); err == nil {
			return l
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("listen %s: %v", addr, err)
	return nil
}

// String describes a behaviour for test names and logs.
func (b Behaviour) String() string {
	switch {
	case b.Status != 0:
		return fmt.Sprintf("status %d retry-after %q first %d", b.Status, b.RetryAfter, b.FailFirst)
	case b.Delay > 0:
		return fmt.Sprintf("slow %s", b.Delay)
	case b.Oversize > 0:
		return fmt.Sprintf("oversized %d bytes", b.Oversize)
	case b.Rejected > 0:
		return fmt.Sprintf("rejecting %d items per request", b.Rejected)
	}
	return "healthy"
}
