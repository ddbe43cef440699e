package otlpconf

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/scrub"

	"golang.org/x/net/http/httpguts"
)

// What may carry a credential in the OTLP settings, and how it is kept out
// of every error and of Resolved:
//
//   - header keys and values (OTEL_EXPORTER_OTLP_[SIGNAL_]HEADERS, options):
//     never echoed; an error names the item by its position and describes
//     the offending character, and the value shows as "***" per item (a
//     mistyped "Authorization: Bearer X" makes the whole item the key);
//   - an endpoint's user info (anything before an "@", with or without a
//     scheme) and its query and fragment: masked as "***" in errors, and
//     rejected, since the OTLP exporters would silently not send them;
//   - whatever follows whitespace or a control character in an endpoint
//     (a header pasted after it, "https://c:4318 api-key=…" or a line
//     break and "Authorization: Bearer …"): rejected, and withheld from
//     the error, which says where it starts and how long it is;
//   - an endpoint without "://" that is not host:port (a key in the wrong
//     variable looks like that): withheld whole.

// endpointHint tells what to do instead of putting credentials in the URL.
const endpointHint = "put credentials in headers instead (OTEL_EXPORTER_OTLP_HEADERS, WithOTLPHeaders)"

// maskEndpoint returns v with whatever may be a credential replaced by
// "***": everything between the scheme (if any) and the last "@", then
// everything from the first "?" or "#" after that. The user info goes
// first, since a password may hold an unescaped "?" or "#"
// ("https://user:Pw1#Pw2@c:4318" showed "Pw1" when the fragment was cut
// first). It works on any text, parsed or not: "user:pw@host:1" has no
// scheme for url.Parse, and "http://u:p/w@h" parses with the password in
// the host.
//
// This is stricter than the rule that scrubs URLs in error text
// (scrub.RedactUserInfo), which keeps the host of a URL whose path, query
// or fragment holds an '@' ("https://h/?to=me@x.com") and so takes a
// token followed by a '#' ("https://TOKEN#x@c:4318") for a host. An
// endpoint is one value, and hardly one has an '@' outside its user info:
// masking up to the last '@' costs next to nothing here.
func maskEndpoint(v string) string {
	from := 0 // where the query or fragment may start
	if i := strings.LastIndex(v, "@"); i >= 0 {
		start := 0
		if j := strings.Index(v, "://"); j >= 0 && j < i && validScheme(v[:j]) {
			start = j + len("://")
		}
		v = v[:start] + "***" + v[i:]
		from = start + len("***@")
	}
	if i := strings.IndexAny(v[from:], "?#"); i >= 0 {
		v = v[:from+i+1] + "***"
	}
	return v
}

// badEndpointError returns the *env.Error for an invalid endpoint v, set
// in the variable name or, when name is empty, in the option: it shows
// what endpointShown lets through.
func badEndpointError(name, option, v, allowed string, err error) *env.Error {
	e := &env.Error{Var: name, Option: option, Allowed: allowed, Err: err}
	if shown, ok := endpointShown(v); ok {
		e.Value = shown
	} else {
		e.Withheld = true
	}
	return e
}

// endpointShown returns what an error may show of an invalid endpoint v,
// enough to find the mistake: the text up to the first whitespace or
// control character (followed by "…" when something was cut), with user
// info, query and fragment masked (maskEndpoint). Without "://" it shows
// only host:port with a numeric port (the endpoint whose scheme was
// forgotten); anything else there may be a key set in the wrong variable,
// and ok is false: nothing is shown.
func endpointShown(v string) (shown string, ok bool) {
	cut := ""
	if i, _ := spaceAt(v); i >= 0 {
		v, cut = v[:i], "…"
	}
	v = maskEndpoint(v)
	if i := strings.Index(v, "://"); i >= 0 {
		if !validScheme(v[:i]) {
			return "", false
		}
		return v + cut, true
	}
	if port, ok := scrub.HostPort(strings.TrimPrefix(v, "***@")); !ok || port == "" {
		return "", false
	}
	return v + cut, true
}

// validScheme reports whether s is a URL scheme: a letter, then letters,
// digits, '+', '-' and '.'.
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= 'a' && c <= 'z') && (i == 0 || !(s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
			return false
		}
	}
	return true
}

// spaceAt returns the index of the first whitespace, control or
// invisible formatting character (Unicode's) or invalid UTF-8 byte in v,
// and the character; -1 when there is none.
func spaceAt(v string) (int, rune) {
	for i, r := range v {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return i, r
		}
	}
	return -1, 0
}

// checkNoSpace rejects an endpoint with whitespace or a control character,
// which no endpoint holds (url.Parse takes "…/v1/traces api-key=x" as a
// path), saying where it is and how much follows, not what: it is where a
// header pasted into the endpoint would start.
func checkNoSpace(v string) error {
	i, r := spaceAt(v)
	if i < 0 {
		return nil
	}
	var what string
	switch r {
	case ' ':
		what = "a space"
	case '\t':
		what = "a tab"
	case '\n', '\r':
		what = "a line break"
	case utf8.RuneError:
		what = "a byte that is not UTF-8"
	default:
		what = fmt.Sprintf("the character %U", r)
	}
	return fmt.Errorf("has %s at byte %d, and an endpoint holds no whitespace or control characters: "+
		"the %d bytes from there are withheld; a header goes in OTEL_EXPORTER_OTLP_HEADERS", what, i+1, len(v)-i)
}

// maskURL renders a validated endpoint; validation leaves no user info,
// query or fragment, and maskEndpoint makes sure of it.
func maskURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return maskEndpoint(u.String())
}

// checkEndpointParts rejects the parts of an endpoint URL that the OTLP
// exporters would drop without a word: user info and query (the usual
// places for a token) and a fragment.
func checkEndpointParts(u *url.URL) error {
	switch {
	case u.User != nil:
		return errors.New("has user info (user:password@), which the exporters would not send; " + endpointHint)
	case u.RawQuery != "" || u.ForceQuery:
		return errors.New("has a query (?...), which the exporters would not send; " + endpointHint)
	case u.Fragment != "" || strings.Contains(u.String(), "#"):
		return errors.New("has a fragment (#...), which the exporters would not send")
	}
	return nil
}

// checkHostPort rejects a host:port endpoint that holds what a URL would
// call user info, query, fragment or path; it never quotes the value.
func checkHostPort(v string) error {
	switch {
	case strings.Contains(v, "@"):
		return errors.New("has user info (user:password@), which the exporters would not send; " + endpointHint)
	case strings.ContainsAny(v, "?#"):
		return errors.New("has a query or fragment, which the exporters would not send; " + endpointHint)
	case strings.Contains(v, "/"):
		return errors.New("host:port has no path; use a URL (http://host:port/path) for one")
	}
	return nil
}

// maskHeaders renders a headers value as one "***" per item, so an error
// shows how many items there were and nothing of their keys or values.
func maskHeaders(v string) string {
	n := strings.Count(v, ",") + 1
	return strings.TrimSuffix(strings.Repeat("***,", n), ",")
}

// keyProblem describes why k is not an HTTP token without quoting it: the
// position and, when it is printable punctuation or a space (never part of
// a token, so never part of a secret), the offending character.
func keyProblem(k string) string {
	if k == "" {
		return "the key is empty"
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if httpguts.ValidHeaderFieldName(string(c)) {
			continue
		}
		if c == ' ' || c > ' ' && c < 0x7f {
			hint := ""
			if c == ':' || c == ' ' {
				hint = `; write "Key=value" (URL-encode spaces as %20), not "Key: value"`
			}
			return fmt.Sprintf("the key has %q at byte %d, which an HTTP token may not contain%s", string(c), i+1, hint)
		}
		return fmt.Sprintf("the key has byte 0x%02x at byte %d, which an HTTP token may not contain", c, i+1)
	}
	return "the key is not an HTTP token"
}

// HeaderValues returns every header value configured for any signal:
// OTEL_EXPORTER_OTLP_HEADERS and the per-signal HEADERS variables of src
// (those that parse) and the values of the maps given (options). Init
// scrubs them from exporter errors, which may quote a header the collector
// rejected. Empty values are left out; the result is sorted, longest first,
// without duplicates.
func HeaderValues(src env.Source, maps ...map[string]string) []string {
	seen := map[string]struct{}{}
	add := func(h map[string]string) {
		for _, v := range h {
			if v != "" {
				seen[v] = struct{}{}
			}
		}
	}
	names := []string{"OTEL_EXPORTER_OTLP_HEADERS"}
	for _, sig := range []Signal{Traces, Metrics, Logs} {
		_, per := envNames(sig, "HEADERS")
		names = append(names, per)
	}
	for _, n := range names {
		if v, ok := src.String(n); ok {
			if h, err := parseHeaders(v); err == nil {
				add(h)
			}
		}
	}
	for _, m := range maps {
		add(m)
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// ParseHeaders parses a header list in the specification's syntax
// (OTEL_EXPORTER_OTLP_HEADERS, or headers_list in a configuration file):
// comma-separated key=value pairs with URL-encoded values. Its errors
// name items by position and never quote a key or a value.
func ParseHeaders(v string) (map[string]string, error) { return parseHeaders(v) }

// HeaderProblem says why name and value cannot be sent as an OTLP header,
// without quoting either (both may be credentials); "" when they can.
func HeaderProblem(name, value string) string {
	switch {
	case !httpguts.ValidHeaderFieldName(name):
		return keyProblem(name)
	case !validHeaderValue(value):
		return "the value has control characters"
	}
	return ""
}
