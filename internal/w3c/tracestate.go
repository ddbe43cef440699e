package w3c

import "strings"

// member is one tracestate list-member; key and value are slices of the
// received field.
type member struct{ key, value string }

// NormalizeTraceState combines every tracestate line of a request, in the
// order received, into the one list the SDK's trace.ParseTraceState accepts
// whole (Trace Context Level 2 §3.3):
//   - lines over MaxTraceStateBytes together are dropped unparsed;
//   - empty lines and empty or whitespace-only list-members are skipped,
//     optional whitespace around members is removed (§3.3.2);
//   - a list of more than 32 non-empty members is dropped whole (§3.3.2);
//   - a member that breaks the key or value grammar (§3.3.2.2) is dropped,
//     the others are kept (§4, "invalid tracestate entries MAY also be
//     discarded");
//   - every member whose key appears more than once is dropped (§3.3.3 allows
//     one entry per key; §3.5 lets vendors discard duplicates);
//   - a member whose key Level 2 allows but the SDK rejects is dropped (see
//     the package documentation).
//
// The result is the received line itself when that is already the
// normalised list (no allocation), else a new string no longer than the
// input.
func NormalizeTraceState(values []string) (string, Drop) {
	if drop, ok := checkLines(values, MaxTraceStateBytes); !ok {
		return "", drop
	}
	var buf [MaxTraceStateMembers]member
	list, drop, clean := parseTraceState(values, buf[:0])
	if drop&DropTooMany != 0 {
		return "", drop
	}
	if n := removeDuplicates(list); n != len(list) {
		list, drop, clean = list[:n], drop|DropDuplicate, false
	}
	if clean && len(values) == 1 {
		return values[0], drop
	}
	return joinMembers(list), drop
}

// parseTraceState splits values into members, appending the valid ones to
// list. clean reports that the single line needs no rewriting.
func parseTraceState(values []string, list []member) (_ []member, drop Drop, clean bool) {
	count := 0
	w := walkMembers(values)
	for m, ok := w.next(); ok; m, ok = w.next() {
		if count++; count > MaxTraceStateMembers {
			return nil, DropTooMany, false
		}
		key, value, ok := strings.Cut(m, "=")
		switch {
		case !ok || !validKey(key) || !validValue(value):
			drop |= DropInvalid
		case !sdkKey(key):
			drop |= DropUnrepresentable
		default:
			list = append(list, member{key, value})
		}
	}
	return list, drop, w.tidy && drop == 0
}

// removeDuplicates removes, in place, every member whose key appears more
// than once, and returns the new length.
func removeDuplicates(list []member) int {
	var dup [MaxTraceStateMembers]bool
	found := false
	for i := range list {
		for j := i + 1; j < len(list); j++ {
			if list[i].key == list[j].key {
				dup[i], dup[j], found = true, true, true
			}
		}
	}
	if !found {
		return len(list)
	}
	n := 0
	for i, m := range list {
		if !dup[i] {
			list[n] = m
			n++
		}
	}
	return n
}

func joinMembers(list []member) string {
	if len(list) == 0 {
		return ""
	}
	size := len(list) - 1
	for _, m := range list {
		size += len(m.key) + 1 + len(m.value)
	}
	var b strings.Builder
	b.Grow(size)
	for i, m := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m.key)
		b.WriteByte('=')
		b.WriteString(m.value)
	}
	return b.String()
}

// validKey reports whether key follows the Level 2 key grammar (§3.3.2.2.1):
//
//	key     = ( lcalpha / DIGIT ) 0*255 ( keychar )
//	keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
func validKey(key string) bool {
	if key == "" || len(key) > 256 || !isLowerAlnum(key[0]) {
		return false
	}
	for i := 1; i < len(key); i++ {
		if !keyChars[key[i]] {
			return false
		}
	}
	return true
}

// validValue reports whether value follows the value grammar
// (§3.3.2.2.2): 1 to 256 printable ASCII characters other than "," and
// "=", the last not a space.
//
//	value    = 0*255(chr) nblk-chr
//	nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
//	chr      = %x20 / nblk-chr
func validValue(value string) bool {
	n := len(value)
	if n == 0 || n > 256 || value[n-1] == ' ' {
		return false
	}
	for i := 0; i < n; i++ {
		if !valueChars[value[i]] {
			return false
		}
	}
	return true
}

// keyChars and valueChars are the byte classes of the grammars above, as
// tables: a value of 256 bytes is checked with one load per byte.
var keyChars, valueChars = func() (k, v [256]bool) {
	for c := 0x20; c <= 0x7e; c++ {
		v[c] = c != ',' && c != '='
		k[c] = isLowerAlnum(byte(c)) || strings.IndexByte("_-*/@", byte(c)) >= 0
	}
	return k, v
}()

// sdkKey reports whether the SDK's trace.TraceState accepts a key that
// validKey accepts. The SDK keeps the Level 1 grammar
// (go.opentelemetry.io/otel/trace tracestate.go: checkKey, checkKeyPart,
// checkKeyTenant): a key without "@" starts with a letter; a key with "@"
// has exactly one, a tenant of at most 241 characters, and a system id of 1
// to 14 characters that starts with a letter.
func sdkKey(key string) bool {
	at := strings.IndexByte(key, '@')
	if at < 0 {
		return isLower(key[0])
	}
	tenant, system := key[:at], key[at+1:]
	return len(tenant) <= 241 && system != "" && len(system) <= 14 &&
		isLower(system[0]) && strings.IndexByte(system, '@') < 0
}

func isLower(c byte) bool      { return 'a' <= c && c <= 'z' }
func isLowerAlnum(c byte) bool { return isLower(c) || '0' <= c && c <= '9' }
