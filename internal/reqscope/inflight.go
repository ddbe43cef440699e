package reqscope

import (
	"net/http"
	"sync"
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
		v := inFlight.Load()
		if v <= 0 || !time.Now().Before(end) {
			return max(v, 0)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// hijacked counts, per server, the requests in flight whose connection
// the handler took over (a WebSocket), which a server's graceful shutdown
// neither waits for nor closes. Kept apart from inFlight, and per server,
// so that Run waits only for those of the servers it serves: a server it
// does not serve (a debug server, a test's) is not its business. A map
// under a lock is fine here: only a request that hijacks pays for it;
// every other request pays nothing at all. ended is closed, and replaced,
// whenever a count goes down, for WaitHijackedIdle.
var hijacked struct {
	sync.Mutex
	n     map[*http.Server]int64
	ended chan struct{}
}

// Hijack notes that a request of srv (the *http.Server under
// http.ServerContextKey in its context; nil when there is none) took its
// connection over; LeaveHijacked, called with the same srv as well as
// Leave, notes that it is done.
func Hijack(srv *http.Server) {
	hijacked.Lock()
	defer hijacked.Unlock()
	if hijacked.n == nil {
		hijacked.n = make(map[*http.Server]int64)
	}
	hijacked.n[srv]++
}

// LeaveHijacked notes that a request Hijack noted for srv is done.
func LeaveHijacked(srv *http.Server) {
	hijacked.Lock()
	defer hijacked.Unlock()
	if hijacked.n[srv]--; hijacked.n[srv] <= 0 {
		delete(hijacked.n, srv) // no server outlives its last hijacked request here
	}
	if hijacked.ended != nil {
		close(hijacked.ended)
		hijacked.ended = nil
	}
}

// WaitHijackedIdle waits, at most d, for no hijacked request of the
// servers srvs to be in flight, and returns how many still are: after a
// graceful shutdown of those servers that finished, the only requests of
// theirs that may still run. Those of other servers are not counted.
func WaitHijackedIdle(srvs []*http.Server, d time.Duration) int64 {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		n, changed := hijackedOf(srvs)
		if n == 0 {
			return 0
		}
		select {
		case <-changed:
		case <-timer.C:
			n, _ = hijackedOf(srvs)
			return n
		}
	}
}

// hijackedOf returns how many hijacked requests srvs have in flight, and
// a channel closed when one of any server ends.
func hijackedOf(srvs []*http.Server) (int64, <-chan struct{}) {
	hijacked.Lock()
	defer hijacked.Unlock()
	var n int64
	for _, s := range srvs {
		n += hijacked.n[s]
	}
	if n == 0 {
		return 0, nil
	}
	if hijacked.ended == nil {
		hijacked.ended = make(chan struct{})
	}
	return n, hijacked.ended
}
