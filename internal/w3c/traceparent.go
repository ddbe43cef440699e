package w3c

// NormalizeTraceParent picks the traceparent to hand to the SDK from every
// traceparent line of a request, in the order received. It returns "" when
// there is nothing to continue, and the SDK then starts a new trace:
//   - no line, or lines over MaxTraceParentBytes together (unparsed);
//   - two lines that differ: RFC 9110 §5.3 lets only list-valued fields
//     repeat, so the caller's position is ambiguous (identical repeats are
//     read as one).
//
// Optional whitespace around the value is removed, and a version-00 value
// whose trace-flags set bits Level 2 does not define has them cleared
// (§3.2.2.5.3: they are reserved; the SDK would otherwise reject the whole
// header, see the package documentation). Everything else, such as the
// version, the IDs and their hex, is left to the SDK's propagator to check.
func NormalizeTraceParent(values []string) (string, Drop) {
	if drop, ok := checkLines(values, MaxTraceParentBytes); !ok {
		return "", drop
	}
	v := trimOWS(values[0])
	for _, o := range values[1:] {
		if trimOWS(o) != v {
			return "", DropConflict
		}
	}
	return clearReservedFlags(v), 0
}

// clearReservedFlags clears the trace-flags bits other than sampled (0x01)
// and random (0x02) of a version-00 traceparent. The Go SDK's W3C propagator
// (propagation/trace_context.go, extract) rejects a version-00 header whose
// flags are above 0x03; the spec defines them as a bit field that a reader
// masks, so 09 means "sampled, and an undefined flag".
func clearReservedFlags(v string) string {
	const n = 55 // 00-<32 hex>-<16 hex>-<2 hex>
	if len(v) != n || v[0] != '0' || v[1] != '0' || v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return v
	}
	hi, lo := lowerHex(v[53]), lowerHex(v[54])
	if hi < 0 || lo < 0 || (hi == 0 && lo <= 3) {
		return v
	}
	return v[:53] + "0" + string("0123"[lo&3])
}

// lowerHex is the value of a lower-case hex digit, or -1.
func lowerHex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// trimOWS removes the optional whitespace (space and horizontal tab, RFC
// 9110 §5.6.3) around s.
func trimOWS(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	return s[i:j]
}
