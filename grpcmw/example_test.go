package grpcmw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"

	"github.com/otelkit/otelkit/grpcmw"
)

// A server with grpcmw's options, and a client with its dial options that
// forwards the request ID of its context. The server writes one access line
// per RPC; its level follows the status code (NOT_FOUND is the client's
// doing: warn).
func ExampleServerOptions() {
	out := &syncBuffer{}
	logger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(out), zapcore.InfoLevel))

	srv := grpc.NewServer(grpcmw.ServerOptions(grpcmw.WithLogger(logger))...)
	hs := health.NewServer()
	hs.SetServingStatus("checkout", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	ln := bufconn.Listen(1 << 16)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	conn, err := grpc.NewClient("passthrough:///example", append(grpcmw.DialOptions(),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)

	ctx := grpcmw.ContextWithRequestID(context.Background(), "job-0042")
	var header metadata.MD
	_, _ = client.Check(ctx, &healthpb.HealthCheckRequest{Service: "checkout"}, grpc.Header(&header))
	_, _ = client.Check(ctx, &healthpb.HealthCheckRequest{Service: "billing"})
	fmt.Println("answered x-request-id:", header.Get(grpcmw.RequestIDMetadataKey))

	srv.GracefulStop() // every access line is written once the RPCs have ended
	var lines []string
	for _, raw := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var l map[string]any
		_ = json.Unmarshal([]byte(raw), &l)
		lines = append(lines, fmt.Sprint(l["msg"], " ", l["level"], " ", l["request_id"], " ", l["rpc_method"], " ", l["code"]))
	}
	slices.Sort(lines) // the server may end the two RPCs in either order
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// answered x-request-id: [job-0042]
	// grpc_request info job-0042 grpc.health.v1.Health/Check OK
	// grpc_request warn job-0042 grpc.health.v1.Health/Check NOT_FOUND
}

// Server makes a gRPC server something otel's Run serves and stops
// gracefully on SIGTERM.
func ExampleServer() {
	srv := grpc.NewServer(grpcmw.ServerOptions()...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := grpcmw.Server(srv, ln)
	served := make(chan error, 1)
	go func() { served <- r.Serve() }() // tel.Run(ctx, r) does this, and the rest
	fmt.Println("shutdown:", r.Shutdown(context.Background()))
	fmt.Println("serve:", <-served)
	fmt.Println(strings.HasPrefix(ln.Addr().String(), "127.0.0.1:"))
	// Output:
	// shutdown: <nil>
	// serve: <nil>
	// true
}

// syncBuffer is a bytes.Buffer that several goroutines may write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
