package logging_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/tracing"
)

// The service logs at info and buffers debug lines per request: the
// request that ends well prints nothing of them, the one that fails (a 500)
// prints its debug line, marked, when it ends.
func ExampleWithBufferLevel() {
	l := exampleLogger(logging.WithBufferLevel(zapcore.DebugLevel))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Debug("cache_lookup", zap.String("order_id", r.PathValue("id")), zap.Bool("hit", false))
		if r.PathValue("id") == "0" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	h := httpmw.Handler(mux, httpmw.WithLogger(l.Zap()), httpmw.WithoutAccessLog())
	for _, id := range []string{"42", "0"} {
		r := httptest.NewRequest("GET", "/orders/"+id, nil)
		r.Header.Set("X-Request-ID", "req-"+id)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	// Output:
	// {"time":"2025-01-02T03:04:05.600000000Z","level":"debug","msg":"cache_lookup","request_id":"req-0","method":"GET","path":"/orders/0","route":"/orders/{id}","order_id":"0","hit":false,"buffered":true}
}

// A worker buffers each job under the span tracing.Start opens for it: the
// job that fails prints its debug line when its span ends with the error.
func ExampleWithBuffer() {
	l := exampleLogger(logging.WithBufferLevel(zapcore.DebugLevel))
	ctx := logging.WithBuffer(logging.NewContext(context.Background(), l.Zap()))
	process := func(job string) (err error) {
		ctx, span := tracing.Start(ctx, "process_job")
		defer tracing.End(span, &err)
		logging.FromContext(ctx).Debug("job_started", zap.String("job", job))
		if job == "b" {
			return errors.New("bad input")
		}
		return nil
	}
	for _, job := range []string{"a", "b", "c"} {
		_ = process(job)
	}
	// Output:
	// {"time":"2025-01-02T03:04:05.600000000Z","level":"debug","msg":"job_started","job":"b","buffered":true}
}
