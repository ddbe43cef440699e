package grpcmw

import (
	"context"
	"errors"
	"net"

	"google.golang.org/grpc"
)

// Runner serves a gRPC server on a listener and stops it gracefully. It has
// the methods of otel.Server, so (*otel.Telemetry).Run serves it:
//
//	ln, err := net.Listen("tcp", ":9090")
//	...
//	err = tel.Run(ctx, grpcmw.Server(srv, ln))
type Runner struct {
	srv *grpc.Server
	ln  net.Listener
}

// Server returns a Runner that serves srv on ln.
func Server(srv *grpc.Server, ln net.Listener) *Runner {
	return &Runner{srv: srv, ln: ln}
}

// Serve serves until Shutdown is called or serving fails (srv.Serve). It
// returns nil once stopped by Shutdown, also when called after it, and the
// error when serving fails. ln is closed when Serve returns. On a nil
// *Runner it returns an error.
func (r *Runner) Serve() error {
	if r == nil {
		return errors.New("grpcmw: Serve: nil *grpcmw.Runner (use grpcmw.Server)")
	}
	if r.srv == nil || r.ln == nil {
		if r.ln != nil {
			_ = r.ln.Close() // as srv.Serve would: the port is not held
		}
		return errors.New("grpcmw: Server: nil *grpc.Server or net.Listener")
	}
	err := r.srv.Serve(r.ln)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// Shutdown stops srv gracefully (GracefulStop): it takes no new RPCs and
// waits for those in flight. When ctx is done first, it stops srv at once
// (Stop: the connections are closed and the RPCs still running see their
// context cancelled), which makes Serve return, and returns ctx's error
// without waiting for handlers that ignore their context. On a nil
// *Runner it does nothing.
func (r *Runner) Shutdown(ctx context.Context) error {
	if r == nil || r.srv == nil {
		return nil
	}
	done := make(chan struct{})
	go func() {
		r.srv.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		r.srv.Stop()
		return ctx.Err()
	}
}
