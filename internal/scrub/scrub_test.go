package scrub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestScrubberForms(t *testing.T) {
	s := New([]string{"Bearer abc/def+ghi==", "7", "", "key<&>value"})
	for in, want := range map[string]string{
		`401: "Bearer abc/def+ghi=="`:               `401: "REDACTED"`,
		`token abc/def+ghi== rejected`:              `token REDACTED rejected`,
		`url token=abc%2Fdef%2Bghi%3D%3D`:           `url token=REDACTED`,
		`json {"k":"key\u003c\u0026\u003evalue"}`:   `json {"k":"REDACTED"}`,
		`tenant 7 unknown; status 407, 17 ms; id=7`: `tenant REDACTED unknown; status 407, 17 ms; id=REDACTED`,
		`Post "http://u:pw@h:1/v1/traces": refused`: `Post "http://REDACTED@h:1/v1/traces": refused`,
		"nothing here": "nothing here",
	} {
		if got := s.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	var nilS *Scrubber
	if got := nilS.String("http://u:pw@h/ abc"); got != "http://REDACTED@h/ abc" {
		t.Errorf("nil scrubber: %q", got)
	}
}

func TestScrubberError(t *testing.T) {
	s := New([]string{"s3cr3t-value"})
	plain := errors.New("nothing secret")
	if s.Error(plain) != plain {
		t.Error("an error with nothing to scrub must be returned as it is")
	}
	if s.Error(nil) != nil {
		t.Error("nil error")
	}
	err := s.Error(fmt.Errorf("export: %w (answer: bad token s3cr3t-value)", context.DeadlineExceeded))
	if strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "REDACTED") {
		t.Errorf("scrubbed error %q", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("errors.Is must still see the cause")
	}
	if errors.Unwrap(err) != nil {
		t.Error("the scrubbed error must not unwrap to the unscrubbed text")
	}
}

// fieldError is an error whose field a caller reads (as otel reads an OTLP
// partial success's rejected items).
type fieldError struct{ n int }

func (e fieldError) Error() string { return "rejected s3cr3t-value " + strconv.Itoa(e.n) }

// TestWalk: Walk reaches every error of a tree, joined and wrapped, also
// behind an error Error scrubbed, which itself still does not unwrap.
func TestWalk(t *testing.T) {
	s := New([]string{"s3cr3t-value"})
	err := s.Error(errors.Join(errors.New("close body"), fmt.Errorf("traces export: %w", fieldError{3}), fieldError{4}))
	if errors.Unwrap(err) != nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("scrubbed error %q unwraps or shows the secret", err)
	}
	sum, seen := 0, 0
	Walk(err, func(e error) {
		seen++
		if f, ok := e.(fieldError); ok {
			sum += f.n
		}
	})
	// The scrubbed error, the join, its three errors and the wrapped one.
	if sum != 7 || seen != 6 {
		t.Errorf("Walk saw %d errors with fields summing to %d, want 6 and 7", seen, sum)
	}
	Walk(nil, func(error) { t.Error("Walk called f for nil") })
}

// TestRedactUserInfo: user info goes whatever characters the password
// holds, unescaped; a URL whose path, query or fragment holds an '@'
// keeps its host and the rest.
func TestRedactUserInfo(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// User info, escaped or not.
		{"http://u:pw@h:1/v1", "http://REDACTED@h:1/v1"},
		{"http://token@h", "http://REDACTED@h"},
		{`proxy "http://user:pa/ss@proxy:8080": bad`, `proxy "http://REDACTED@proxy:8080": bad`},
		{"http://user:pa/ss@proxy:8080/x@y.z", "http://REDACTED@proxy:8080/x@y.z"},
		{"http://user:pa#ss@proxy:8080", "http://REDACTED@proxy:8080"},
		{"http://user:pa?ss@proxy:8080/v1", "http://REDACTED@proxy:8080/v1"},
		{"http://user:p:a:ss@proxy", "http://REDACTED@proxy"},
		{"http://user:p@ss@proxy:1/v1", "http://REDACTED@proxy:1/v1"},
		{"http://us@r:pa/ss@proxy:1", "http://REDACTED@proxy:1"},
		{"http://user:/pw@proxy", "http://REDACTED@proxy"},
		{"http://u:p/a/s/s@[::1]:4318/v1", "http://REDACTED@[::1]:4318/v1"},
		{"a http://u:p@h and https://v:q/r@i.", "a http://REDACTED@h and https://REDACTED@i."},
		{"http://h/login?next=http://v:q@i/x", "http://h/login?next=http://REDACTED@i/x"},
		// net/url's error for a password with '#' or '/': the URL cut
		// at the '#', and the piece of the password it took for a port.
		{`parse "http://user:pa/ss@proxy:8080": invalid port ":pa" after host`,
			`parse "http://REDACTED@proxy:8080": invalid port ":REDACTED" after host`},
		{`parse "http://user:pa": invalid port ":pa" after host`,
			`parse "http://user:REDACTED": invalid port ":REDACTED" after host`},
		{`invalid port ":p\"w" after host`, `invalid port ":REDACTED" after host`},
		// Quotes in the password, raw or escaped as Go's %q and JSON
		// escape them: all of the user info goes.
		{`http://u:p"wSECRET@h`, `http://REDACTED@h`},
		{`http://u:p'w<SE>CRET@h:1/v1`, `http://REDACTED@h:1/v1`},
		{"http://u:p`wSECRET@h", "http://REDACTED@h"},
		{`http://user"pw@h`, `http://REDACTED@h`},
		{`parse "http://u:p\"wSECRET@h:1": net/url: invalid userinfo`,
			`parse "http://REDACTED@h:1": net/url: invalid userinfo`},
		{`parse "http://user\"pw@h": net/url: invalid userinfo`, `parse "http://REDACTED@h": net/url: invalid userinfo`},
		{`parse "http://u:123\"pw@h": net/url: invalid userinfo`, `parse "http://REDACTED@h": net/url: invalid userinfo`},
		{`parse "http://u:p\"w/SECRET@h:1": invalid port ":p\"w" after host`,
			`parse "http://REDACTED@h:1": invalid port ":REDACTED" after host`},
		{`parse "http://u:p\"w": invalid port ":p\"w" after host`,
			`parse "http://u:REDACTED": invalid port ":REDACTED" after host`},
		// A password with '/' or '?' before its '#': net/url quotes the
		// URL cut at the '#', a path or query after the "port".
		{`parse "http://user:pa/ss": invalid port ":pa" after host`,
			`parse "http://user:REDACTED": invalid port ":REDACTED" after host`},
		{`parse "http://user:pa?ss/x": invalid port ":pa" after host`,
			`parse "http://user:REDACTED": invalid port ":REDACTED" after host`},
		{"not a URL: http://host:port/v1/traces, see the docs", "not a URL: http://host:REDACTED, see the docs"},
		{`{"url":"http://u:p\"w@h:1/v1"}`, `{"url":"http://REDACTED@h:1/v1"}`},
		{`Post "http://u:p"wSECRET@h/v1": refused`, `Post "http://REDACTED@h/v1": refused`},
		{`"http://u:pw@h:1","x@y"`, `"http://REDACTED@h:1","x@y"`},
		{`'http://u:p"w@h'`, `'http://REDACTED@h'`},
		// A quoted URL ends at its closing quote: an '@' after it is in
		// other text.
		{`"http://h/x" and "a@b"`, `"http://h/x" and "a@b"`},
		{`"http://h" and "a@b"`, `"http://h" and "a@b"`},
		{`["http://h","a@b"]`, `["http://h","a@b"]`},
		{`{"endpoint":"http://collector:4318","user":"me@x.com"}`, `{"endpoint":"http://collector:4318","user":"me@x.com"}`},
		{`'http://h:1/x','a@b'`, `'http://h:1/x','a@b'`},
		{`<http://h>a@b`, `<http://h>a@b`},
		{`Post "http://c:4318": refused`, `Post "http://c:4318": refused`},
		{`url=http://h:1" x`, `url=http://h:1" x`},
		// No user info: an '@' in the path, query or fragment.
		{"https://host/users/me@x.com", "https://host/users/me@x.com"},
		{"https://host:8443/users/me@x.com?a=b@c", "https://host:8443/users/me@x.com?a=b@c"},
		{"https://host?to=me@x.com", "https://host?to=me@x.com"},
		{"https://host#me@x.com", "https://host#me@x.com"},
		{"http://[::1]:4318/v1@x", "http://[::1]:4318/v1@x"},
		{"http://10.0.0.1/a@b", "http://10.0.0.1/a@b"},
		{"file:///home/me@x/f", "file:///home/me@x/f"},
		{"mail me@x.com at http://h:1/, or http://h:2.", "mail me@x.com at http://h:1/, or http://h:2."},
		{"Post \"http://c:4318/v1/traces\": refused", "Post \"http://c:4318/v1/traces\": refused"},
		{"nothing here", "nothing here"},
		// Ambiguous: a valid host and port before the '/' (or the
		// closing quote of a quoted URL) is read as a URL parser reads
		// it (documented).
		{"http://user:123/x@h", "http://user:123/x@h"},
		{`"http://user"pw@h"`, `"http://user"pw@h"`},
	} {
		if got := RedactUserInfo(c.in); got != c.want {
			t.Errorf("RedactUserInfo(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
}

// TestRedactUserInfoURLErrors: net/url's own errors about a proxy URL
// whose password holds '/', '#', '?' or a quote unescaped keep no piece of
// it.
func TestRedactUserInfoURLErrors(t *testing.T) {
	for _, raw := range []string{
		"http://user:Pw1/Pw2@proxy:8080", "http://user:Pw1#Pw2@proxy:8080", "http://user:Pw1?Pw2@proxy:8080",
		`http://user:Pw1"Pw2@proxy:8080`, `http://user:Pw1"Pw2/Pw3@proxy:8080`, `http://user:Pw1"Pw2#Pw3@proxy:8080`,
		`http://Pw1"Pw2@proxy:8080`, `http://user:Pw1'Pw2<Pw3>@proxy:8080`, "http://user:Pw1`Pw2@proxy:8080",
		`http://user:Pw1\Pw2"Pw3@proxy:8080`, "http://user:Pw1/Pw2#Pw3@proxy:8080", "http://user:Pw1?Pw2#Pw3@proxy:8080",
	} {
		_, err := url.Parse(raw)
		if err == nil {
			t.Fatalf("url.Parse(%q) accepted it", raw)
		}
		if got := RedactUserInfo(err.Error()); strings.Contains(got, "Pw") || !strings.Contains(got, "REDACTED") {
			t.Errorf("%q: %q keeps a piece of the password", raw, got)
		}
	}
}

// TestRedactUserInfoPasswords: a password made of letters and any of the
// characters that end a host, a URL or a quoted string ('/', '?', '#',
// ':', quotes, '\\', '<', '>', punctuation) leaves no piece in the URL,
// written alone, in text, quoted by Go, JSON or by hand, nor in net/url's
// error about it. ('@' is left out: "a@b/c" reads as user info "a" and a
// host, as a URL parser reads it.)
func TestRedactUserInfoPasswords(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	specials := []string{`"`, `'`, "`", `<`, `>`, `\`, `\"`, `:`, `/`, `?`, `#`, `%`, `&`, `=`, `,`, `;`, `.`, `)`, `]`, `}`}
	for n := 0; n < 5000; n++ {
		var pw strings.Builder
		pw.WriteString("SEC")
		for k := r.IntN(4); k >= 0; k-- {
			pw.WriteString(specials[r.IntN(len(specials))])
			pw.WriteString("SEC")
		}
		raw := "http://user:" + pw.String() + "@proxy:8080"
		j, _ := json.Marshal(raw)
		forms := []string{raw, "dial " + raw + " failed", strconv.Quote(raw), `"` + raw + `"`, string(j), "'" + raw + "'", "<" + raw + ">"}
		if _, err := url.Parse(raw); err != nil {
			forms = append(forms, err.Error())
		}
		for _, f := range forms {
			if got := RedactUserInfo(f); strings.Contains(got, "SEC") {
				t.Fatalf("RedactUserInfo(%s)\n = %s keeps a piece of the password", f, got)
			}
		}
	}
}

// BenchmarkRedactUserInfo: the cost of the user-info guard on an export
// error, with and without a URL in it.
func BenchmarkRedactUserInfo(b *testing.B) {
	for name, msg := range map[string]string{
		"no_url":   "context deadline exceeded: retry-able request failure",
		"url":      `Post "http://collector:4318/v1/traces": dial tcp 127.0.0.1:4318: connect: connection refused`,
		"userinfo": `proxyconnect tcp: parse "http://user:pa/ss@proxy:8080": invalid port ":pa" after host`,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = RedactUserInfo(msg)
			}
		})
	}
}

// FuzzRedactUserInfo: any text, no panic; text with no URL and no
// net/url port error comes back as it is.
func FuzzRedactUserInfo(f *testing.F) {
	for _, s := range []string{
		"http://u:p/a@h:1/x@y", "https://h/u@x", "://@", "://[", "://[::1", "a://b:@", `invalid port ":\"" after host`,
		`http://u:p"w@h`, `parse "http://u:p\"w@h:1": net/url: invalid userinfo`, `"http://h","a@b"`, `"://\`,
		`'http://h'@x`, `<http://u:p>w@h>`, `parse "http://u:p\"w": invalid port ":p\"w" after host`,
		`parse "http://user:pa/ss": invalid port ":pa" after host`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := RedactUserInfo(s)
		if !strings.Contains(s, "://") && !strings.Contains(s, "invalid port") && got != s {
			t.Errorf("%q changed to %q", s, got)
		}
	})
}

// manyValues returns n distinct header values of varied lengths, some
// short enough for the stand-alone rule.
func manyValues(n int) []string {
	out := make([]string, n)
	for i := range out {
		switch i % 4 {
		case 0:
			out[i] = strconv.Itoa(i) // short: replaced where it stands alone
		case 1:
			out[i] = fmt.Sprintf("tok-%d-%s", i, strings.Repeat("x", i%13))
		case 2:
			out[i] = fmt.Sprintf("Bearer k%dX2mQ7vB4nL8", i)
		default:
			out[i] = fmt.Sprintf("key<&>%d value/é", i)
		}
	}
	return out
}

// scrubMessage is an error text of the size Init scrubs, quoting one of
// manyValues.
func scrubMessage(values []string) string {
	return `otelkit: export failed: 401 Unauthorized: {"error":"invalid token ` + values[len(values)-2] +
		`","tenant":"` + values[len(values)-4] + `"} Post "https://collector.example:4318/v1/traces": status 401`
}

func BenchmarkScrubberManyValues(b *testing.B) {
	for _, n := range []int{10, 1000, 16000} {
		values := manyValues(n)
		msg := scrubMessage(values)
		b.Run(fmt.Sprintf("New/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				New(values)
			}
		})
		b.Run(fmt.Sprintf("String/%d", n), func(b *testing.B) {
			s := New(values)
			b.ReportAllocs()
			for b.Loop() {
				s.String(msg)
			}
		})
	}
}

// TestScrubberManyValues: with 16,000 values every form of each is
// replaced as with one value (a short one only where it stands alone),
// and text holding none is returned as it is.
func TestScrubberManyValues(t *testing.T) {
	values := manyValues(16000)
	s := New(values)
	for i := 0; i < len(values); i += 97 {
		v := values[i]
		js, _ := json.Marshal(v)
		for _, in := range []string{"a " + v + " b", "q=" + url.QueryEscape(v) + "&x", strconv.Quote(v), string(js)} {
			got := s.String(in)
			if strings.Contains(got, v) || !strings.Contains(got, scrubMark) {
				t.Fatalf("value %d: String(%q) = %q", i, in, got)
			}
		}
		if len(v) < minAnywhere {
			if in := "x" + v + "y"; s.String(in) != in {
				t.Errorf("short value %q replaced inside a word: %q", v, s.String(in))
			}
		}
	}
	if in := "nothing secret here: status 503, retry in 2s"; s.String(in) != in {
		t.Errorf("String(%q) = %q", in, s.String(in))
	}
}

// TestScrubberOverlapping: secrets that overlap in the text are replaced
// as one, so that no part of either shows (replaced in turn, the first
// left the tail of the second: "REDACTEDij").
func TestScrubberOverlapping(t *testing.T) {
	s := New([]string{"abcdefgh", "cdefghij", "7"})
	for in, want := range map[string]string{
		"x abcdefghij y":       "x REDACTED y",
		"abcdefghabcdefgh":     "REDACTEDREDACTED",
		"abcdefgh 7 cdefghij7": "REDACTED REDACTED REDACTED7",
	} {
		if got := s.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestExact: Exact replaces exactly the values given, a short one inside a
// longer word too (New replaces a short one only where it stands alone),
// and no other form of them; overlapping values as one.
func TestExact(t *testing.T) {
	s := Exact([]string{"k9X2", "abcd1234", "1234wxyz"})
	for in, want := range map[string]string{
		"tenant k9X2 refused":   "tenant REDACTED refused",
		"idk9X2z":               "idREDACTEDz",
		"abcd1234wxyz":          "REDACTED",
		`quoted "k9X2"`:         `quoted "REDACTED"`,
		"k9%582 is not a value": "k9%582 is not a value",
	} {
		if got := s.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSecretHoldingUserInfo: a header value that holds what looks like a
// URL's user info is replaced whole, by New and Exact alike; with user
// info removed first, the value no longer matched and its two ends
// showed ("tok://REDACTED@Zq81xLm").
func TestSecretHoldingUserInfo(t *testing.T) {
	const v = "tok://user:pw@Zq81xLm"
	for name, s := range map[string]*Scrubber{"New": New([]string{v}), "Exact": Exact([]string{v})} {
		if got, want := s.String("bad header "+v+" here"), "bad header REDACTED here"; got != want {
			t.Errorf("%s: String = %q, want %q", name, got, want)
		}
		if got, want := s.String("http://u:pw@h/ "+v), "http://REDACTED@h/ REDACTED"; got != want {
			t.Errorf("%s: String = %q, want %q", name, got, want)
		}
	}
}

// TestNewSkipsValuesWithoutLetters: a value of spaces and punctuation (a
// header value a reverse proxy's client chose) is no credential and is not
// looked for; replaced, it made every space and colon of the text
// REDACTED. A value with a letter or digit among them still is.
func TestNewSkipsValuesWithoutLetters(t *testing.T) {
	const text = "dial tcp 10.0.0.7:443: connect: connection refused"
	if got := New([]string{" ", ":", "  ", "-_-", ": :"}).String(text); got != text {
		t.Errorf("values without a letter or digit changed the text: %q", got)
	}
	if got := New([]string{" ", "connection"}).String(text); got != "dial tcp 10.0.0.7:443: connect: REDACTED refused" {
		t.Errorf("a value with letters beside one without: %q", got)
	}
	if got := New([]string{"ключ-секрет"}).String("bad key ключ-секрет"); got != "bad key REDACTED" {
		t.Errorf("a non-ASCII value: %q", got)
	}
}
