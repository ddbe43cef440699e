package otlpconf

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// Reconnect backoff of the OTLP/gRPC exporters' connection: gRPC's own
// curve (1 s, ×1.6, ±20 %) capped at maxReconnectDelay instead of gRPC's
// 120 s, so that after an outage of any length the connection is back
// within a few seconds of the collector.
const (
	reconnectBaseDelay = time.Second
	maxReconnectDelay  = 5 * time.Second
	minConnectTimeout  = 20 * time.Second // gRPC's default
)

// grpcDialOptions are the dial options every OTLP/gRPC exporter gets.
//
// WaitForReady makes an export wait for the connection (bounded by the
// export's context: OTEL_EXPORTER_OTLP_TIMEOUT) instead of failing at once
// with Unavailable while the channel reconnects. Without it, an export that
// meets a restarting collector fails fast and the SDK backs off 2.5–7.5 s
// before it tries again, however soon the collector is back; meanwhile the
// batch processor's queue fills and drops. With it, the batch leaves as soon
// as the connection is ready again. A collector that stays down costs the
// same as before: the SDK retried Unavailable until that deadline anyway,
// and the error still names the last connection failure.
func grpcDialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  reconnectBaseDelay,
				Multiplier: backoff.DefaultConfig.Multiplier,
				Jitter:     backoff.DefaultConfig.Jitter,
				MaxDelay:   maxReconnectDelay,
			},
			MinConnectTimeout: minConnectTimeout,
		}),
		grpc.WithDefaultCallOptions(grpc.WaitForReady(true)),
	}
}
