package otel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/panictext"
	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

// DefaultDrainTimeout bounds how long Run waits for the work in flight to
// finish once a stop begins. With DefaultShutdownTimeout for the flush after
// it, a stop fits in Kubernetes' default grace period of 30 seconds.
const DefaultDrainTimeout = 15 * time.Second

// Server is what Run serves and stops: an *http.Server through HTTPServer or
// HTTPServerOn, a gRPC server, several of them through Servers, or a worker
// of your own.
type Server interface {
	// Serve serves until Shutdown is called or serving fails. It returns nil
	// (or http.ErrServerClosed) once stopped by Shutdown, and the error when
	// serving fails (a port already in use). Called after Shutdown, it
	// returns at once.
	Serve() error
	// Shutdown stops taking new work and waits for the work in flight to
	// finish. When ctx is done first it abandons what is left, makes Serve
	// return, and returns ctx's error.
	Shutdown(ctx context.Context) error
}

// RunOption configures Run.
type RunOption interface {
	apply(runConfig) runConfig
}

type runOptionFunc func(runConfig) runConfig

func (f runOptionFunc) apply(c runConfig) runConfig { return f(c) }

type runConfig struct {
	drain time.Duration
	flush time.Duration
}

func newRunConfig(t *Telemetry, opts []RunOption) runConfig {
	c := runConfig{drain: DefaultDrainTimeout, flush: DefaultShutdownTimeout}
	if t != nil && t.shutdownTimeout > 0 {
		c.flush = t.shutdownTimeout
	}
	return option.Apply(c, opts, RunOption.apply)
}

// WithDrainTimeout bounds how long Run waits for requests in flight once a
// stop begins (default DefaultDrainTimeout). What is still running then is
// abandoned. A non-positive value keeps the default.
func WithDrainTimeout(d time.Duration) RunOption {
	return runOptionFunc(func(c runConfig) runConfig {
		if d > 0 {
			c.drain = d
		}
		return c
	})
}

// WithFlushTimeout bounds how long Run waits for the telemetry to be
// exported and shut down after the drain (default: the Init option
// WithShutdownTimeout, else DefaultShutdownTimeout). A non-positive value
// keeps the default.
func WithFlushTimeout(d time.Duration) RunOption {
	return runOptionFunc(func(c runConfig) runConfig {
		if d > 0 {
			c.flush = d
		}
		return c
	})
}

// Run serves srv until SIGINT or SIGTERM arrives, ctx is done, or srv stops
// by itself (serving failed, or a worker finished). Then it stops srv
// gracefully: it stops taking new work and waits, at most the drain timeout,
// for the work in flight, whose spans and log lines are then complete. Last
// it flushes and shuts down the telemetry (Shutdown), at most the flush
// timeout (and the 100 ms Shutdown takes past it to count what it cut
// off), so nothing queued is lost when the process exits. A second signal
// during the drain ends it at once; the flush still runs. When ctx or srv
// began the stop, the first signal after that counts as the one a stop
// begins with (the same signal may have ended ctx, as signal.NotifyContext
// does), and the next ends the drain. A signal the process ignores stays
// ignored, as whoever started it asked (signal.Ignore; a non-interactive
// shell ignores SIGINT in a job it starts with "&", which only SIGTERM or
// ctx then stops).
//
// When the drain runs out of time, the requests it cut off (httpmw and
// grpcmw requests, whose contexts end with their connections) get up to a
// second (at most a quarter of the flush timeout) to end, so that their
// spans and access lines are exported; so do requests on hijacked
// connections (WebSockets), which http.Server.Shutdown neither waits for
// nor closes: end them from a hook (http.Server.RegisterOnShutdown). Those
// still running then are reported as abandoned_requests, and their
// telemetry is lost. After a drain that finished, only hijacked requests
// of the http.Servers srv serves (through HTTPServer or HTTPServerOn,
// itself or as a member of Servers) are waited for and reported: other
// requests in the process, of a server Run does not serve, are not this
// Run's.
//
// Run writes a shutdown_started line when the stop begins (the reason, the
// signal, the timeouts) and a shutdown_finished line when it is over (how
// long the drain and the flush took, drain_ms and flush_ms, and any
// abandoned_requests). The second is written after the telemetry is shut
// down, so it reaches the log output but not the collector (its record,
// lost by design, is not counted as after_shutdown).
//
// Run returns nil after a clean stop on a signal or on ctx; otherwise the
// error serving failed with, a drain that ran out of time, abandoned
// requests, and Shutdown's error, joined. A panic in srv.Serve, while
// serving or while stopping, or in srv.Shutdown, is recovered, the
// telemetry drained and flushed, and then the panic goes on with the same
// value. It never exits
// the process and, when it returns, signal handling is as it was before (a
// further SIGTERM ends the process). A nil srv is an error, as serving
// failed: the telemetry is still flushed. On a nil Telemetry it serves and
// drains, with nothing to flush.
func (t *Telemetry) Run(ctx context.Context, srv Server, opts ...RunOption) error {
	if srv == nil {
		// Failing as serving does, so that what is queued is flushed.
		srv = failedServer{errors.New("otelkit: Run: nil Server")}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	c := newRunConfig(t, opts)
	log := t.runLogger()

	// Registered before serving starts, so that no signal can slip through
	// to the default action (ending the process) once requests flow.
	// A signal the process ignores (signal.Ignore, or nohup) stays ignored.
	sigs := make(chan os.Signal, 2)
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		if !signal.Ignored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	defer signal.Stop(sigs)

	served := make(chan error, 1)
	go func() { served <- serveRecovered(srv) }()
	cause := waitForStop(ctx, sigs, served)
	if cause.returned {
		served = nil
	}
	serveErr := cause.serveErr
	stop := append(cause.why, zap.Duration("drain_timeout", c.drain), zap.Duration("flush_timeout", c.flush))
	level := zap.InfoLevel
	if serveErr != nil {
		level = zap.ErrorLevel
	}
	log.Log(level, "shutdown_started", stop...)

	began := time.Now()
	drainErr := drain(srv, c.drain, sigs, cause.signalled, served)
	drained := time.Since(began)

	began = time.Now()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.flush)
	defer cancel()
	// Requests a drain that timed out cut off (their connections closed,
	// their contexts cancelled) end a moment later: their spans and access
	// lines must reach the providers before Shutdown closes them. So do
	// requests on connections a drain that finished does not wait for:
	// http.Server.Shutdown leaves hijacked ones (WebSockets) running, and
	// runs its RegisterOnShutdown hooks, which end them, without waiting.
	// After such a drain only those are waited for, and only those of the
	// http.Servers srv serves: other requests in the process (of a server
	// Run does not serve) are not this Run's. Taken from
	// the flush budget, so a stop takes no longer; no wait when nothing is
	// in flight.
	settle := min(abandonSettle, c.flush/4)
	var abandoned int64
	if drainErr != nil {
		abandoned = reqscope.WaitIdle(settle)
	} else {
		abandoned = reqscope.WaitHijackedIdle(httpServersOf(srv, nil), settle)
	}
	flushErr := t.Shutdown(fctx)
	flushed := time.Since(began)
	if flushErr != nil && fctx.Err() == context.DeadlineExceeded {
		// The exporters' own text is often the bare context error: say
		// which phase ran out, as for the drain.
		flushErr = fmt.Errorf("otelkit: flush did not finish within %s: %w", c.flush, flushErr)
	}

	var abandonErr error
	if abandoned > 0 {
		abandonErr = fmt.Errorf("otelkit: %d requests still running after the drain: their spans and access lines are lost", abandoned)
	}
	err := errors.Join(serveErr, drainErr, abandonErr, flushErr)
	// Written after the telemetry is shut down, on purpose: its OTLP
	// record cannot go out, and is not counted (notCounted), or every
	// clean exit would end with a telemetry_dropped warning.
	done := []zap.Field{millis("drain_ms", drained), millis("flush_ms", flushed), notCounted}
	if abandoned > 0 {
		done = append(done, zap.Int64("abandoned_requests", abandoned))
	}
	if err != nil {
		done = append(done, logging.Err(err))
		log.Warn("shutdown_finished", done...)
	} else {
		log.Info("shutdown_finished", done...)
	}
	_ = log.Sync()
	// A panic in Serve, while serving or while draining (a member of
	// Servers, a worker stopping), or in Shutdown, goes on once the
	// telemetry is flushed.
	if p := (*servePanic)(nil); errors.As(err, &p) {
		// The panic's own stack first: the one the runtime prints next is
		// Run's.
		fmt.Fprintf(os.Stderr, "otelkit: %s panicked; telemetry flushed; its stack:\n%s\n", p.in, p.stack)
		panic(p.v)
	}
	return err
}

// failedServer is a Server whose Serve fails at once with err.
type failedServer struct{ err error }

func (f failedServer) Serve() error                 { return f.err }
func (failedServer) Shutdown(context.Context) error { return nil }

// serveRecovered calls srv.Serve, turning a panic into a *servePanic.
func serveRecovered(srv Server) (err error) {
	defer recoverServer("Serve", &err)
	return srv.Serve()
}

// shutdownRecovered calls srv.Shutdown, turning a panic into a
// *servePanic: Run calls it on a goroutine of its own, where a panic
// would end the process before the telemetry is flushed (a member of
// Servers that is a typed nil pointer, a bug in stopping).
func shutdownRecovered(ctx context.Context, srv Server) (err error) {
	defer recoverServer("Shutdown", &err)
	return srv.Shutdown(ctx)
}

// recoverServer, deferred, sets *err to the panic in the method in of a
// Server, if there is one.
func recoverServer(in string, err *error) {
	if v := recover(); v != nil {
		*err = &servePanic{v: v, stack: debug.Stack(), in: in}
	}
}

// servePanic is a panic in Serve or Shutdown (of srv, or of a member of
// Servers), recovered so that Run flushes the telemetry before panicking
// again.
type servePanic struct {
	v     any
	stack []byte
	in    string // "Serve" or "Shutdown"
}

func (p *servePanic) Error() string {
	return fmt.Sprintf("otelkit: %s panicked: %s\n%s", p.in, panictext.Of(p.v, maxPanicValue), p.stack)
}

// maxPanicValue bounds the panic value a servePanic's text quotes.
const maxPanicValue = 4096

// abandonSettle bounds how long Run waits, after the drain, for the
// requests it cut off to end their spans and access lines.
const abandonSettle = time.Second

// stopCause is why a stop began, as waitForStop saw it.
type stopCause struct {
	why       []zap.Field // the shutdown_started line's reason fields
	serveErr  error       // the error serving failed with
	returned  bool        // Serve's result was taken
	signalled bool        // a signal began the stop
}

// waitForStop waits for a signal, ctx, or Serve's return, and says which.
func waitForStop(ctx context.Context, sigs <-chan os.Signal, served <-chan error) stopCause {
	select {
	case sig := <-sigs:
		return stopCause{why: []zap.Field{zap.String("reason", "signal"), zap.String("signal", sig.String())}, signalled: true}
	case <-ctx.Done():
		return stopCause{why: []zap.Field{zap.String("reason", "context_done")}}
	case err := <-served:
		if err = serveError(err); err != nil {
			return stopCause{why: []zap.Field{zap.String("reason", "serve_failed"), logging.Err(err)}, serveErr: err, returned: true}
		}
		return stopCause{why: []zap.Field{zap.String("reason", "server_stopped")}, returned: true}
	}
}

// drain shuts srv down within timeout and waits for its Serve to return
// (served is nil when it already has). A second signal ends the wait for
// the work in flight early (see awaitShutdown). A Server that ignores its
// context gets a second of grace, then is left behind with an error.
func drain(srv Server, timeout time.Duration, sigs <-chan os.Signal, signalled bool, served <-chan error) error {
	dctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- shutdownRecovered(dctx, srv) }()

	err := awaitShutdown(dctx, cancel, shut, sigs, signalled)
	if err != nil && dctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("otelkit: drain did not finish within %s: %w", timeout, err)
	}
	if served == nil {
		return err
	}
	return errors.Join(err, serveError(withGrace(served, "Serve")))
}

// awaitShutdown waits for Shutdown's result on shut, or for dctx's end.
// A second signal cancels dctx: the first that comes when a signal began
// the stop (signalled), else the second, since the first is the one the
// stop began with (ctx done at the same signal, as signal.NotifyContext
// makes it) or a stop begun already.
func awaitShutdown(dctx context.Context, cancel context.CancelFunc, shut <-chan error, sigs <-chan os.Signal, signalled bool) error {
	for {
		select {
		case err := <-shut:
			return err
		case <-dctx.Done():
			return withGrace(shut, "Shutdown")
		case <-sigs:
			if !signalled {
				signalled = true
				continue
			}
			cancel()
			if err := withGrace(shut, "Shutdown"); err != nil {
				return fmt.Errorf("otelkit: drain ended early by a second signal: %w", err)
			}
			return nil
		}
	}
}

// withGrace waits a second at most for the result on ch.
func withGrace(ch <-chan error, what string) error {
	wait := time.NewTimer(time.Second)
	defer wait.Stop()
	select {
	case err := <-ch:
		return err
	case <-wait.C:
		return fmt.Errorf("otelkit: drain: %s did not return", what)
	}
}

// millis is a measured duration in milliseconds, as the access line
// writes duration_ms.
func millis(key string, d time.Duration) zap.Field {
	return zap.Float64(key, float64(d.Microseconds())/1000)
}

// runLogger is the logger Run writes its two lines with.
func (t *Telemetry) runLogger() *zap.Logger {
	if t == nil || t.logger == nil {
		return zap.L()
	}
	return t.logger.Zap()
}
