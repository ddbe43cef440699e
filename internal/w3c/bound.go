package w3c

import "strings"

// BoundTraceState returns the tracestate to send for s (the value the SDK's
// propagator wrote): s itself when it fits MaxTraceStateBytes and
// MaxTraceStateMembers, else s truncated as Trace Context Level 2 §3.3.3.1
// says: whole entries are removed, those longer than 128 characters first,
// then from the end of the list, until it fits. The SDK holds up to 32
// entries of 513 bytes, twice what the next hop is asked to accept.
func BoundTraceState(s string) (string, Drop) {
	if len(s) <= MaxTraceStateBytes && strings.Count(s, ",") < MaxTraceStateMembers {
		return s, 0
	}
	var buf [MaxTraceStateMembers]string
	list := buf[:0]
	for rest, more := s, true; more && len(list) < MaxTraceStateMembers; {
		var e string
		e, rest, more = strings.Cut(rest, ",")
		if e = trimOWS(e); e != "" {
			list = append(list, e)
		}
	}
	size := len(list) - 1
	for _, e := range list {
		size += len(e)
	}
	// Removing the long entries always suffices: 32 entries of at most 128
	// characters take 4127 bytes (see the assertion below), so §3.3.3.1's
	// second step, removing from the end, is never reached.
	var removed [MaxTraceStateMembers]bool
	for size > MaxTraceStateBytes {
		i := lastLongEntry(list, removed[:])
		removed[i] = true
		size -= len(list[i]) + 1
	}
	kept := list[:0]
	for i, e := range list {
		if !removed[i] {
			kept = append(kept, e)
		}
	}
	return strings.Join(kept, ","), DropTruncated
}

// lastLongEntry is the index of the last entry longer than 128
// characters not yet removed.
func lastLongEntry(list []string, removed []bool) int {
	for i := len(list) - 1; i >= 0; i-- {
		if !removed[i] && len(list[i]) > longEntry {
			return i
		}
	}
	return 0 // unreachable while the assertion below holds
}

// Compile-time check that short entries alone always fit (the constant
// would be negative, and the conversion a compile error, otherwise).
const _ = uint(MaxTraceStateBytes - (MaxTraceStateMembers*(longEntry+1) - 1))

// BoundBaggage returns the baggage to send for s (the value the SDK's
// propagator wrote): s itself when it fits MaxBaggageBytes and
// MaxBaggageMembers, else its first members that fit both (W3C Baggage
// §Mutating baggage lets a platform over its limits drop entries in any
// order). The SDK's Baggage.SetMember does not enforce the limits, so an
// in-process baggage can exceed them.
func BoundBaggage(s string) (string, Drop) {
	if len(s) <= MaxBaggageBytes && strings.Count(s, ",") < MaxBaggageMembers {
		return s, 0
	}
	kept := 0 // bytes of s kept: whole members and the commas between them
	for n, rest := 0, s; rest != "" && n < MaxBaggageMembers; n++ {
		m, r, _ := strings.Cut(rest, ",")
		size := len(m)
		if n > 0 {
			size++
		}
		if kept+size > MaxBaggageBytes {
			break
		}
		kept, rest = kept+size, r
	}
	return s[:kept], DropTruncated
}
