// Command grpc shows one trace and one request ID crossing HTTP and gRPC: an
// HTTP frontend (httpmw) calls the Checkout gRPC service, which calls the
// Inventory gRPC service (grpcmw on both sides of both calls). Every line of
// the three services carries the same trace_id and request_id.
//
//	go run ./examples/grpc                      # all three in one process, exercise, exit
//	go run ./examples/grpc -role inventory -addr :9091 -serve
//	go run ./examples/grpc -role checkout -addr :9090 -inventory localhost:9091 -serve
//	go run ./examples/grpc -role frontend -addr :8080 -checkout localhost:9090 -serve
//	curl -H 'X-Request-ID: demo-1' localhost:8080/checkout/cart-7
//
// Unlike the quick start, it exports over OTLP to the SDK's default
// endpoint, https://localhost:4318, unless told otherwise. With no
// collector there the exports fail (otel_sdk_error, telemetry_dropped
// lines), and the program waits for them to time out before it exits with
// status 1.
// Point it at a collector (OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318
// with the docker-compose stack), or run it with
// OTEL_TRACES_EXPORTER=console OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/otelkit/otelkit/examples/grpc/shoppb"
	"github.com/otelkit/otelkit/grpcmw"
	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "grpc example:", err)
		os.Exit(1)
	}
}

type options struct {
	role, addr, checkoutAddr, inventoryAddr, checkout, inventory string
	serve                                                        bool
}

func parse(args []string, out io.Writer) (options, error) {
	fs := flag.NewFlagSet("grpc", flag.ContinueOnError)
	fs.SetOutput(out)
	var o options
	fs.StringVar(&o.role, "role", "all", "frontend, checkout, inventory, or all in one process")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "listen address of the role (with -role all: the frontend's)")
	fs.StringVar(&o.checkoutAddr, "checkout-addr", "127.0.0.1:0", "Checkout's listen address with -role all")
	fs.StringVar(&o.inventoryAddr, "inventory-addr", "127.0.0.1:0", "Inventory's listen address with -role all")
	fs.StringVar(&o.checkout, "checkout", "localhost:9090", "Checkout's address for -role frontend")
	fs.StringVar(&o.inventory, "inventory", "localhost:9091", "Inventory's address for -role checkout")
	fs.BoolVar(&o.serve, "serve", false, "keep serving until interrupted")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch o.role {
	case "frontend", "checkout", "inventory", "all":
		return o, nil
	}
	return o, fmt.Errorf("-role %q: allowed: frontend, checkout, inventory, all", o.role)
}

func run(ctx context.Context, args []string, out io.Writer) (err error) {
	o, err := parse(args, out)
	if err != nil {
		return err
	}
	p, err := start(ctx, o, out)
	defer func() { err = errors.Join(err, p.close()) }()
	if err != nil {
		return err
	}

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var exerciseErr error
	exercised := make(chan struct{})
	if o.serve || p.frontendURL == "" {
		close(exercised)
	} else {
		go func() {
			defer close(exercised)
			defer stop() // the exercise is over: stop as a signal would
			exerciseErr = checkout(ctx, p.frontendURL)
		}()
	}
	// Run serves until SIGINT or SIGTERM (or the end of the exercise), lets
	// the requests and RPCs in flight finish, then flushes the telemetry.
	p.ran = true
	err = p.owner.Run(ctx, otel.Servers(p.servers...))
	<-exercised
	return errors.Join(err, exerciseErr)
}

// process is what this process runs: its servers, the one taking outside
// traffic first (Run stops them in this order), and the Telemetry Run
// flushes.
type process struct {
	servers     []otel.Server
	owner       *otel.Telemetry
	frontendURL string
	cleanup     []func() error
	ran         bool // Run was called: it flushed owner and returned its error
}

// close shuts down what Run does not: the other services' Telemetry with
// -role all and the client connections, after Run has drained the servers,
// and everything when start failed half way. It returns the flushes that
// failed, each naming its service: telemetry was lost.
func (p *process) close() error {
	var errs []error
	for i := len(p.cleanup) - 1; i >= 0; i-- {
		errs = append(errs, p.cleanup[i]())
	}
	return errors.Join(errs...)
}

// shutdown flushes and shuts down tel within 5 s, unless Run has (Run
// returned its error already).
func (p *process) shutdown(tel *otel.Telemetry, service string) error {
	if p.ran && tel == p.owner {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		return fmt.Errorf("%s telemetry: %w", service, err)
	}
	return nil
}

// start starts the roles o asks for, the called ones first; with -role all,
// only the last (the frontend) owns the OpenTelemetry globals.
func start(ctx context.Context, o options, out io.Writer) (*process, error) {
	p := &process{}
	all := o.role == "all"
	inventory, checkoutTarget := o.inventory, o.checkout
	if o.role == "inventory" || all {
		addr := pick(all, o.inventoryAddr, o.addr)
		tel, err := p.initService(ctx, "inventory", all, out)
		if err != nil {
			return p, err
		}
		srv := grpc.NewServer(grpcmw.ServerOptions(serviceOptions(tel, "inventory")...)...)
		shoppb.RegisterInventoryServer(srv, inventoryService{})
		if inventory, err = p.listenGRPC(addr, srv); err != nil {
			return p, err
		}
	}
	if o.role == "checkout" || all {
		addr := pick(all, o.checkoutAddr, o.addr)
		tel, err := p.initService(ctx, "checkout", all, out)
		if err != nil {
			return p, err
		}
		conn, err := p.dial(inventory, tel)
		if err != nil {
			return p, err
		}
		srv := grpc.NewServer(grpcmw.ServerOptions(serviceOptions(tel, "checkout")...)...)
		shoppb.RegisterCheckoutServer(srv, checkoutService{inventory: shoppb.NewInventoryClient(conn)})
		if checkoutTarget, err = p.listenGRPC(addr, srv); err != nil {
			return p, err
		}
	}
	if o.role == "frontend" || all {
		tel, err := p.initService(ctx, "frontend", false, out)
		if err != nil {
			return p, err
		}
		conn, err := p.dial(checkoutTarget, tel)
		if err != nil {
			return p, err
		}
		h := httpmw.Handler(frontendMux(shoppb.NewCheckoutClient(conn)),
			httpmw.WithLogger(tel.Logger().With(zap.String("service", "frontend"))))
		if p.frontendURL, err = p.listenHTTP(o.addr, h); err != nil {
			return p, err
		}
	}
	return p, nil
}

func pick(all bool, allAddr, roleAddr string) string {
	if all {
		return allAddr
	}
	return roleAddr
}

// initService sets up the telemetry of one service. Without the globals
// (the services of -role all but the frontend), it is handed to grpcmw
// explicitly (serviceOptions). The last one set up owns Run.
func (p *process) initService(ctx context.Context, name string, withoutGlobals bool, out io.Writer) (*otel.Telemetry, error) {
	opts := []otel.Option{otel.WithLogOutput(zapcore.AddSync(out))}
	if withoutGlobals || strings.TrimSpace(os.Getenv("OTEL_SERVICE_NAME")) == "" {
		opts = append(opts, otel.WithServiceName(name)) // an option wins over OTEL_SERVICE_NAME
	}
	if withoutGlobals {
		opts = append(opts, otel.WithoutGlobals())
	}
	tel, err := otel.Init(ctx, opts...)
	if err != nil {
		return nil, err
	}
	p.cleanup = append(p.cleanup, func() error { return p.shutdown(tel, name) })
	p.owner = tel
	return tel, nil
}

// serviceOptions are grpcmw's options for a service with its own telemetry.
func serviceOptions(tel *otel.Telemetry, name string) []grpcmw.Option {
	return []grpcmw.Option{
		grpcmw.WithTracerProvider(tel.TracerProvider()),
		grpcmw.WithMeterProvider(tel.MeterProvider()),
		grpcmw.WithLogger(tel.Logger().With(zap.String("service", name))),
	}
}

// dial makes the gRPC client a service calls the next one with.
func (p *process) dial(target string, tel *otel.Telemetry) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(target, append(grpcmw.DialOptions(
		grpcmw.WithTracerProvider(tel.TracerProvider()), grpcmw.WithMeterProvider(tel.MeterProvider())),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		return nil, err
	}
	p.cleanup = append(p.cleanup, func() error { _ = conn.Close(); return nil })
	return conn, nil
}

// listenGRPC binds addr for srv, puts it first in p.servers, and returns
// its address.
func (p *process) listenGRPC(addr string, srv *grpc.Server) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	p.cleanup = append(p.cleanup, func() error { srv.Stop(); return nil }) // Run has stopped it already
	p.servers = append([]otel.Server{grpcmw.Server(srv, ln)}, p.servers...)
	return ln.Addr().String(), nil
}

// listenHTTP binds addr for h, puts the server first in p.servers, and
// returns its base URL.
func (p *process) listenHTTP(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	p.cleanup = append(p.cleanup, func() error { _ = ln.Close(); return nil }) // Run has closed it already
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	p.servers = append([]otel.Server{otel.HTTPServerOn(srv, ln)}, p.servers...)
	return "http://" + ln.Addr().String(), nil
}

// checkout is the exercise: one checkout, with a request ID chosen by the
// caller.
func checkout(ctx context.Context, frontendURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, frontendURL+"/checkout/cart-7", nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Request-ID", "demo-grpc-0001")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("checkout: %s: %s", resp.Status, body)
	}
	return nil
}

func frontendMux(c shoppb.CheckoutClient) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout/{cart}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		cart := r.PathValue("cart")
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		order, err := c.PlaceOrder(ctx, &shoppb.PlaceOrderRequest{CartId: cart})
		if err != nil {
			logging.FromContext(ctx).Error("checkout_failed", logging.Err(err))
			http.Error(w, "checkout unavailable", http.StatusBadGateway)
			return
		}
		logging.FromContext(ctx).Info("checkout_done", zap.String("order_id", order.GetOrderId()))
		_, _ = fmt.Fprintf(w, "order %s: %d items reserved\n", order.GetOrderId(), order.GetReserved())
	})
	return mux
}

type checkoutService struct {
	shoppb.UnimplementedCheckoutServer
	inventory shoppb.InventoryClient
}

func (s checkoutService) PlaceOrder(ctx context.Context, req *shoppb.PlaceOrderRequest) (*shoppb.PlaceOrderReply, error) {
	log := logging.FromContext(ctx)
	log.Info("order_placing", zap.String("cart_id", req.GetCartId()))
	res, err := s.inventory.Reserve(ctx, &shoppb.ReserveRequest{CartId: req.GetCartId()})
	if err != nil {
		return nil, err // the status of Inventory's answer goes back as it is
	}
	order := "order-" + req.GetCartId()
	log.Info("order_placed", zap.String("order_id", order), zap.Int32("reserved", res.GetReserved()))
	return &shoppb.PlaceOrderReply{OrderId: order, Reserved: res.GetReserved()}, nil
}

type inventoryService struct {
	shoppb.UnimplementedInventoryServer
}

func (inventoryService) Reserve(ctx context.Context, req *shoppb.ReserveRequest) (*shoppb.ReserveReply, error) {
	logging.FromContext(ctx).Info("items_reserved", zap.String("cart_id", req.GetCartId()), zap.Int("items", 3))
	return &shoppb.ReserveReply{Reserved: 3}, nil
}
