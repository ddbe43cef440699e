package w3c

import (
	"strings"

	"golang.org/x/net/http/httpguts"
)

// NormalizeBaggage combines every baggage line of a request, in the order
// received, into what the SDK's baggage propagator reads (W3C Baggage):
//   - lines over MaxBaggageBytes together are dropped unparsed (§Limits; the
//     SDK's own multi-line path drops them too, but parses first);
//   - empty members are skipped and optional whitespace around members is
//     removed;
//   - a member that breaks the grammar (key a token, value baggage-octets
//     with valid percent-encoding, properties likewise) is dropped, the
//     others are kept (§Mutating baggage: it MAY be removed);
//   - members after the 64th are dropped (§Limits: at least 64 are
//     propagated; entries over a limit MAY be dropped in any order).
//
// The result is the received lines themselves when they need no rewriting
// (no allocation), else one combined line no longer than the input.
func NormalizeBaggage(values []string) ([]string, Drop) {
	if drop, ok := checkLines(values, MaxBaggageBytes); !ok {
		return nil, drop
	}
	var buf [MaxBaggageMembers]string
	list, drop, clean := parseBaggage(values, buf[:0])
	switch {
	case clean:
		return values, 0
	case len(list) == 0:
		return nil, drop
	}
	return []string{strings.Join(list, ",")}, drop
}

// parseBaggage splits values into members, appending the valid ones (the
// first 64) to list. clean reports that the lines need no rewriting.
func parseBaggage(values []string, list []string) (_ []string, drop Drop, clean bool) {
	w := walkMembers(values)
	for m, ok := w.next(); ok; m, ok = w.next() {
		switch {
		case len(list) == MaxBaggageMembers:
			return list, drop | DropTooMany, false
		case !validBaggageMember(m):
			drop |= DropInvalid
		default:
			list = append(list, m)
		}
	}
	return list, drop, w.tidy && drop == 0
}

// validBaggageMember reports whether m follows
//
//	list-member = key OWS "=" OWS value *( OWS ";" OWS property )
//	property    = key OWS "=" OWS value / key OWS
//
// with key a token (RFC 9110 §5.6.2) and value *baggage-octet whose percent
// signs start valid escapes (the value is URL-encoded UTF-8; the SDK rejects
// the member otherwise). Empty properties are tolerated, as the SDK
// tolerates them; a blank one ("k=v; ;") is not.
func validBaggageMember(m string) bool {
	kv, props, _ := strings.Cut(m, ";")
	key, value, ok := strings.Cut(kv, "=")
	if !ok || !httpguts.ValidHeaderFieldName(trimOWS(key)) || !validBaggageValue(trimOWS(value)) {
		return false
	}
	for more := props != ""; more; {
		var p string
		p, props, more = strings.Cut(props, ";")
		if p == "" {
			continue // "k=v;" and "k=v;;p": empty properties the SDK skips
		}
		p = trimOWS(p)
		k, v, hasValue := strings.Cut(p, "=")
		if !httpguts.ValidHeaderFieldName(trimOWS(k)) || hasValue && !validBaggageValue(trimOWS(v)) {
			return false
		}
	}
	return true
}

// validBaggageValue: baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B /
// %x5D-7E, and every "%" starts a %XX escape.
func validBaggageValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
		if c == '%' {
			if i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
