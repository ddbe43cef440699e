package faults

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/testcollector"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

func TestExpRestart(t *testing.T) {
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		t.Run(protocol, func(t *testing.T) {
			col := testcollector.Start(t)
			ep := col.HTTPEndpoint()
			if protocol == protoGRPC {
				ep = "http://" + col.GRPCEndpoint()
			}
			tel := initWith(t, ep, protocol, 10*time.Second, otel.WithMetricsExporter("none"))
			mux := http.NewServeMux()
			mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
				logging.FromContext(r.Context()).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
			})
			h := httpmw.Handler(mux, httpmw.WithTracerProvider(tel.TracerProvider()), httpmw.WithLogger(tel.Logger()), httpmw.WithoutAccessLog())
			tracer := tel.TracerProvider().Tracer("heavy")
			var sent atomic.Int64
			rate := 40
			if protocol == protoGRPC {
				rate = 2000
			}
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				tick := time.NewTicker(time.Second / 40)
				defer tick.Stop()
				i := 0
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					if protocol == protoGRPC {
						for range rate / 40 {
							_, s := tracer.Start(context.Background(), "heavy")
							s.End()
							sent.Add(1)
						}
						continue
					}
					i++
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest("GET", "/orders/"+strconv.Itoa(i), nil))
					sent.Add(1)
				}
			}()
			time.Sleep(time.Second)
			col.Stop(t)
			t0 := time.Now()
			time.Sleep(2 * time.Second)
			col.Restart(t)
			fmt.Println("down", time.Since(t0))
			time.Sleep(2 * time.Second)
			close(stop)
			<-done
			n := int(sent.Load())
			for i := 0; i < 30; i++ {
				spans, _ := col.Spans()
				logs, _ := col.Logs()
				fmt.Printf("%s t+%ds sent %d spans %d logs %d\n", protocol, i, n, len(spans), len(logs))
				if len(spans) >= n {
					break
				}
				time.Sleep(time.Second)
			}
			fmt.Printf("health %+v\n", tel.Health().Export)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			fmt.Println("shutdown", tel.Shutdown(ctx))
			spans, _ := col.Spans()
			logs, _ := col.Logs()
			fmt.Printf("%s after shutdown: sent %d spans %d logs %d\n", protocol, n, len(spans), len(logs))
		})
	}
}
