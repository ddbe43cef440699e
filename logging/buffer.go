package logging

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Per-request log buffering (see the package documentation). A request
// bound with buffering on (request.go; or a unit of work, bufferunit.go)
// gets a reqBuffer, which every core derived from the request's logger
// shares. A line below the logger's level but at or above the buffer level
// is then kept in the buffer as its entry (time, caller) and its fields,
// captured at once (capture.go: what a field writes cannot change later),
// with the marker field last. When the request goes wrong (an error line,
// the end of a failed or slow request) the kept lines are written in
// order by the cores that took them, and from then on such lines are
// written at once; when it ends well they are dropped without ever being
// encoded, which is what makes a dropped line cheaper than a written one.
// The request's own bounds evict its oldest lines; the process-wide bound
// (bufStats.held against the policy's total) turns new lines away.
// Everything lost or dropped is counted, per request (on the access line)
// and per process (BufferStatsNow).

// BufferedKey is the marker field, true, on every line written from a
// request's buffer (or, once the request has gone wrong, instead of into
// it).
const BufferedKey = "buffered"

var bufferedMarker = zap.Bool(BufferedKey, true)

// Keys of the counts the access line of a request carries (each only when
// it is not zero).
const (
	keyDebugDropped = "debug_dropped"  // ended well: lines not written (kept, evicted or over the cap)
	keyDebugFlushed = "debug_flushed"  // went wrong: lines written from the buffer or after
	keyDebugEvicted = "debug_evicted"  // went wrong: oldest lines lost to the request's bounds
	keyDebugOverCap = "debug_over_cap" // went wrong: lines lost to the process-wide bound
)

// BufferStats counts, since the process started, what per-request log
// buffering did with the lines it took (all requests of the process, one
// set of counts). Dropped lines are dropped by design: their request ended
// well. Evicted and OverCap lines are not kept; for a request that then
// goes wrong they are lost, and counted again in Lost, as are the lines of
// a request that never ended (its transport did not end it).
type BufferStats struct {
	Buffered  uint64 `json:"buffered"`   // lines kept in a request's buffer
	Flushed   uint64 `json:"flushed"`    // lines written because their request went wrong (from the buffer, or at once after)
	Dropped   uint64 `json:"dropped"`    // lines dropped because their request ended well (also those written after it ended)
	Evicted   uint64 `json:"evicted"`    // oldest lines pushed out by a request's bounds
	OverCap   uint64 `json:"over_cap"`   // lines not kept: the process-wide bound was reached
	Lost      uint64 `json:"lost"`       // evicted or over-cap lines of requests that went wrong; lines of requests never ended
	HeldBytes int64  `json:"held_bytes"` // memory kept lines hold now (an estimate: entries and captured fields)
}

var bufStats struct {
	buffered, flushed, dropped, evicted, overCap, lost atomic.Uint64
	held                                               atomic.Int64
}

// BufferStatsNow returns the process's buffering counts, for a health view.
func BufferStatsNow() BufferStats {
	// Loaded in the reverse of the order a line's counts are added (kept,
	// then evicted, over the cap, flushed or dropped, then lost, then its
	// bytes given back), so that a snapshot never shows a count without
	// what it counts (Lost without its Evicted/OverCap, bytes back without
	// the lines counted as lost).
	var s BufferStats
	s.HeldBytes = bufStats.held.Load()
	s.Lost = bufStats.lost.Load()
	s.Flushed = bufStats.flushed.Load()
	s.Dropped = bufStats.dropped.Load()
	s.OverCap = bufStats.overCap.Load()
	s.Evicted = bufStats.evicted.Load()
	s.Buffered = bufStats.buffered.Load()
	return s
}

// bufState is where a request's buffer stands.
type bufState uint32

const (
	bufOpen    bufState = iota // lines are kept
	bufFlushed                 // the request went wrong: lines are written at once
	bufDropped                 // the request ended well: lines are dropped
)

// reqBuffer is one request's buffer. A core New builds with buffering on
// holds one that only carries the policy (policyBuffer) and takes nothing,
// so a core needs one pointer for both.
type reqBuffer struct {
	pol        *bufferPolicy
	from       zapcore.Level // the lowest level taken: pol.level, or ErrorLevel (nothing) for policyOnly
	policyOnly bool
	state      atomic.Uint32 // bufState; changed under mu, read without it as a hint

	mu    sync.Mutex
	st    *bufStore   // nil until the first line
	held  int         // bytes taken from the process-wide bound
	acct  *bufAccount // held and the lines kept, for a request that never ends
	n     bufCounts   // so far
	final bufFinal    // at the request's end, for its access line
}

// bufAccount mirrors what a reqBuffer holds, apart from it, so that a
// cleanup can give the bytes back to the process-wide bound when a request
// is never ended (a transport that does not call End, a unit whose span is
// never ended) and its buffer is collected: otherwise the bound would
// shrink for good. Its lines are counted as lost.
type bufAccount struct{ bytes, lines atomic.Int64 }

func abandon(a *bufAccount) {
	// The lines are counted as lost before their bytes come back, and
	// BufferStatsNow loads HeldBytes first: held bytes back means the
	// lines are counted.
	if n := a.lines.Swap(0); n > 0 {
		bufStats.lost.Add(uint64(n))
	}
	if b := a.bytes.Swap(0); b > 0 {
		release(int(b))
	}
}

type bufCounts struct{ dropped, flushed, evicted, overCap int }

func newReqBuffer(p *bufferPolicy) *reqBuffer { return &reqBuffer{pol: p, from: p.level} }

// policyBuffer returns the buffer a core New builds holds for policy p:
// it takes no line. nil when buffering is off.
func policyBuffer(p *bufferPolicy) *reqBuffer {
	if p == nil {
		return nil
	}
	return &reqBuffer{pol: p, from: zapcore.ErrorLevel, policyOnly: true}
}

// policy returns rb's policy (nil for a nil rb).
func (rb *reqBuffer) policy() *bufferPolicy {
	if rb == nil {
		return nil
	}
	return rb.pol
}

// takes reports whether a line at level l goes to rb when the logger's
// level would not write it: at or above the buffer level and below error
// (an error line is a trigger, never buffered). A nil rb takes nothing.
func (rb *reqBuffer) takes(l zapcore.Level) bool {
	return rb != nil && l >= rb.from && l < zapcore.ErrorLevel
}

// dropping reports whether rb already drops every line (its request ended
// well), so the caller need not encode one.
func (rb *reqBuffer) dropping() bool {
	if bufState(rb.state.Load()) != bufDropped {
		return false
	}
	bufStats.dropped.Add(1)
	return true
}

// bufLine is one kept line: its entry (time, level, message, caller), its
// fields as captured when it was written (store.fields[off:off+n], the
// first own of them the request's, the marker last), and the core that took
// it and writes it if it is flushed.
type bufLine struct {
	ent         zapcore.Entry
	w           lineWriter
	off, n, own int
	size        int
}

// lineWriter writes a kept line: the core that took it, as it would have
// written the line at once (output, OTLP bridge).
type lineWriter interface {
	// writeKept writes the line; the first own fields are the request's
	// (the line's own keys), the rest the call's.
	writeKept(ent zapcore.Entry, fields []zapcore.Field, own int)
}

// lineOverhead is what a kept line costs besides its fields (capture.go
// estimates those): the entry and its bookkeeping.
const lineOverhead = 192

// lineSize estimates the memory a kept line holds.
func lineSize(ent zapcore.Entry, fieldBytes int) int {
	return lineOverhead + len(ent.Message) + len(ent.LoggerName) + len(ent.Stack) + fieldBytes
}

// keep takes one line, whose fields are captured (capture.go) and stay the
// caller's: kept while rb is open, written at once after the request went
// wrong, dropped after it ended well.
func (rb *reqBuffer) keep(ent zapcore.Entry, w lineWriter, fields []zapcore.Field, own, size int) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	switch bufState(rb.state.Load()) {
	case bufFlushed:
		rb.n.flushed++
		bufStats.flushed.Add(1)
		w.writeKept(ent, fields, own)
		return
	case bufDropped:
		bufStats.dropped.Add(1)
		return
	}
	if size > rb.pol.maxBytes {
		rb.n.evicted++ // larger than the whole buffer
		bufStats.evicted.Add(1)
		return
	}
	if rb.st == nil {
		rb.st = getStore()
		if rb.acct == nil {
			rb.acct = &bufAccount{}
			runtime.AddCleanup(rb, abandon, rb.acct)
		}
	}
	for rb.st.live() > 0 && (rb.st.live() >= rb.pol.maxLines || rb.held+size > rb.pol.maxBytes) {
		rb.evictOldest()
	}
	if !reserve(size, rb.pol.total) {
		rb.n.overCap++
		bufStats.overCap.Add(1)
		return
	}
	rb.held += size
	rb.acct.bytes.Add(int64(size))
	rb.acct.lines.Add(1)
	rb.st.push(ent, w, fields, own, size)
	bufStats.buffered.Add(1)
}

// evictOldest drops the oldest kept line. rb.mu is held.
func (rb *reqBuffer) evictOldest() {
	l := rb.st.popOldest()
	rb.held -= l.size
	rb.acct.bytes.Add(-int64(l.size))
	rb.acct.lines.Add(-1)
	release(l.size)
	rb.n.evicted++
	bufStats.evicted.Add(1)
}

// reserve takes size bytes from the process-wide bound total, or reports
// that they would exceed it.
func reserve(size int, total int64) bool {
	if bufStats.held.Add(int64(size)) > total {
		bufStats.held.Add(-int64(size))
		return false
	}
	return true
}

func release(size int) { bufStats.held.Add(-int64(size)) }

// releaseAll gives back every byte rb holds. rb.mu is held.
func (rb *reqBuffer) releaseAll() {
	release(rb.held)
	rb.held = 0
	rb.acct.bytes.Store(0)
	rb.acct.lines.Store(0)
}

// flush writes the kept lines in order, once: the request went wrong. Lines
// taken later are written at once. The lock is held while writing, so a
// line another goroutine of the request writes meanwhile comes after them.
// Write errors are the output's; the line that triggered the flush meets
// them too and reports them.
func (rb *reqBuffer) flush() {
	rb.mu.Lock()
	rb.flushLocked()
	rb.mu.Unlock()
}

func (rb *reqBuffer) flushLocked() {
	if bufState(rb.state.Load()) != bufOpen {
		return
	}
	rb.state.Store(uint32(bufFlushed))
	if lost := rb.n.evicted + rb.n.overCap; lost > 0 {
		bufStats.lost.Add(uint64(lost))
	}
	st := rb.st
	if st == nil {
		return
	}
	rb.st = nil
	n := st.live()
	st.writeAll()
	rb.releaseAll()
	rb.n.flushed += n
	bufStats.flushed.Add(uint64(n))
	st.free()
}

// dropLocked drops the kept lines, once: the request ended well. rb.mu is
// held.
func (rb *reqBuffer) dropLocked() {
	if bufState(rb.state.Load()) != bufOpen {
		return
	}
	rb.state.Store(uint32(bufDropped))
	n := 0
	if st := rb.st; st != nil {
		rb.st = nil
		n = st.live()
		rb.releaseAll()
		st.free()
		bufStats.dropped.Add(uint64(n))
	}
	rb.n.dropped += n + rb.n.evicted + rb.n.overCap
}

// end ends the request: its lines are written when it failed or took
// longer than the policy's slow threshold, else dropped. It returns the
// access line's own fields, line's then the counts (line itself when
// there are no counts), and whether the lines were written. A nil rb
// (buffering off) returns line, false.
func (rb *reqBuffer) end(failed bool, elapsed time.Duration, line zapcore.ObjectMarshaler) (zapcore.ObjectMarshaler, bool) {
	if rb == nil {
		return line, false
	}
	rb.mu.Lock()
	if failed || elapsed > rb.pol.slow {
		rb.flushLocked()
	} else {
		rb.dropLocked()
	}
	flushed := bufState(rb.state.Load()) == bufFlushed
	if flushed {
		rb.final.counts = bufCounts{flushed: rb.n.flushed, evicted: rb.n.evicted, overCap: rb.n.overCap}
	} else {
		rb.final.counts = bufCounts{dropped: rb.n.dropped}
	}
	rb.mu.Unlock()
	if rb.final.counts == (bufCounts{}) || line == nil {
		return line, flushed
	}
	rb.final.line = line
	return &rb.final, flushed
}

// bufFinal is a request's access line fields: the transport's line, then
// the counts.
type bufFinal struct {
	line   zapcore.ObjectMarshaler
	counts bufCounts
}

func (f *bufFinal) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	err := f.line.MarshalLogObject(enc)
	c := f.counts
	for _, kv := range [...]struct {
		k string
		v int
	}{{keyDebugDropped, c.dropped}, {keyDebugFlushed, c.flushed}, {keyDebugEvicted, c.evicted}, {keyDebugOverCap, c.overCap}} {
		if kv.v > 0 {
			enc.AddInt(kv.k, kv.v)
		}
	}
	return err
}

// bufStore holds a request's kept lines, oldest first from lines[head],
// and their fields in one slab. Stores are pooled.
type bufStore struct {
	lines  []bufLine
	head   int
	fields []zapcore.Field
}

// Stores larger than this go to the garbage collector, not the pool.
const (
	maxPooledSlab  = 1024
	maxPooledLines = 256
)

var storePool = sync.Pool{New: func() any {
	return &bufStore{lines: make([]bufLine, 0, 16), fields: make([]zapcore.Field, 0, 128)}
}}

func getStore() *bufStore { return storePool.Get().(*bufStore) }

func (s *bufStore) free() {
	if cap(s.fields) > maxPooledSlab || cap(s.lines) > maxPooledLines {
		return
	}
	// Nothing of a request stays reachable from the pool.
	clear(s.lines[:cap(s.lines)])
	clear(s.fields[:cap(s.fields)])
	s.lines, s.head, s.fields = s.lines[:0], 0, s.fields[:0]
	storePool.Put(s)
}

func (s *bufStore) live() int { return len(s.lines) - s.head }

func (s *bufStore) push(ent zapcore.Entry, w lineWriter, fields []zapcore.Field, own, size int) {
	if s.head > 0 && (len(s.lines) == cap(s.lines) || len(s.fields)+len(fields) > cap(s.fields)) {
		s.compact()
	}
	s.lines = append(s.lines, bufLine{ent: ent, w: w, off: len(s.fields), n: len(fields), own: own, size: size})
	s.fields = append(s.fields, fields...)
}

func (s *bufStore) popOldest() bufLine {
	l := s.lines[s.head]
	s.lines[s.head] = bufLine{}
	clear(s.fields[l.off : l.off+l.n])
	s.head++
	if s.live() == 0 {
		s.lines, s.head, s.fields = s.lines[:0], 0, s.fields[:0]
	}
	return l
}

// compact moves the live lines and their fields to the front.
func (s *bufStore) compact() {
	live := s.lines[s.head:]
	start := len(s.fields)
	if len(live) > 0 {
		start = live[0].off
	}
	nf := copy(s.fields, s.fields[start:])
	clear(s.fields[nf:])
	s.fields = s.fields[:nf]
	for i := range live {
		live[i].off -= start
	}
	n := copy(s.lines, live)
	clear(s.lines[n:])
	s.lines, s.head = s.lines[:n], 0
}

func (s *bufStore) writeAll() {
	for _, l := range s.lines[s.head:] {
		l.w.writeKept(l.ent, s.fields[l.off:l.off+l.n], l.own)
	}
}
