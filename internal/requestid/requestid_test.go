package requestid

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{"a", true},
		{"abc-123_x", true},
		{"req-1.2~3:4/5+6=7@8", true},
		{"0123456789abcdefABCDEF", true},
		{strings.Repeat("a", MaxLen), true},
		{strings.Repeat("a", MaxLen+1), false},
		{strings.Repeat("x", 10<<10), false},
		{"", false},
		{"a b", false},
		{"a\r\nX-Evil: 1", false},
		{"a\nb", false},
		{`a"b`, false},
		{`{"level":"error"}`, false},
		{"\x1b[31mred", false},
		{"caf\u00e9", false},
		{"\u200bzero", false},
		{"a\\b", false},
		{"a\x00b", false},
		{"a\x7f", false},
		{"<script>", false},
	}
	for _, c := range cases {
		if got := Valid(c.in); got != c.want {
			t.Errorf("Valid(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestFromHeader(t *testing.T) {
	if id, ok := FromHeader([]string{"abc"}); !ok || id != "abc" {
		t.Fatalf("single valid value: got %q %v", id, ok)
	}
	for _, vals := range [][]string{nil, {}, {"abc", "def"}, {"abc", "abc"}, {""}, {"a b"}} {
		if id, ok := FromHeader(vals); ok || id != "" {
			t.Errorf("FromHeader(%q) = %q %v, want rejection", vals, id, ok)
		}
	}
}

func TestNew(t *testing.T) {
	seen := make(map[string]bool)
	for i := 0; i < 10000; i++ {
		id := New()
		if len(id) != 32 || !Valid(id) {
			t.Fatalf("New() = %q: want 32 valid characters", id)
		}
		if strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("New() = %q: want lowercase hex", id)
		}
		if seen[id] {
			t.Fatalf("New() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestNewNotSequential(t *testing.T) {
	// A counter would share a long prefix between consecutive IDs.
	a, b := New(), New()
	common := 0
	for common < len(a) && a[common] == b[common] {
		common++
	}
	if common > 8 {
		t.Fatalf("consecutive IDs %q and %q share a %d-character prefix", a, b, common)
	}
}

func TestResolve(t *testing.T) {
	if id, kept := Resolve([]string{"keep-me"}); !kept || id != "keep-me" {
		t.Fatalf("Resolve valid = %q %v", id, kept)
	}
	if id, kept := Resolve([]string{"bad value"}); kept || !Valid(id) || id == "bad value" {
		t.Fatalf("Resolve invalid = %q %v", id, kept)
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range []string{"abc", "", "a\r\nb", strings.Repeat("z", 129), "\x1b[0m", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !Valid(s) {
			return
		}
		if len(s) == 0 || len(s) > MaxLen {
			t.Fatalf("accepted length %d", len(s))
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '\'' || c == '<' || c == '>' || c == ',' || c == ';' {
				t.Fatalf("accepted byte %q in %q", c, s)
			}
		}
	})
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = New()
	}
}

func BenchmarkValid(b *testing.B) {
	b.ReportAllocs()
	id := New()
	for b.Loop() {
		_ = Valid(id)
	}
}

func TestReplaceOutgoing(t *testing.T) {
	cases := []struct {
		values []string
		ctxID  string
		want   bool
	}{
		{nil, "ctx-1", true},                                     // nothing set: the context's is sent
		{[]string{"edge-42"}, "ctx-1", false},                    // one valid value: the caller's wins
		{[]string{"edge 42"}, "ctx-1", true},                     // invalid bytes
		{[]string{strings.Repeat("a", MaxLen+1)}, "ctx-1", true}, // too long
		{[]string{""}, "ctx-1", true},                            // empty
		{[]string{"a", "b"}, "ctx-1", true},                      // several values
		{[]string{"a", "a"}, "ctx-1", true},                      // repeated
		{nil, "", false},                                         // no context ID: nothing to send
		{[]string{"edge 42"}, "", false},                         // invalid, no context ID: left as it is
		{[]string{"a", "b"}, "", false},
	}
	for _, c := range cases {
		if got := ReplaceOutgoing(c.values, c.ctxID); got != c.want {
			t.Errorf("ReplaceOutgoing(%q, %q) = %v, want %v", c.values, c.ctxID, got, c.want)
		}
	}
}
