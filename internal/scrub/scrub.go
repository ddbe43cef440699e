// Package scrub removes secrets from error text before it reaches an
// output: the configured OTLP header values (API keys, bearer tokens),
// in the forms error text carries them, and URL user info. otel.Init and
// the standalone providers of tracing, metrics and logs scrub every export
// error with it, since collectors quote the header they reject and the
// exporters put their answer into the error.
package scrub

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// scrubMark replaces a secret in error text.
const scrubMark = "REDACTED"

// minAnywhere is the length from which a secret is replaced wherever it
// occurs; a shorter one only where it stands alone (not inside a longer
// run of letters and digits), so that a header such as "x-tenant: 1"
// does not turn "401" into "40REDACTED".
const minAnywhere = 8

// Scrubber removes the configured OTLP header values (API keys, bearer
// tokens) and URL user info from error text before it reaches an output:
// the otel_sdk_error line, HealthHandler's last_error and the errors
// Shutdown and ForceFlush return. Collectors quote the header they reject
// ("invalid token: Bearer …") and the exporters put their answer into the
// error. A nil *Scrubber removes URL user info only. Safe for concurrent
// use (it is not changed after New).
type Scrubber struct {
	secrets *index // every form of every value, found in one scan of a text
}

// New returns a Scrubber for the header values given, with the
// forms in which error text may carry them: as they are, each
// whitespace-separated part of minAnywhere bytes or more (the token after
// "Bearer "), and quoted the way Go, JSON and URLs quote.
func New(values []string) *Scrubber {
	var out []string
	for _, v := range values {
		if !hasLetterOrDigit(v) {
			// No credential is all punctuation and spaces; such a value
			// (a header a proxy's client chose: " ", ":") would replace
			// every space or colon of the text.
			continue
		}
		forms := []string{v}
		for _, f := range strings.Fields(v) {
			if len(f) >= minAnywhere {
				forms = append(forms, f)
			}
		}
		for _, f := range forms {
			q := strconv.Quote(f)
			out = append(out, f, url.QueryEscape(f), url.PathEscape(f), q[1:len(q)-1])
			if j, err := json.Marshal(f); err == nil {
				out = append(out, string(j[1:len(j)-1]))
			}
		}
	}
	return &Scrubber{secrets: newIndex(out)}
}

// Exact returns a Scrubber for exactly the values given, in no other form,
// each replaced wherever it occurs, however short; values that overlap in
// a text are replaced as one, so that no part of either shows. It is for
// a caller that chose its values by a rule of its own (a configuration
// file's header values of 4 bytes or more).
func Exact(values []string) *Scrubber {
	x := newIndex(values)
	x.anywhere = true
	return &Scrubber{secrets: x}
}

// String returns s without URL user info and without any secret: a secret
// of minAnywhere bytes or more wherever it occurs, a shorter one where it
// stands alone; secrets that overlap in s are replaced as one. The
// secrets go first: a header value may itself look like user info
// ("tok://user:pw@Zq81xLm"), and removed as such first it no longer
// matched, and its two ends showed.
func (s *Scrubber) String(msg string) string {
	if s != nil {
		msg = s.secrets.replace(msg)
	}
	return RedactUserInfo(msg)
}

// Error returns err when its text holds nothing to scrub, and otherwise an
// error with the scrubbed text for which errors.Is still answers as for
// err. It deliberately has no Unwrap: walking the chain would reach the
// unscrubbed text.
func (s *Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := s.String(msg)
	if clean == msg {
		return err
	}
	return &scrubbedError{msg: clean, err: err}
}

// scrubbedError is an error whose text had secrets removed.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }

// Is lets errors.Is(err, context.DeadlineExceeded) and the like work as on
// the original error.
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

// Walk calls f on err and on each error in its tree (Unwrap, of joined
// errors too), passing through the errors Error made to the ones they were
// made from. It is for code that reads an error's fields (an OTLP partial
// success's rejected items), never its text, which is not scrubbed there.
func Walk(err error, f func(error)) {
	if err == nil {
		return
	}
	f(err)
	switch u := err.(type) {
	case *scrubbedError:
		Walk(u.err, f)
	case interface{ Unwrap() []error }:
		for _, c := range u.Unwrap() {
			Walk(c, f)
		}
	case interface{ Unwrap() error }:
		Walk(u.Unwrap(), f)
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// RedactUserInfo removes user info (user:password@) from the URLs in s,
// and the "port" of a URL whose authority has a port that is not a
// number, which is how a password shows when the URL does not parse.
//
// User info is what lies between "://" and the '@' that ends the
// authority, within a run of text without whitespace or control
// characters. Quotes do not end the run: a password may hold one, and
// net/url quotes the URL in its errors with %q, so a '"' in a password
// shows as `\"` there (`parse "http://u:p\"w@h": net/url: invalid
// userinfo`). A user info that is correctly escaped holds no '/', '?' or
// '#', but real environment values carry them unescaped
// (HTTPS_PROXY=http://u:pa/ss@p), so the first of these characters does
// not end the authority on its own. The rule:
//
//   - when the first '/', '?' or '#' comes before the first '@' and the
//     text before it is a host with an optional numeric port ("host",
//     "host:8080", "[::1]:4318"), or is empty (file:///), the URL has no
//     user info: the '@' is in its path, query or fragment, and
//     "https://host/users/me@x.com" is left as it is;
//   - otherwise the user info ends at the first '@' that is followed by a
//     host (with an optional numeric port) and then the end of the text,
//     '/', '?' or '#' ("u:p@ss@h:1/x" and "user:pa/ss@proxy:8080" lose
//     all of "u:p@ss" and "user:pa/ss"); where no '@' is followed by a
//     host, at the last '@' before the end of the authority that follows.
//
// A URL written in quotes (a double or single quote, a backtick or '<'
// just before its scheme) ends at the matching closing quote too (or '>'),
// for these two host tests only: `"http://h","a@b"` keeps its host and
// the text after it, while in `"http://u:p\"w@h"` the text before the
// escaped quote is no host, and the user info goes.
//
// Redacting from "://" to the last '@' of the run would hide the host of
// every URL with an '@' in its path; stopping at the first '/' (as a URL
// parser does) leaves the rest of a password with a '/' in the output.
// A host and a numeric port is what tells them apart.
//
// The one case this cannot tell apart is user info whose part before the
// '/' (or before the closing quote of a quoted URL) is itself a valid host
// and port ("http://user/x@h", a user name alone followed by '/', or
// "http://u:123/x@h", a password starting with digits): a URL parser reads
// those as host and path too, and they are left as they are.
//
// A URL that does not parse because of such a password is quoted by
// net/url cut at the '#' ("http://user:pa", or "http://user:pa/ss" for
// the password "pa/ss#x") or with the part of the password it took for a
// port (`invalid port ":pa" after host`): a port that is not a number is
// replaced as well, with the rest of the URL after it (which is no URL,
// and may be the rest of the password), as is every port net/url calls
// invalid (it does so only for ports that are not numbers).
func RedactUserInfo(s string) string {
	var b strings.Builder // used from the first change on
	done := 0             // s[:done] is in b
	replace := func(from, to int) {
		b.WriteString(s[done:from])
		b.WriteString(scrubMark)
		done = to
	}
	for i := 0; ; {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		closer := closingQuote(s[:i+j])
		i += j + 3
		tok := s[i : i+runEnd(s[i:])]
		if at, ok := userInfoEnd(tok, closer); ok {
			replace(i, i+at)
			i += at
		} else if from, to, ok := badPort(tok[:quotedEnd(tok, closer)]); ok {
			replace(i+from, i+to)
			i += to
		}
	}
	if done > 0 {
		b.WriteString(s[done:])
		s = b.String()
	}
	if strings.Contains(s, "invalid port") {
		s = invalidPortRE.ReplaceAllString(s, `invalid port ":`+scrubMark+`" after host`)
	}
	return s
}

// invalidPortRE matches net/url's error about a port that is not a
// number, whose quoted "port" is then often a piece of a password.
var invalidPortRE = regexp.MustCompile(`invalid port "(?:[^"\\]|\\.)*" after host`)

// runEnd returns the length of the run of text at the start of s that a
// URL and its user info may occupy: up to whitespace or a control
// character. Quotes are part of it: a password may hold them.
func runEnd(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return i
		}
	}
	return len(s)
}

// closingQuote returns the quote that closes a URL written in quotes, of
// which before is the text up to its "://": the double or single quote or
// backtick that stands just before the scheme, or '>' for a '<'; 0 when
// none does.
func closingQuote(before string) byte {
	i := len(before)
	for i > 0 && isSchemeByte(before[i-1]) {
		i--
	}
	if i == 0 {
		return 0
	}
	switch c := before[i-1]; c {
	case '"', '\'', '`':
		return c
	case '<':
		return '>'
	}
	return 0
}

func isSchemeByte(c byte) bool {
	return isWordByte(c) || c == '+' || c == '-' || c == '.'
}

// quotedEnd returns where a URL written in quotes, whose closing quote is
// closer, ends in tok (the text after its "://"): at the first closer,
// a `\"` not counting in a double-quoted one (Go's %q and JSON escape a
// '"' so); len(tok) when closer is 0 or not found.
func quotedEnd(tok string, closer byte) int {
	if closer == 0 {
		return len(tok)
	}
	for i := 0; i < len(tok); i++ {
		switch tok[i] {
		case '\\':
			if closer == '"' {
				i++
			}
		case closer:
			return i
		}
	}
	return len(tok)
}

// hostEnd returns the index of the first byte in s that ends a host: '/',
// '?', '#' or closer (when it is not 0); -1 when there is none.
func hostEnd(s string, closer byte) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '/' || c == '?' || c == '#' || closer != 0 && c == closer {
			return i
		}
	}
	return -1
}

// userInfoEnd returns the index of the '@' that ends the user info at the
// start of tok (the text after "://"), by the rules RedactUserInfo gives;
// closer is the quote that closes the URL (0 when none does), which ends
// a host as '/' does.
func userInfoEnd(tok string, closer byte) (int, bool) {
	at := strings.IndexByte(tok, '@')
	if at <= 0 {
		return 0, false
	}
	if d := hostEnd(tok, closer); d >= 0 && d < at && (d == 0 || isHostPort(tok[:d])) {
		return 0, false // no authority (file:///…), or an '@' in the path, query or fragment, or after the URL
	}
	for {
		rest := tok[at+1:]
		k := hostEnd(rest, closer)
		host := rest
		if k >= 0 {
			host = rest[:k]
		}
		if j := strings.IndexByte(host, '@'); j >= 0 {
			at += 1 + j // a later '@' in the same authority ends the user info
			continue
		}
		if k < 0 || isHostPort(host) {
			return at, true
		}
		// What follows the '@' is no host: the user info may go on past
		// a '/', '?', '#' or quote to a later '@'.
		j := strings.IndexByte(rest[k:], '@')
		if j < 0 {
			return at, true
		}
		at += 1 + k + j
	}
}

// isHostPort reports whether s is a host with an optional numeric port.
func isHostPort(s string) bool {
	_, ok := HostPort(s)
	return ok
}

// HostPort reports whether s is a host (a name, an IPv4 address or a
// bracketed IPv6 address) with an optional non-empty numeric port, and
// returns the port ("" when s has none).
func HostPort(s string) (port string, ok bool) {
	host, hasPort := s, false
	if strings.HasPrefix(s, "[") {
		j := strings.IndexByte(s, ']')
		if j < 0 {
			return "", false
		}
		host, port = s[1:j], s[j+1:]
		if port != "" {
			if port[0] != ':' {
				return "", false
			}
			port, hasPort = port[1:], true
		}
		host = strings.ReplaceAll(host, ":", "")
	} else if k := strings.IndexByte(s, ':'); k >= 0 {
		host, port, hasPort = s[:k], s[k+1:], true
	}
	if host == "" || hasPort && (port == "" || !allDigits(port)) {
		return "", false
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !isWordByte(c) && c != '.' && c != '-' && c != '_' && c != '~' && c != '%' {
			return "", false
		}
	}
	return port, true
}

// badPort finds, in a token without user info, a port that is not a
// number: the bytes from, to of tok to replace, from the port to the end
// of tok (trailing punctuation and quotes of the surrounding text aside).
func badPort(tok string) (from, to int, ok bool) {
	auth := tok
	if k := strings.IndexAny(tok, "/?#"); k >= 0 {
		auth = tok[:k]
	}
	start := 0
	if strings.HasPrefix(auth, "[") {
		j := strings.IndexByte(auth, ']')
		if j < 0 {
			return 0, 0, false
		}
		start = j + 1
		if !strings.HasPrefix(auth[start:], ":") {
			return 0, 0, false
		}
	}
	k := strings.IndexByte(auth[start:], ':')
	if k < 0 {
		return 0, 0, false
	}
	from = start + k + 1
	const trailing = ".,;:)]}\"'`>"
	if port := strings.TrimRight(auth[from:], trailing); port == "" || allDigits(port) {
		return 0, 0, false
	}
	return from, len(strings.TrimRight(tok, trailing)), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// hasLetterOrDigit reports whether v holds an ASCII letter or digit, or a
// byte of a non-ASCII character.
func hasLetterOrDigit(v string) bool {
	for i := range len(v) {
		if c := v[i]; c >= 0x80 || '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z' {
			return true
		}
	}
	return false
}
