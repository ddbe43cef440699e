package reqscope

import (
	"sync/atomic"
	"time"
)

// inFlight counts the requests and RPCs httpmw and grpcmw are serving in
// this process, from before their span starts to after their span ended
// and their access line was written; hijacked, those among them whose
// connection the handler took over (a WebSocket), which a server's
// graceful shutdown neither waits for nor closes.
var inFlight, hijacked atomic.Int64

// Enter notes a request that started; Leave one whose telemetry is done.
func Enter() { inFlight.Add(1) }

// Leave notes a request whose span ended and access line was written.
func Leave() { inFlight.Add(-1) }

// Hijack notes that a request in flight took its connection over;
// LeaveHijacked, called as well as Leave, that it is done.
func Hijack() { hijacked.Add(1) }

// LeaveHijacked notes that a request Hijack noted is done.
func LeaveHijacked() { hijacked.Add(-1) }

// InFlight returns the number of requests whose telemetry is not done.
func InFlight() int64 { return inFlight.Load() }

// WaitIdle waits, at most d, for no request to be in flight, and returns
// how many still are.
func WaitIdle(d time.Duration) int64 { return waitZero(&inFlight, d) }

// WaitHijackedIdle waits, at most d, for no hijacked request to be in
// flight, and returns how many still are: after a graceful shutdown that
// finished, the only requests of its server that may still run.
func WaitHijackedIdle(d time.Duration) int64 { return waitZero(&hijacked, d) }

func waitZero(n *atomic.Int64, d time.Duration) int64 {
	end := time.Now().Add(d)
	for {
		v := n.Load()
		if v <= 0 || !time.Now().Before(end) {
			return max(v, 0)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
