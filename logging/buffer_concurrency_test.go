package logging_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

const concurrentRequests = 64

// The process-wide bound holds under 64 concurrent requests: while they
// all hold their lines, the bytes held never pass it; lines past it are
// not kept, and every line is accounted for, on the access lines and in
// the process's counts.
func TestBufferTotalCapUnder64ConcurrentRequests(t *testing.T) {
	const total, perRequest = 64 << 10, 30
	l, buf := bufLogger(t, logging.WithBufferLimits(logging.BufferLimits{TotalBytes: total}))
	before := logging.BufferStatsNow()
	pad := strings.Repeat("p", 200)
	var written, release sync.WaitGroup
	written.Add(concurrentRequests)
	release.Add(1)
	var done sync.WaitGroup
	for i := 0; i < concurrentRequests; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			r := begin(context.Background(), l.Zap(), "r"+strconv.Itoa(i), nil)
			for j := 0; j < perRequest; j++ {
				r.log().Debug("d", zap.Int("j", j), zap.String("pad", pad))
			}
			written.Done()
			release.Wait()
			r.end(reqscope.ServerError)
		}()
	}
	written.Wait()
	held := statsDelta(before).HeldBytes
	release.Done()
	done.Wait()

	d := statsDelta(before)
	if held > total || held < total/2 {
		t.Errorf("held %d bytes with every request full, bound %d", held, total)
	}
	if d.Buffered+d.OverCap != concurrentRequests*perRequest || d.OverCap == 0 || d.Flushed != d.Buffered || d.Lost != d.OverCap || d.HeldBytes != 0 {
		t.Errorf("counts %+v", d)
	}
	var flushed, overCap int
	for _, a := range byMsg(t, buf, "test_request") {
		flushed += atoi(a["debug_flushed"])
		overCap += atoi(a["debug_over_cap"])
	}
	if uint64(flushed) != d.Flushed || uint64(overCap) != d.OverCap || len(byMsg(t, buf, "d")) != flushed {
		t.Errorf("access lines: %d flushed, %d over the cap; counts %+v", flushed, overCap, d)
	}
}

func atoi(v any) int {
	n, _ := strconv.Atoi(fmt.Sprint(v))
	return n
}

// No line of one request ever appears in another's flush: 64 concurrent
// requests, each writing from two goroutines, half of them failing.
func TestBufferNoLineCrossesRequests(t *testing.T) {
	forBufferingBases(t, func(t *testing.T, base *zap.Logger, buf *syncBuffer) {
		const perWriter = 25
		var wg sync.WaitGroup
		for i := 0; i < concurrentRequests; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := "r" + strconv.Itoa(i)
				r := begin(context.Background(), base, id, nil)
				var writers sync.WaitGroup
				for w := 0; w < 2; w++ {
					writers.Add(1)
					go func() {
						defer writers.Done()
						for j := 0; j < perWriter; j++ {
							r.log().Debug("d", zap.String("own", id), zap.Int("w", w), zap.Int("j", j))
						}
					}()
				}
				writers.Wait()
				if i%2 == 0 {
					r.log().Error("failed", zap.String("own", id))
				}
				r.end(reqscope.Succeeded)
			}()
		}
		wg.Wait()
		checkOwnLines(t, buf, perWriter)
	})
}

// checkOwnLines checks that every buffered line is its request's, that the
// failed (even-numbered) requests wrote all of theirs in each writer's
// order, and the others none.
func checkOwnLines(t *testing.T, buf *syncBuffer, perWriter int) {
	t.Helper()
	next := map[string]int{} // request/writer -> next j
	count := map[string]int{}
	for _, line := range buf.Lines() {
		m := decode(t, line)
		if m["msg"] != "d" {
			continue
		}
		own := m["own"].(string)
		if m["request_id"] != own || m["buffered"] != true {
			t.Fatalf("a line of %s in the flush of %v: %s", own, m["request_id"], line)
		}
		if n, _ := strconv.Atoi(own[1:]); n%2 != 0 {
			t.Fatalf("a line of %s, which ended well, was written: %s", own, line)
		}
		key := own + "/" + fmt.Sprint(m["w"])
		if j := atoi(m["j"]); j != next[key] {
			t.Fatalf("%s: line %d after %d", key, j, next[key]-1)
		}
		next[key]++
		count[own]++
	}
	if len(count) != concurrentRequests/2 {
		t.Errorf("%d requests flushed, want %d", len(count), concurrentRequests/2)
	}
	for own, n := range count {
		if n != 2*perWriter {
			t.Errorf("%s: %d lines flushed, want %d", own, n, 2*perWriter)
		}
	}
}
