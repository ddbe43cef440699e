package otlpconf

import (
	"math/rand/v2"
	"time"
)

// The reconnect schedule of the OTLP exporters: how soon an export that
// cannot reach the collector tries again. The gRPC channel reconnects on
// it (grpcDialOptions) and the HTTP transport waits on it
// (retryConnTransport). The first retry comes after 100 ms, each next one
// 1.6 times later, at most about a second apart, each ±20 %: a collector
// back from a restart is reached within about a second, before a default
// span queue (2048) fills at 1000 spans/s, and one that stays down costs a
// dial a second.
const (
	reconnectBaseDelay  = 100 * time.Millisecond
	reconnectMultiplier = 1.6
	reconnectJitter     = 0.2
	maxReconnectDelay   = time.Second
)

// reconnectWaits yields the waits of the schedule, one retry after
// another. The zero value starts at the first.
type reconnectWaits struct{ d time.Duration }

func (w *reconnectWaits) next() time.Duration {
	if w.d == 0 {
		w.d = reconnectBaseDelay
	}
	wait := time.Duration(float64(w.d) * (1 + reconnectJitter*(2*rand.Float64()-1)))
	w.d = min(time.Duration(float64(w.d)*reconnectMultiplier), maxReconnectDelay)
	return wait
}
