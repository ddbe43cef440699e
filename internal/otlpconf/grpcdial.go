package otlpconf

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// minConnectTimeout bounds one connection attempt (gRPC's default). The
// attempts follow the reconnect schedule (reconnect.go) instead of gRPC's
// curve (1 s, ×1.6, up to 120 s), so that after an outage of any length
// the connection is back within about a second of the collector.
const minConnectTimeout = 20 * time.Second

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
				Multiplier: reconnectMultiplier,
				Jitter:     reconnectJitter,
				MaxDelay:   maxReconnectDelay,
			},
			MinConnectTimeout: minConnectTimeout,
		}),
		grpc.WithDefaultCallOptions(grpc.WaitForReady(true)),
	}
}
