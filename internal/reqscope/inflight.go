package reqscope

import (
	"sync/atomic"
	"time"
)

// inFlight counts the requests and RPCs httpmw and grpcmw are serving in
// this process, from before their span starts to after their span ended
// and their access line was written.
var inFlight atomic.Int64

// Enter notes a request that started; Leave one whose telemetry is done.
func Enter() { inFlight.Add(1) }

// Leave notes a request whose span ended and access line was written.
func Leave() { inFlight.Add(-1) }

// InFlight returns the number of requests whose telemetry is not done.
func InFlight() int64 { return inFlight.Load() }

// WaitIdle waits, at most d, for no request to be in flight, and returns
// how many still are.
func WaitIdle(d time.Duration) int64 {
	end := time.Now().Add(d)
	for {
		n := inFlight.Load()
		if n <= 0 || !time.Now().Before(end) {
			return max(n, 0)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
