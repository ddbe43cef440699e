package w3c

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func members(n int, format string) string {
	m := make([]string, n)
	for i := range m {
		m[i] = fmt.Sprintf(format, i)
	}
	return strings.Join(m, ",")
}

func TestNormalizeTraceState(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		want  string
		drop  Drop
	}{
		{"absent", nil, "", 0},
		{"one clean line", []string{"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", 0},
		{"lines combined in order", []string{"foo=1,bar=2", "rojo=1,congo=2", "baz=3"}, "foo=1,bar=2,rojo=1,congo=2,baz=3", 0},
		{"empty line before", []string{"", "foo=1"}, "foo=1", 0},
		{"empty line after", []string{"foo=1", ""}, "foo=1", 0},
		{"only empty", []string{"", " "}, "", 0},
		{"empty and blank members", []string{",foo=1,, \t ,bar=2,"}, "foo=1,bar=2", 0},
		{"optional whitespace", []string{"foo=1 \t , \t bar=2, \t baz=3"}, "foo=1,bar=2,baz=3", 0},
		{"leading spaces of a value kept", []string{"foo=  1"}, "foo=  1", 0},
		{"trailing spaces of a value are OWS", []string{"foo=1  "}, "foo=1", 0},
		{"invalid key dropped alone", []string{"foo=1,BAR=2,baz=3"}, "foo=1,baz=3", DropInvalid},
		{"space before equals", []string{"foo =1,bar=2"}, "bar=2", DropInvalid},
		{"value with equals", []string{"foo=bar=baz,ok=1"}, "ok=1", DropInvalid},
		{"empty value", []string{"foo=,bar=3"}, "bar=3", DropInvalid},
		{"no equals", []string{"foo,bar=3"}, "bar=3", DropInvalid},
		{"control character", []string{"a=b\r\nc=d,e=f"}, "e=f", DropInvalid},
		{"non-ASCII value", []string{"a=caf\u00e9,e=f"}, "e=f", DropInvalid},
		{"duplicate in one line", []string{"foo=1,bar=2,foo=3"}, "bar=2", DropDuplicate},
		{"duplicate across lines", []string{"foo=1", "foo=1", "bar=2"}, "bar=2", DropDuplicate},
		{"32 members kept", []string{members(32, "k%d=v")}, members(32, "k%d=v"), 0},
		{"33 members dropped whole", []string{members(33, "k%d=v")}, "", DropTooMany},
		{"33 members over lines", []string{members(30, "k%d=v"), "x=1,y=2,z=3"}, "", DropTooMany},
		{"blank members do not count", []string{members(32, "k%d=v") + ",,,"}, members(32, "k%d=v"), 0},
		{"over the byte limit", []string{"a=" + strings.Repeat("x", MaxTraceStateBytes)}, "", DropOversize},
		{"key of 256", []string{"foo=1", strings.Repeat("z", 256) + "=1"}, "foo=1," + strings.Repeat("z", 256) + "=1", 0},
		{"key of 257", []string{"foo=1", strings.Repeat("z", 257) + "=1"}, "foo=1", DropInvalid},
		{"value of 256", []string{"foo=" + strings.Repeat("v", 256)}, "foo=" + strings.Repeat("v", 256), 0},
		{"value of 257", []string{"foo=" + strings.Repeat("v", 257) + ",a=1"}, "a=1", DropInvalid},
		{"tenant key", []string{"t@v=1"}, "t@v=1", 0},
		{"tenant of 241, system of 14", []string{strings.Repeat("t", 241) + "@" + strings.Repeat("v", 14) + "=1"}, strings.Repeat("t", 241) + "@" + strings.Repeat("v", 14) + "=1", 0},
		{"starts with @", []string{"@foo=1,bar=2"}, "bar=2", DropInvalid},
		// Level 2 keys the SDK cannot hold: dropped alone.
		{"digit first", []string{"1vendor=1,bar=2"}, "bar=2", DropUnrepresentable},
		{"empty system id", []string{"foo@=1,bar=2"}, "bar=2", DropUnrepresentable},
		{"two at signs", []string{"foo@bar@baz=1,bar=2"}, "bar=2", DropUnrepresentable},
		{"double at", []string{"foo@@bar=1,bar=2"}, "bar=2", DropUnrepresentable},
		{"system id of 15", []string{"t@" + strings.Repeat("v", 15) + "=1,bar=2"}, "bar=2", DropUnrepresentable},
		{"tenant of 242", []string{strings.Repeat("t", 242) + "@v=1,bar=2"}, "bar=2", DropUnrepresentable},
		{"system id starts with digit", []string{"t@1v=1,bar=2"}, "bar=2", DropUnrepresentable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, drop := NormalizeTraceState(tc.lines)
			if got != tc.want || drop != tc.drop {
				t.Errorf("got %q (%v), want %q (%v)", got, drop, tc.want, tc.drop)
			}
			if _, err := trace.ParseTraceState(got); err != nil {
				t.Errorf("the SDK rejects the result: %v", err)
			}
		})
	}
}

func TestNormalizeTraceStateAllocations(t *testing.T) {
	clean := []string{"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}
	if n := testing.AllocsPerRun(100, func() { _, _ = NormalizeTraceState(clean) }); n != 0 {
		t.Errorf("clean line: %v allocations", n)
	}
	two := []string{"rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"}
	if n := testing.AllocsPerRun(100, func() { _, _ = NormalizeTraceState(two) }); n != 1 {
		t.Errorf("two lines: %v allocations, want 1", n)
	}
	huge := []string{"a=" + strings.Repeat("x", 1<<20)}
	if n := testing.AllocsPerRun(100, func() { _, _ = NormalizeTraceState(huge) }); n != 0 {
		t.Errorf("1 MiB line: %v allocations", n)
	}
}

// sdkKey restates the SDK's key check; this keeps the two in step over
// every kind of Level 2 key.
func TestSDKKeyMatchesTheSDK(t *testing.T) {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789_-*/@"
	rng := rand.New(rand.NewPCG(14, 2))
	keys := []string{"a", "1", "a@b", "1@b", "a@", "a@1", "a@b@c", strings.Repeat("t", 241) + "@v", strings.Repeat("t", 242) + "@v"}
	for i := 0; i < 20000; i++ {
		n := 1 + rng.IntN(260)
		if i%2 == 0 {
			n = 1 + rng.IntN(20)
		}
		b := make([]byte, n)
		for j := range b {
			b[j] = chars[rng.IntN(len(chars))]
		}
		keys = append(keys, string(b))
	}
	for _, k := range keys {
		if !validKey(k) {
			continue
		}
		_, err := trace.ParseTraceState(k + "=v")
		if (err == nil) != sdkKey(k) {
			t.Fatalf("key %q: SDK error %v, sdkKey %v", k, err, sdkKey(k))
		}
	}
}

func FuzzNormalizeTraceState(f *testing.F) {
	f.Add("foo=1,bar=2", "baz=3")
	f.Add(" foo=1 , ,bar= 2 ", "")
	f.Add("foo=1,foo=2", "1a=x")
	f.Add("a@b@c=1,t@v=2", "@x=1")
	f.Add(members(33, "k%d=v"), "")
	f.Fuzz(func(t *testing.T, a, b string) {
		got, _ := NormalizeTraceState([]string{a, b})
		if len(got) > len(a)+1+len(b) {
			t.Fatalf("result longer than the input: %q", got)
		}
		ts, err := trace.ParseTraceState(got)
		if err != nil {
			t.Fatalf("the SDK rejects %q: %v", got, err)
		}
		if ts.String() != got {
			t.Fatalf("the SDK changes %q into %q", got, ts.String())
		}
		if again, drop := NormalizeTraceState([]string{got}); again != got || drop != 0 {
			t.Fatalf("not idempotent: %q -> %q (%v)", got, again, drop)
		}
	})
}
