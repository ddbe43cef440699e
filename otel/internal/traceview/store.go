package traceview

import (
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/redact"
)

// Defaults of Config.
const (
	DefaultMaxTraces = 200
	DefaultMaxBytes  = 8 << 20
	// MaxItems bounds the spans, and the log records, kept per trace.
	MaxItems = 2000
	// MaxValue bounds a kept string value, in bytes.
	MaxValue = 8 << 10
)

// Config bounds a Store and says which values it hides; zero values mean
// the defaults.
type Config struct {
	MaxTraces int   // traces kept (default DefaultMaxTraces)
	MaxBytes  int64 // estimated bytes kept (default DefaultMaxBytes)
	// Redact is the Telemetry's key rule, the exporters' (default
	// redact.Keys): the pages show what is exported.
	Redact redact.Setting
}

// Store keeps recent traces. Its methods are safe for concurrent use.
type Store struct {
	maxTraces int
	maxBytes  int64
	perTrace  int64        // bytes one trace may hold
	keys      *redact.Rule // Config.Redact's rule; nil: nothing hidden

	mu         sync.Mutex
	traces     map[trace.TraceID]*traceEntry
	head, tail *traceEntry // oldest, newest (by arrival)
	bytes      int64
	evicted    uint64 // traces dropped to stay within the bounds
	seq        uint64
}

// traceEntry is one trace: its spans and log records in arrival order.
type traceEntry struct {
	id         trace.TraceID
	seq        uint64 // arrival order, for eviction
	spans      []spanRecord
	logs       []logRecord
	requestIDs []string
	bytes      int64
	dropSpans  int // spans not kept (per-trace bounds)
	dropLogs   int
	prev, next *traceEntry
}

// New returns a store bounded by cfg.
func New(cfg Config) *Store {
	s := &Store{maxTraces: cfg.MaxTraces, maxBytes: cfg.MaxBytes, keys: cfg.Redact.Rule(), traces: map[trace.TraceID]*traceEntry{}}
	if s.maxTraces <= 0 {
		s.maxTraces = DefaultMaxTraces
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultMaxBytes
	}
	s.perTrace = s.maxBytes / 4
	return s
}

// addSpan keeps r in its trace.
func (s *Store) addSpan(id trace.TraceID, r spanRecord, requestID string) {
	keep(s, id, &r, requestID, func(t *traceEntry) (*[]spanRecord, *int) { return &t.spans, &t.dropSpans })
}

// addLog keeps r in its trace.
func (s *Store) addLog(id trace.TraceID, r logRecord, requestID string) {
	keep(s, id, &r, requestID, func(t *traceEntry) (*[]logRecord, *int) { return &t.logs, &t.dropLogs })
}

// keep appends *r to the list of its trace that list picks (the spans or
// the log records, with the count of those dropped), unless the trace is
// at its bounds, where *r is counted as dropped instead.
func keep[R any, P interface {
	*R
	size() int64
}](s *Store, id trace.TraceID, r P, requestID string, list func(*traceEntry) (*[]R, *int)) {
	size := r.size()
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.entry(id)
	items, dropped := list(t)
	if len(*items) >= MaxItems || t.bytes+size > s.perTrace {
		*dropped++
		return
	}
	if *items == nil {
		*items = make([]R, 0, 4) // most traces hold a few items
	}
	*items = append(*items, *r)
	s.grow(t, size+t.addRequestID(requestID))
}

// entryOverhead is the estimated size of an empty trace entry.
const entryOverhead = 256

// entry returns the trace id, made the newest and added if new, evicting
// the oldest when the store holds maxTraces. s.mu is held.
func (s *Store) entry(id trace.TraceID) *traceEntry {
	if t, ok := s.traces[id]; ok {
		return t
	}
	for len(s.traces) >= s.maxTraces {
		s.evict(s.head)
	}
	s.seq++
	t := &traceEntry{id: id, seq: s.seq, bytes: entryOverhead, prev: s.tail}
	if s.tail != nil {
		s.tail.next = t
	} else {
		s.head = t
	}
	s.tail = t
	s.traces[id] = t
	s.bytes += entryOverhead
	return t
}

// grow accounts size bytes more in t and evicts the oldest traces but t
// (which may be the oldest itself: a long job still growing) until the
// store is within maxBytes. s.mu is held.
func (s *Store) grow(t *traceEntry, size int64) {
	t.bytes += size
	s.bytes += size
	for s.bytes > s.maxBytes {
		old := s.head
		if old == t {
			old = t.next
		}
		if old == nil {
			return
		}
		s.evict(old)
	}
}

// evict drops t from the store. s.mu is held.
func (s *Store) evict(t *traceEntry) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		s.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		s.tail = t.prev
	}
	delete(s.traces, t.id)
	s.bytes -= t.bytes
	s.evicted++
}

// addRequestID keeps id among t's request IDs (at most 4) and returns the
// bytes that costs, counted as a string of its own (a cut one is), apart
// from the record's size.
func (t *traceEntry) addRequestID(id string) int64 {
	if id == "" || len(t.requestIDs) >= 4 {
		return 0
	}
	for _, x := range t.requestIDs {
		if x == id {
			return 0
		}
	}
	t.requestIDs = append(t.requestIDs, id)
	return int64(requestIDOverhead + len(id))
}

// requestIDOverhead is the estimated size of a kept request ID besides its
// text.
const requestIDOverhead = 16

// Usage is what a store holds.
type Usage struct {
	Traces  int
	Bytes   int64 // estimated
	Evicted uint64
}

// Usage returns what s holds now.
func (s *Store) Usage() Usage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Usage{Traces: len(s.traces), Bytes: s.bytes, Evicted: s.evicted}
}

// Summary is one line of the list page.
type Summary struct {
	TraceID    trace.TraceID
	Root       string // the root span's name ("" while no root span ended)
	Start      time.Time
	Duration   time.Duration
	Error      bool // some span ended with status Error
	Status     string
	Spans      int
	Logs       int
	RequestIDs []string
}

// List returns the traces whose ID starts with q, or one of whose request
// IDs does (all when q is empty), newest first (by start time). Under the
// lock it only picks the traces (see view); the summaries are made after.
func (s *Store) List(q string) []Summary {
	q = strings.TrimSpace(q)
	qid := strings.ToLower(q)
	s.mu.Lock()
	views := make([]entryView, 0, len(s.traces))
	for t := s.tail; t != nil; t = t.prev {
		if q == "" || t.matches(q, qid) {
			views = append(views, t.view())
		}
	}
	s.mu.Unlock()
	out := make([]Summary, len(views))
	for i := range views {
		out[i] = views[i].summary()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out
}

func (t *traceEntry) matches(q, qid string) bool {
	if strings.HasPrefix(t.id.String(), qid) {
		return true
	}
	for _, r := range t.requestIDs {
		if strings.HasPrefix(r, q) {
			return true
		}
	}
	return false
}

// entryView is a trace as a page reads it: the lists of its entry as they
// were under the store's lock, capped at their length. Items kept are never
// changed (keep only appends, past the view's end), so a page reads them
// without the lock, which every span End and log record takes: a page
// that summarised thousands of spans under it made them wait.
type entryView struct {
	id                  trace.TraceID
	spans               []spanRecord
	logs                []logRecord
	requestIDs          []string
	dropSpans, dropLogs int
}

// view returns t's view. The store's lock is held.
func (t *traceEntry) view() entryView {
	return entryView{
		id:         t.id,
		spans:      t.spans[:len(t.spans):len(t.spans)],
		logs:       t.logs[:len(t.logs):len(t.logs)],
		requestIDs: t.requestIDs[:len(t.requestIDs):len(t.requestIDs)],
		dropSpans:  t.dropSpans,
		dropLogs:   t.dropLogs,
	}
}

// summaryHook, when set (by a test), runs as a summary begins.
var summaryHook func()

// summary describes the trace v shows.
func (v *entryView) summary() Summary {
	if summaryHook != nil {
		summaryHook()
	}
	sum := Summary{TraceID: v.id, Spans: len(v.spans), Logs: len(v.logs), RequestIDs: append([]string(nil), v.requestIDs...)}
	var end time.Time
	for i := range v.spans {
		sp := &v.spans[i]
		if sum.Start.IsZero() || sp.Start.Before(sum.Start) {
			sum.Start = sp.Start
		}
		if sp.End.After(end) {
			end = sp.End
		}
		if sp.StatusCode == statusError {
			sum.Error = true
		}
	}
	for i := range v.logs {
		if sum.Start.IsZero() || v.logs[i].Time.Before(sum.Start) {
			sum.Start = v.logs[i].Time
		}
	}
	if root := rootOf(v.spans); root != nil {
		sum.Root, sum.Status = root.Name, root.status()
	}
	if !end.IsZero() {
		sum.Duration = end.Sub(sum.Start)
	}
	return sum
}

// Trace is one trace as the trace page shows it: spans in tree order
// (depth-first, children by start time) and log records by time.
type Trace struct {
	Summary
	Spans        []SpanView
	Logs         []logRecord
	DroppedSpans int
	DroppedLogs  int
}

// SpanView is a span with its place in the tree.
type SpanView struct {
	spanRecord
	Depth int
}

// Trace returns the trace id and whether the store holds it. As List, it
// reads the trace's view outside the lock.
func (s *Store) Trace(id trace.TraceID) (Trace, bool) {
	s.mu.Lock()
	t, ok := s.traces[id]
	var v entryView
	if ok {
		v = t.view()
	}
	s.mu.Unlock()
	if !ok {
		return Trace{}, false
	}
	tr := Trace{Summary: v.summary(), DroppedSpans: v.dropSpans, DroppedLogs: v.dropLogs}
	tr.Spans = tree(append([]spanRecord(nil), v.spans...)) // tree sorts its argument
	tr.Logs = append([]logRecord(nil), v.logs...)
	sort.SliceStable(tr.Logs, func(i, j int) bool { return tr.Logs[i].Time.Before(tr.Logs[j].Time) })
	return tr, true
}

// rootOf returns the span without a parent, else the earliest span whose
// parent is not in spans (its parent is in another process or still
// running); nil when spans is empty.
func rootOf(spans []spanRecord) *spanRecord {
	ids := make(map[trace.SpanID]bool, len(spans))
	for i := range spans {
		ids[spans[i].SpanID] = true
	}
	var root *spanRecord
	for i := range spans {
		sp := &spans[i]
		if !sp.Parent.IsValid() {
			return sp
		}
		if !ids[sp.Parent] && (root == nil || sp.Start.Before(root.Start)) {
			root = sp
		}
	}
	return root
}

// tree orders spans depth-first from the roots (spans whose parent is not
// among them), siblings by start time.
func tree(spans []spanRecord) []SpanView {
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].Start.Before(spans[j].Start) })
	ids := make(map[trace.SpanID]bool, len(spans))
	children := make(map[trace.SpanID][]int, len(spans))
	for i := range spans {
		ids[spans[i].SpanID] = true
	}
	var roots []int
	for i := range spans {
		if p := spans[i].Parent; p.IsValid() && ids[p] && p != spans[i].SpanID {
			children[p] = append(children[p], i)
		} else {
			roots = append(roots, i)
		}
	}
	out := make([]SpanView, 0, len(spans))
	seen := make([]bool, len(spans))
	var walk func(i, depth int)
	walk = func(i, depth int) {
		if seen[i] { // a cycle in hostile parent IDs
			return
		}
		seen[i] = true
		out = append(out, SpanView{spanRecord: spans[i], Depth: depth})
		for _, c := range children[spans[i].SpanID] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	for i := range spans { // spans only reachable through a cycle
		if !seen[i] {
			walk(i, 0)
		}
	}
	return out
}
