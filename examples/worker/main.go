// Command worker shows otelkit in a job that is not an HTTP server: a loop
// over queue messages. The producer injects the trace context into each
// message's headers; the consumer extracts it, so every message gets a
// consumer span in the producer's trace, log lines that carry it, and
// metrics.
//
//	go run ./examples/worker            # process a few messages and exit
//	go run ./examples/worker -n 100
//
// Unlike the quick start, it exports over OTLP to the SDK's default
// endpoint, https://localhost:4318, unless told otherwise. With no
// collector there the exports fail (otel_sdk_error, telemetry_dropped
// lines), and the program waits for them to time out before it exits.
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
	"os/signal"
	"syscall"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
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
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tel.Shutdown(sctx)
	}()

	meter := tel.MeterProvider().Meter("github.com/otelkit/otelkit/examples/worker")
	processed, err := meter.Int64Counter("worker.messages.processed", metric.WithUnit("{message}"),
		metric.WithDescription("Messages handled, by outcome."))
	if err != nil {
		return err
	}
	duration, err := meter.Float64Histogram("worker.message.duration", metric.WithUnit("s"),
		metric.WithDescription("Time to handle one message."))
	if err != nil {
		return err
	}

	queue := make(chan Message, *n)
	for i := 1; i <= *n; i++ {
		queue <- produce(ctx, fmt.Sprintf("msg-%04d", i), fmt.Sprintf("order %d", i))
	}
	close(queue)

	for msg := range queue {
		start := time.Now()
		err := consume(ctx, msg)
		outcome := "ok"
		if err != nil {
			outcome = "failed"
		}
		attrs := metric.WithAttributes(attribute.String("outcome", outcome))
		processed.Add(ctx, 1, attrs)
		duration.Record(ctx, time.Since(start).Seconds(), attrs)
	}
	tel.Logger().Info("worker_done", zap.Int("messages", *n))
	return nil
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
