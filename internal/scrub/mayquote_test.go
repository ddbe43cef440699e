package scrub

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestMayQuote: MayQuote is false only when New's Scrubber would change
// nothing, for every form New replaces.
func TestMayQuote(t *testing.T) {
	values := []string{"Bearer sk-live-0123456789", "k-APIKEY98765", "a+b/c==tokenvalue", "short"}
	for _, msg := range []string{
		"no credential here",
		"invalid key k-APIKEY98765",
		`invalid "Bearer sk-live-0123456789"`,
		"auth=" + url.QueryEscape("Bearer sk-live-0123456789"),
		"token sk-live-0123456789 refused",
		"b64 " + url.QueryEscape("a+b/c==tokenvalue"),
		"q " + strconv.Quote("a+b/c==tokenvalue"),
		"a short one",
		"shortened",
		"",
	} {
		changes := New(values).String(msg) != msg
		if got := MayQuote(values, msg); changes && !got {
			t.Errorf("MayQuote(%q) = false, but the Scrubber changes it", msg)
		}
	}
	// The cheap answers: nothing quoted, and values escaping leaves alone
	// or with such a part.
	if MayQuote([]string{"Bearer sk-live-0123456789", "k-APIKEY98765", "short"}, "order 4711 not found") {
		t.Error("MayQuote is true for a message that quotes none")
	}
	if !MayQuote([]string{"+/==", "é"}, "order 4711 not found") {
		t.Error("MayQuote must answer maybe for a value with no byte that escaping leaves alone")
	}
	if MayQuote(nil, "x") || MayQuote([]string{""}, "x") {
		t.Error("MayQuote with no values")
	}
}

// TestMayQuoteEscapedValues: a value that escaping changes (a cookie, a
// base64 key, a JSON credential) is looked for by its longest run that
// escaping leaves alone, which every form of it holds: MayQuote is false
// for a message without that run, and true for one quoting any form New
// replaces.
func TestMayQuoteEscapedValues(t *testing.T) {
	values := []string{"theme=dark; session=0123456789abcdef", "a+b/c==tokenvalue", `{"k":"s3cr3t-json"}`, "x=1"}
	for _, v := range values {
		if MayQuote([]string{v}, "dial tcp 10.0.0.7:443: connect: connection refused") {
			t.Errorf("MayQuote(%q) is true for a message that quotes no part of it", v)
		}
		q := strconv.Quote(v)
		j, _ := json.Marshal(v)
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v), q[1 : len(q)-1], string(j[1 : len(j)-1])} {
			msg := "refused " + form + "."
			if New([]string{v}).String(msg) == msg {
				t.Fatalf("the Scrubber does not replace %q in %q: no test", v, msg)
			}
			if !MayQuote([]string{v}, msg) {
				t.Errorf("MayQuote(%q, %q) = false, but the Scrubber changes it", v, msg)
			}
		}
	}
}

// TestNewFor: NewFor builds no Scrubber for a text that quotes none of
// the values, and one that replaces them in a text that does; user info
// goes from both.
func TestNewFor(t *testing.T) {
	values := []string{"Bearer sk-live-0123456789", "theme=dark; session=0123456789abcdef"}
	plain := "dial http://u:pw@10.0.0.7:443: connection refused"
	if sc := NewFor(values, plain); sc != nil {
		t.Error("NewFor built a Scrubber for a text that quotes no value")
	} else if got := sc.String(plain); got != RedactUserInfo(plain) || got == plain {
		t.Errorf("NewFor's nil Scrubber gave %q", got)
	}
	quoted := "refused " + url.QueryEscape(values[1]) + " from http://u:pw@proxy:8080"
	if got, want := NewFor(values, quoted).String(quoted), New(values).String(quoted); got != want || got == quoted {
		t.Errorf("NewFor(%q) gave %q, New %q", quoted, got, want)
	}
}

func BenchmarkMayQuote(b *testing.B) {
	values := []string{"Bearer sk-live-0123456789", "k-APIKEY98765"}
	b.ReportAllocs()
	for b.Loop() {
		_ = MayQuote(values, "db: connection refused at 10.0.0.1:5432 after 3 attempts")
	}
}

// FuzzMayQuote: MayQuote is false only when New's Scrubber replaces no
// secret in msg, for a value quoted in msg in each form New knows (as it
// is, URL-, Go- and JSON-escaped, and each of its whitespace-separated
// parts), between text of the fuzzer's.
func FuzzMayQuote(f *testing.F) {
	for _, v := range []string{"Bearer sk-live-0123456789", "theme=dark; session=0123456789abcdef", "a+b/c==tokenvalue",
		`{"k":"s3cr3t-json"}`, "x=1", "short", "+/==", "é"} {
		f.Add(v, "refused ", ".", uint8(0))
	}
	// A part quoted alone that lacks the value's longest run.
	f.Add("verylongprefixword +/+/+/+/", "refused ", ".", uint8(2))
	f.Add("session=0123456789abcdef; csrf=ZyXw9876543210QQ", "invalid ", "", uint8(2))
	f.Fuzz(func(t *testing.T, v, before, after string, n uint8) {
		forms := append([]string{v}, strings.Fields(v)...)
		p := forms[int(n)%len(forms)]
		q := strconv.Quote(p)
		j, _ := json.Marshal(p)
		for _, form := range []string{p, url.QueryEscape(p), url.PathEscape(p), q[1 : len(q)-1], string(j[1 : len(j)-1])} {
			for _, msg := range []string{before + form + after, before + after} {
				if !MayQuote([]string{v}, msg) && New([]string{v}).secrets.replace(msg) != msg {
					t.Errorf("MayQuote(%q, %q) = false, but the Scrubber replaces a secret in it", v, msg)
				}
			}
		}
	})
}
