package w3c

import (
	"strings"
	"sync/atomic"
)

// Field names the three W3C fields this package handles.
type Field uint8

// The fields, as they are named on the wire (lower case).
const (
	TraceParent Field = iota
	TraceState
	Baggage
	numFields
)

var fieldNames = [numFields]string{"traceparent", "tracestate", "baggage"}

func (f Field) String() string {
	if f < numFields {
		return fieldNames[f]
	}
	return "unknown"
}

// Drop is a set of reasons why a received field, or members of it, were not
// passed on. Zero means nothing was dropped.
type Drop uint8

// The reasons.
const (
	// DropOversize: the field was over its byte limit or had more than 64
	// lines; dropped whole, unparsed.
	DropOversize Drop = 1 << iota
	// DropConflict: traceparent was sent more than once with differing
	// values; the trace restarts.
	DropConflict
	// DropInvalid: list-members that do not follow the field's grammar.
	DropInvalid
	// DropDuplicate: tracestate list-members whose key appears more than
	// once (every member with that key is dropped).
	DropDuplicate
	// DropTooMany: a tracestate list of more than 32 members (dropped
	// whole), or baggage members after the 64th.
	DropTooMany
	// DropUnrepresentable: tracestate members whose key Level 2 allows but
	// the SDK's trace.TraceState rejects (see the package documentation).
	DropUnrepresentable
	// DropTruncated: tracestate entries or baggage members removed from an
	// outgoing field to fit its byte or member limit.
	DropTruncated
	numDrops = 7
)

var dropNames = [numDrops]string{"oversize", "conflict", "invalid", "duplicate", "too_many", "unrepresentable", "truncated"}

// String lists the reasons, joined by "|".
func (d Drop) String() string {
	var b strings.Builder
	for i, n := range dropNames {
		if d&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(n)
	}
	return b.String()
}

// drops counts, per field and reason, how many times something was dropped
// since the process started.
var drops [numFields][numDrops]atomic.Uint64

func record(f Field, d Drop) {
	if d == 0 {
		return
	}
	for i := 0; i < numDrops; i++ {
		if d&(1<<i) != 0 {
			drops[f][i].Add(1)
		}
	}
}

// Dropped returns how many times, since the process started, field f had
// something dropped for reason r (a single reason). It is what a health view
// shows so that a lost tracestate or baggage is never silent.
func Dropped(f Field, r Drop) uint64 {
	if f >= numFields {
		return 0
	}
	for i := 0; i < numDrops; i++ {
		if r == 1<<i {
			return drops[f][i].Load()
		}
	}
	return 0
}

// Counts returns every non-zero drop count since the process started, keyed
// "<field>.<reason>" (e.g. "tracestate.invalid"), in a new map the caller
// owns; nil when nothing was dropped.
func Counts() map[string]uint64 {
	var m map[string]uint64
	for f := Field(0); f < numFields; f++ {
		for i := 0; i < numDrops; i++ {
			if n := drops[f][i].Load(); n > 0 {
				if m == nil {
					m = map[string]uint64{}
				}
				m[fieldNames[f]+"."+dropNames[i]] = n
			}
		}
	}
	return m
}
