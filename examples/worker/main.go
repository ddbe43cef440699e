// Command worker shows otelkit in a job that is not an HTTP server: a loop
// over queue messages. The producer injects the trace context into each
// message's headers; the consumer extracts it, so every message gets a
// consumer span in the producer's trace, log lines that carry it, and
// metrics.
//
//	go run ./examples/worker            # process a few messages and exit
//	go run ./examples/worker -n 100
//
// It runs its consumer loop through tel.Run, as a service runs its HTTP
// server: on SIGTERM or Ctrl-C it stops taking messages, finishes the one
// in hand, then flushes the telemetry, and it exits with status 1 when
// that flush fails (telemetry lost).
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
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
	"github.com/otelkit/otelkit/tracing"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

// Message is what travels on the queue: the payload and headers that carry
// the trace context (traceparent, baggage) from producer to consumer.
type Message struct {
	ID      string
	Headers map[string]string
	Body    string
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(out)
	n := fs.Int("n", 5, "number of messages to produce and process")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *n > 100000 {
		return fmt.Errorf("-n %d: allowed: 1 to 100000", *n)
	}
	tel, err := otel.Init(ctx, otel.WithServiceName("worker"), otel.WithLogOutput(zapcore.AddSync(out)))
	if err != nil {
		return err
	}
	queue := make(chan Message, *n)
	for i := 1; i <= *n; i++ {
		queue <- produce(ctx, fmt.Sprintf("msg-%04d", i), fmt.Sprintf("order %d", i))
	}
	close(queue)
	return consumeQueue(ctx, tel, queue)
}

// consumeQueue consumes queue until it is closed and empty, SIGTERM or
// SIGINT, or ctx is done; then it lets the message in hand finish and
// flushes and shuts down tel. Its error includes a failed flush: telemetry
// was lost.
func consumeQueue(ctx context.Context, tel *otel.Telemetry, queue <-chan Message) error {
	w, err := newWorker(ctx, tel, queue)
	if err != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return errors.Join(err, tel.Shutdown(sctx))
	}
	return tel.Run(ctx, w)
}

// worker consumes the queue as an otel.Server, so that tel.Run stops it
// gracefully: Shutdown stops it taking messages and waits for the one in
// hand.
type worker struct {
	ctx       context.Context // values only: a message in hand is finished after a stop
	log       *zap.Logger
	processed metric.Int64Counter
	duration  metric.Float64Histogram
	queue     <-chan Message

	mu      sync.Mutex
	serving bool          // Serve has begun
	stop    chan struct{} // closed by Shutdown
	done    chan struct{} // closed when Serve returns
}

func newWorker(ctx context.Context, tel *otel.Telemetry, queue <-chan Message) (*worker, error) {
	meter := tel.MeterProvider().Meter("github.com/otelkit/otelkit/examples/worker")
	processed, err := meter.Int64Counter("worker.messages.processed", metric.WithUnit("{message}"),
		metric.WithDescription("Messages handled, by outcome."))
	if err != nil {
		return nil, err
	}
	duration, err := meter.Float64Histogram("worker.message.duration", metric.WithUnit("s"),
		metric.WithDescription("Time to handle one message."))
	if err != nil {
		return nil, err
	}
	return &worker{ctx: context.WithoutCancel(ctx), log: tel.Logger(), processed: processed, duration: duration, queue: queue,
		stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// Serve consumes messages until the queue is empty or Shutdown is called.
func (w *worker) Serve() error {
	w.mu.Lock()
	select {
	case <-w.stop: // Shutdown came first
		w.mu.Unlock()
		return nil
	default:
	}
	w.serving = true
	w.mu.Unlock()
	defer close(w.done)
	handled := 0
	for {
		// The stop is looked at before each message, so none is taken after it.
		if w.stopping() {
			w.log.Info("worker_stopped", zap.Int("messages", handled), zap.Int("left_in_queue", len(w.queue)))
			return nil
		}
		select {
		case <-w.stop: // seen at the top of the loop
		case msg, ok := <-w.queue:
			if !ok {
				w.log.Info("worker_done", zap.Int("messages", handled))
				return nil
			}
			w.handle(msg)
			handled++
		}
	}
}

func (w *worker) stopping() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

// Shutdown stops taking messages and waits for the one in hand, at most
// until ctx is done.
func (w *worker) Shutdown(ctx context.Context) error {
	w.mu.Lock()
	if !w.stopping() {
		close(w.stop)
	}
	serving := w.serving
	w.mu.Unlock()
	if !serving {
		return nil
	}
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// handle consumes one message and records its outcome and duration.
func (w *worker) handle(msg Message) {
	start := time.Now()
	err := consume(w.ctx, msg)
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	attrs := metric.WithAttributes(attribute.String("outcome", outcome))
	w.processed.Add(w.ctx, 1, attrs)
	w.duration.Record(w.ctx, time.Since(start).Seconds(), attrs)
}

// produce starts a producer span and carries it in the message headers.
func produce(ctx context.Context, id, body string) Message {
	ctx, span := tracing.Start(ctx, "orders publish", trace.WithSpanKind(trace.SpanKindProducer))
	defer span.End()
	msg := Message{ID: id, Headers: map[string]string{}, Body: body}
	tracing.Inject(ctx, msg.Headers)
	logging.FromContext(ctx).Info("message_published", zap.String("message_id", id))
	return msg
}

var errPoison = errors.New("poison message")

// consume continues the producer's trace from the headers, with a consumer
// span and the message ID bound into every log line.
func consume(ctx context.Context, msg Message) (err error) {
	ctx = tracing.Extract(ctx, msg.Headers)
	ctx, span := tracing.Start(ctx, "orders process", trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attribute.String("messaging.message.id", msg.ID)))
	defer tracing.End(span, &err)
	ctx = logging.With(ctx, zap.String("message_id", msg.ID))
	log := logging.FromContext(ctx)
	if msg.ID == "msg-0003" {
		err = fmt.Errorf("handle %s: %w", msg.ID, errPoison)
		log.Error("message_failed", logging.Err(err))
		return err
	}
	log.Info("message_processed", zap.String("body", msg.Body))
	return nil
}
