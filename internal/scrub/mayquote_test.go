package scrub

import (
	"net/url"
	"strconv"
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
	if !MayQuote([]string{"a+b/c=="}, "order 4711 not found") {
		t.Error("MayQuote must answer maybe for a value with no part that escaping leaves alone")
	}
	if MayQuote(nil, "x") || MayQuote([]string{""}, "x") {
		t.Error("MayQuote with no values")
	}
}

func BenchmarkMayQuote(b *testing.B) {
	values := []string{"Bearer sk-live-0123456789", "k-APIKEY98765"}
	b.ReportAllocs()
	for b.Loop() {
		_ = MayQuote(values, "db: connection refused at 10.0.0.1:5432 after 3 attempts")
	}
}
