package grpcmw_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/otelkit/otelkit/grpcmw"
	"github.com/otelkit/otelkit/otel"
)

var _ otel.Server = (*grpcmw.Runner)(nil)

// slowService answers EmptyCall once release is closed, or fails when the
// RPC's context ends first.
type slowService struct {
	testpb.UnimplementedTestServiceServer
	started chan struct{}
	release chan struct{}
}

func (s *slowService) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	s.started <- struct{}{}
	select {
	case <-s.release:
		return &testpb.Empty{}, nil
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

// listen serves svc on a loopback port and returns the server, the
// listener and a client.
func listen(t *testing.T, svc testpb.TestServiceServer) (*grpc.Server, net.Listener, testpb.TestServiceClient) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpcmw.ServerOptions()...)
	testpb.RegisterTestServiceServer(srv, svc)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(); srv.Stop() })
	return srv, ln, testpb.NewTestServiceClient(conn)
}

// Run serves a gRPC server through the Runner, and on a stop lets the RPC
// in flight finish before it returns.
func TestRunDrainsRPCsInFlight(t *testing.T) {
	svc := &slowService{started: make(chan struct{}, 1), release: make(chan struct{})}
	srv, ln, c := listen(t, svc)
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() {
		ran <- (*otel.Telemetry)(nil).Run(ctx, grpcmw.Server(srv, ln), otel.WithDrainTimeout(5*time.Second))
	}()

	called := make(chan error, 1)
	go func() {
		_, err := c.EmptyCall(context.Background(), &testpb.Empty{}, grpc.WaitForReady(true))
		called <- err
	}()
	<-svc.started
	stop()
	time.Sleep(50 * time.Millisecond) // the drain has begun; the RPC is still in flight
	select {
	case err := <-ran:
		t.Fatalf("Run returned %v with an RPC in flight", err)
	default:
	}
	close(svc.release)
	if err := <-called; err != nil {
		t.Errorf("the RPC in flight failed: %v", err)
	}
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := c.EmptyCall(context.Background(), &testpb.Empty{}); status.Code(err) != codes.Unavailable {
		t.Errorf("served after Run returned: %v", err)
	}
}

// When the drain's context ends first, Shutdown stops the server at once
// (the RPC still running sees its context end), Serve returns nil, and
// Shutdown returns the context's error.
func TestShutdownBoundedByContext(t *testing.T) {
	svc := &slowService{started: make(chan struct{}, 1), release: make(chan struct{})}
	srv, ln, c := listen(t, svc)
	r := grpcmw.Server(srv, ln)
	served := make(chan error, 1)
	go func() { served <- r.Serve() }()
	called := make(chan error, 1)
	go func() {
		_, err := c.EmptyCall(context.Background(), &testpb.Empty{}, grpc.WaitForReady(true))
		called <- err
	}()
	<-svc.started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	if err := r.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want the context's deadline", err)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("Shutdown took %v past its 100ms context", d)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve = %v, want nil after Shutdown", err)
	}
	if err := <-called; err == nil {
		t.Error("the abandoned RPC succeeded")
	}
}

func TestShutdownBeforeServe(t *testing.T) {
	srv, ln, _ := listen(t, &slowService{})
	r := grpcmw.Server(srv, ln)
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after Shutdown = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve after Shutdown did not return")
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown = %v", err)
	}
}

func TestServeFails(t *testing.T) {
	srv, ln, _ := listen(t, &slowService{})
	_ = ln.Close()
	if err := grpcmw.Server(srv, ln).Serve(); err == nil {
		t.Error("Serve on a closed listener returned nil")
	}
	var r *grpcmw.Runner = grpcmw.Server(nil, nil)
	if err := r.Serve(); err == nil {
		t.Error("Serve of a nil server returned nil")
	}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()
	if err := grpcmw.Server(nil, ln2).Serve(); err == nil {
		t.Error("Serve of a nil server on a listener returned nil")
	}
	if c, err := net.Dial("tcp", ln2.Addr().String()); err == nil {
		_ = c.Close()
		t.Error("the listener is still open after Serve returned")
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown of a nil server = %v", err)
	}
}

// TestNilRunner: a nil *Runner (a variable never set, say, in
// otel.Servers) is an error from Serve and nothing to stop, not a panic.
func TestNilRunner(t *testing.T) {
	var r *grpcmw.Runner
	if err := r.Serve(); err == nil || !strings.Contains(err.Error(), "nil *grpcmw.Runner") {
		t.Errorf("Serve of a nil *Runner = %v, want an error naming it", err)
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown of a nil *Runner = %v", err)
	}
}
