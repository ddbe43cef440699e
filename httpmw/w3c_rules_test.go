package httpmw

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

// The rules of the W3C conformance suite (harness in
// w3c_conformance_test.go).

func TestW3CTraceParent(t *testing.T)   { runConformance(t, traceParentRules) }
func TestW3CTraceFlags(t *testing.T)    { runConformance(t, traceFlagsRules) }
func TestW3CTraceState(t *testing.T)    { runConformance(t, traceStateRules) }
func TestW3CTraceStateKey(t *testing.T) { runConformance(t, traceStateKeyRules) }
func TestW3CTraceStateOut(t *testing.T) { runConformance(t, traceStateOutRules) }
func TestW3CBaggage(t *testing.T)       { runConformance(t, baggageRules) }

var traceParentRules = map[string]conformanceCase{
	"continued": {"TC2 §3.4: a received traceparent MUST be sent to outgoing requests; the parent-id is updated",
		hdr(tp(tcParent)), nil, continued},
	"absent starts a trace": {"TC2 §3.4: without traceparent a vendor SHOULD generate one for outbound requests",
		nil, nil, restarted},
	"name in any case": {"RFC 9110 §5.1 (TC Level 1 §3.2.1: vendors MUST expect the header name in any case)",
		hdr([2]string{"TrAcEpArEnT", tcParent}), nil, continued},
	"other names are not traceparent": {"TC2 §3.2.1: the name is a single word without delimiters",
		hdr([2]string{"trace-parent", tcParent}), nil, restarted},
	"optional whitespace": {"RFC 9110 §5.5: leading and trailing whitespace is not part of a field value",
		hdr(tp("\t " + tcParent + " \t")), nil, continued},
	"version ff": {"TC2 §3.2.2.1: version ff is invalid",
		hdr(tp("ff" + tcParent[2:])), nil, restarted},
	"version not hex": {"TC2 §3.2.4: when the version prefix cannot be parsed the trace restarts",
		hdr(tp(".0" + tcParent[2:])), nil, restarted},
	"trace-id all zero": {"TC2 §3.2.2.3: an invalid trace-id (all zeros) MUST make vendors ignore the traceparent",
		hdr(tp("00-00000000000000000000000000000000-1234567890123456-01")), nil, restarted},
	"trace-id upper case": {"TC2 §3.2.2.3: non-allowed characters (HEXDIGLC) MUST make vendors ignore the traceparent",
		hdr(tp("00-ABCDEF78901234567890123456789012-1234567890123456-01")), nil, restarted},
	"parent-id all zero": {"TC2 §3.2.2.4: an invalid parent-id MUST make vendors ignore the traceparent",
		hdr(tp("00-" + tcTrace + "-0000000000000000-01")), nil, restarted},
	"parent-id too long": {"TC2 §3.2.2.4: parent-id is 16 lower-case hex characters",
		hdr(tp("00-" + tcTrace + "-12345678901234567-01")), nil, restarted},
	"version 00 with more fields": {"TC2 §3.2.2.2: version 00 is exactly version-trace-id-parent-id-flags",
		hdr(tp(tcParent + "-what-the-future-will-be-like")), nil, restarted},
	"higher version continued as 00": {"TC2 §3.2.4: a higher version is parsed for its first fields; the new traceparent MUST be version 00",
		hdr(tp("cc" + tcParent[2:] + "-what-the-future-will-be-like")), nil, continued},
	"higher version with a bad flags end": {"TC2 §3.2.4: the flags MUST be at the end of the string or followed by a dash",
		hdr(tp("cc" + tcParent[2:] + ".what-the-future-will-be-like")), nil, restarted},
	"higher version shorter than 55": {"TC2 §3.2.4: a header shorter than 55 characters should restart the trace",
		hdr(tp("cc" + tcParent[2:54])), nil, restarted},
	"over the size limit": {"TC2 §3.2.4: only prohibitively large headers are rejected (internal/w3c: 512 bytes)",
		hdr(tp("cc" + tcParent[2:] + "-" + strings.Repeat("x", 600))), nil, restarted},
	"repeated, differing": {"RFC 9110 §5.3: traceparent is not a list; two different values are ambiguous and restart the trace",
		hdr(tp(tcParent), tp("00-"+tcTrace+"-1234567890123457-01")), nil, restarted},
	"repeated, identical": {"RFC 9110 §5.3: identical repeats are read as one (internal/w3c)",
		hdr(tp(tcParent), tp(tcParent)), nil, continued},
}

func flagsAre(want string) func(*testing.T, conformanceResult) {
	return func(t *testing.T, r conformanceResult) {
		continued(t, r)
		if _, flags := outParent(t, r); flags != want {
			t.Errorf("outgoing trace-flags %s, want %s", flags, want)
		}
	}
}

var traceFlagsRules = map[string]conformanceCase{
	"sampled respected": {"TC2 §3.2.2.5.1: a component that makes a recording decision SHOULD respect the sampled flag",
		hdr(tp(tcParent)), nil, flagsAre("01")},
	"not sampled respected": {"TC2 §3.2.2.5.1: a component that makes a recording decision SHOULD respect the sampled flag",
		hdr(tp(tcParent[:53] + "00")), nil, flagsAre("00")},
	"random kept set": {"TC2 §3.2.2.5.2: a random flag set in the incoming traceparent MUST be set in outgoing ones with that trace-id",
		hdr(tp(tcParent[:53] + "03")), nil, flagsAre("03")},
	"random kept unset": {"TC2 §3.2.2.5.2: a random flag unset in the incoming traceparent MUST be unset in outgoing ones",
		hdr(tp(tcParent)), nil, flagsAre("01")},
	"undefined flags masked and zeroed": {"TC2 §3.2.2.5: flags are a bit field read by masking; §3.2.2.5.3: vendors MUST set other flags to zero",
		hdr(tp(tcParent[:53] + "09")), nil, flagsAre("01")},
	"residual: a new trace is not marked random": {"TC2 §3.2.2.3 and §3.2.2.5.2: random trace-ids SHOULD set the flag; the SDK sets flags only from a parent (package documentation)",
		nil, nil, func(t *testing.T, r conformanceResult) {
			restarted(t, r)
			if _, flags := outParent(t, r); flags != "01" {
				t.Errorf("outgoing trace-flags %s: the SDK now sets the random flag, update the package documentation", flags)
			}
		}},
	"flags not hex": {"TC2 §3.2.2.5: trace-flags is 2 lower-case hex characters",
		hdr(tp(tcParent[:53] + ".0")), nil, restarted},
}

var traceStateRules = map[string]conformanceCase{
	"inherited": {"TC2 §3.5: a received tracestate MUST be sent to outgoing requests",
		hdr(tp(tcParent), ts("foo=1,bar=2")), nil, stateIs("foo=1,bar=2")},
	"name in any case": {"RFC 9110 §5.1 (TC Level 1 §3.3.1: vendors MUST expect the header name in any case)",
		hdr(tp(tcParent), [2]string{"TRACESTATE", "foo=1"}), nil, stateIs("foo=1")},
	"without traceparent discarded": {"TC2 §3.3: if traceparent failed to parse, tracestate MUST NOT be parsed",
		hdr(ts("foo=1")), nil, restarted},
	"with an invalid traceparent discarded": {"TC2 §3.3: if traceparent failed to parse, tracestate MUST NOT be parsed",
		hdr(tp("00-"+tcTrace+"-0000000000000000-01"), ts("foo=1")), nil, restarted},
	"invalid does not affect traceparent": {"TC2 §3.3: failure to parse tracestate MUST NOT affect the parsing of traceparent",
		hdr(tp(tcParent), ts("BAD,=,@")), nil, stateIs("")},
	"lines combined in order": {"TC2 §3.3.2: multiple tracestate fields MUST be combined (RFC 9110 §5.3) and sent as a single field",
		hdr(tp(tcParent), ts("foo=1,bar=2"), ts("rojo=1,congo=2"), ts("baz=3")), nil, stateIs("foo=1,bar=2,rojo=1,congo=2,baz=3")},
	"empty line accepted": {"TC2 §3.3.2: vendors MUST accept empty tracestate headers",
		hdr(tp(tcParent), ts(""), ts("foo=1"), ts("")), nil, stateIs("foo=1")},
	"empty not sent": {"TC2 §3.3.2: vendors SHOULD avoid sending empty tracestate headers",
		hdr(tp(tcParent), ts("")), nil, stateIs("")},
	"empty and blank members": {"TC2 §3.3.2: empty and whitespace-only list members are allowed",
		hdr(tp(tcParent), ts(",foo=1,, \t ,bar=2,")), nil, stateIs("foo=1,bar=2")},
	"whitespace around members": {"TC2 §3.3.2: spaces and tabs surrounding list-members are ignored",
		hdr(tp(tcParent), ts("foo=1 \t , \t bar=2")), nil, stateIs("foo=1,bar=2")},
	"leading spaces of a value": {"TC2 §3.3.2.2.2: all leading spaces MUST be preserved as part of the value",
		hdr(tp(tcParent), ts("foo=  1,bar=2")), nil, stateIs("foo=  1,bar=2")},
	"32 members": {"TC2 §3.3.2: a list has at most 32 list-members",
		hdr(tp(tcParent), ts(nMembers(16, "a%d=1")), ts(nMembers(16, "b%d=1"))), nil, stateIs(nMembers(16, "a%d=1") + "," + nMembers(16, "b%d=1"))},
	"33 members discarded": {"TC2 §3.3.2: a list has at most 32 list-members (internal/w3c drops a longer list)",
		hdr(tp(tcParent), ts(nMembers(30, "a%d=1")), ts("x=1,y=2,z=3")), nil, stateIs("")},
	"invalid member dropped alone": {"TC2 §4: invalid tracestate entries MAY be discarded (the rest is kept)",
		hdr(tp(tcParent), ts("foo=1,FOO=2,bar=,baz=a=b,ok=3")), nil, stateIs("foo=1,ok=3")},
	"duplicate keys": {"TC2 §3.3.3: one entry per key; §3.5: vendors MAY discard duplicate keys (every member with the key, the rest kept)",
		hdr(tp(tcParent), ts("foo=1,bar=2"), ts("foo=3,baz=4")), nil, stateIs("bar=2,baz=4")},
	"at least 512 characters": {"TC2 §3.3.3.1: vendors SHOULD propagate at least 512 characters of a combined header",
		hdr(tp(tcParent), ts(nMembers(8, "vendor%d="+strings.Repeat("v", 120)))), nil, stateIs(nMembers(8, "vendor%d="+strings.Repeat("v", 120)))},
	"over the size limit": {"TC2 §3.3.3.1: the maximum size SHOULD be documented (internal/w3c: 8192 bytes, dropped unparsed)",
		hdr(tp(tcParent), ts("a="+strings.Repeat("x", 8190)), ts("b=1")), nil, stateIs("")},
}

var allKeyChars = "abcdefghijklmnopqrstuvwxyz0123456789_-*/"

// allValueChars is every value character, starting with a space
// (%x20-2B / %x2D-3C / %x3E-7E).
var allValueChars = func() string {
	var b strings.Builder
	for c := 0x20; c <= 0x7e; c++ {
		if c != ',' && c != '=' {
			b.WriteByte(byte(c))
		}
	}
	return b.String()
}()

var traceStateKeyRules = map[string]conformanceCase{
	"every key and value character": {"TC2 §3.3.2.2.1 and §3.3.2.2.2: the key and value grammars",
		hdr(tp(tcParent), ts(allKeyChars+"="+allValueChars)), nil, stateIs(allKeyChars + "=" + allValueChars)},
	"multi-tenant key": {"TC2 §3.3.2.2.1: keychar includes @",
		hdr(tp(tcParent), ts(allKeyChars+"@a-z0-9_-*/=1")), nil, stateIs(allKeyChars + "@a-z0-9_-*/=1")},
	"key of 256": {"TC2 §3.3.2.2.1: a key has up to 256 characters",
		hdr(tp(tcParent), ts("foo=1"), ts(strings.Repeat("z", 256)+"=1")), nil, stateIs("foo=1," + strings.Repeat("z", 256) + "=1")},
	"key of 257": {"TC2 §3.3.2.2.1: a key has up to 256 characters (the member is dropped)",
		hdr(tp(tcParent), ts("foo=1"), ts(strings.Repeat("z", 257)+"=1")), nil, stateIs("foo=1")},
	"value of 257": {"TC2 §3.3.2.2.2: a value has up to 256 characters (the member is dropped)",
		hdr(tp(tcParent), ts("foo=1,bar="+strings.Repeat("v", 257))), nil, stateIs("foo=1")},
	"key not starting with a letter or digit": {"TC2 §3.3.2.2.1: a key MUST begin with a lowercase letter or a digit",
		hdr(tp(tcParent), ts("@foo=1,_x=2,bar=3")), nil, stateIs("bar=3")},
	"residual: key starting with a digit": {"TC2 §3.3.2.2.1 allows it; the SDK's TraceState does not (member dropped, package documentation)",
		hdr(tp(tcParent), ts("1vendor=1,bar=2")), nil, stateIs("bar=2")},
	"residual: key with two at signs": {"TC2 §3.3.2.2.1 allows it; the SDK's TraceState does not (member dropped, package documentation)",
		hdr(tp(tcParent), ts("foo@bar@baz=1,bar=2")), nil, stateIs("bar=2")},
	"residual: key ending in @": {"TC2 §3.3.2.2.1 allows it; the SDK's TraceState does not (member dropped, package documentation)",
		hdr(tp(tcParent), ts("foo@=1,bar=2")), nil, stateIs("bar=2")},
}

// withState changes the tracestate of the span the service calls with.
func withState(edit func(trace.TraceState) trace.TraceState) func(context.Context) context.Context {
	return func(ctx context.Context) context.Context {
		sc := trace.SpanContextFromContext(ctx)
		return trace.ContextWithSpanContext(ctx, sc.WithTraceState(edit(sc.TraceState())))
	}
}

func insert(key, value string) func(trace.TraceState) trace.TraceState {
	return func(s trace.TraceState) trace.TraceState { s, _ = s.Insert(key, value); return s }
}

// bigState adds 31 entries of 511 characters in front of the received one
// (the SDK holds up to 32 entries, 16 KiB).
func bigState(s trace.TraceState) trace.TraceState {
	for i := 0; i < 31; i++ {
		s, _ = s.Insert(fmt.Sprintf("k%02d%s", i, strings.Repeat("x", 251)), strings.Repeat("v", 256))
	}
	return s
}

var traceStateOutRules = map[string]conformanceCase{
	"modified key moved left": {"TC2 §3.5: modified keys MUST be moved to the beginning of the list; the order of the others MUST be preserved",
		hdr(tp(tcParent), ts("foo=1,bar=2,baz=3")), withState(insert("bar", "9")), stateIs("bar=9,foo=1,baz=3")},
	"added key at the beginning, not twice": {"TC2 §3.5: a new pair SHOULD be added at the beginning; adding MUST NOT repeat a key",
		hdr(tp(tcParent), ts("foo=1")), withState(insert("new", "1")), stateIs("new=1,foo=1")},
	"truncated by whole entries": {"TC2 §3.3.3.1: truncation MUST remove whole entries, those over 128 characters first, from the end",
		hdr(tp(tcParent), ts("short=1")), withState(bigState), func(t *testing.T, r conformanceResult) {
			continued(t, r)
			out := r.out.Get("tracestate")
			if len(out) > 8192 || !strings.HasSuffix(out, ",short=1") || strings.Count(out, ",") != 15 {
				t.Errorf("outgoing tracestate of %d bytes, %d entries, ends %q", len(out), strings.Count(out, ",")+1, out[max(0, len(out)-20):])
			}
		}},
}

var baggageRules = map[string]conformanceCase{
	"passed on": {"Baggage §Baggage HTTP Header Format: a received baggage SHOULD be passed on to all downstream requests",
		hdr(bg("userId=alice,isProduction=false")), nil, baggageIs(map[string]string{"userId": "alice", "isProduction": "false"})},
	"lines combined": {"Baggage §Baggage HTTP Header Format: multiple baggage headers are allowed and combined",
		hdr(tp(tcParent), bg("userId=alice"), bg("serverNode=DF%2028,isProduction=false")), nil, baggageIs(map[string]string{"userId": "alice", "serverNode": "DF 28", "isProduction": "false"})},
	"whitespace trimmed": {"Baggage §key, §value: leading and trailing OWS MUST be trimmed",
		hdr(bg("userId =   alice"), bg("serverNode = DF%2028, isProduction = false")), nil, baggageIs(map[string]string{"userId": "alice", "serverNode": "DF 28", "isProduction": "false"})},
	"equals in a value": {"Baggage §value: parsers MUST NOT assume = only separates key and value",
		hdr(bg("k=a=b==")), nil, baggageIs(map[string]string{"k": "a=b=="})},
	"properties kept": {"Baggage §property: metadata appended to a value is carried",
		hdr(bg("key1=value1;property1;property2=x")), nil, func(t *testing.T, r conformanceResult) {
			if got := r.out.Get("baggage"); got != "key1=value1;property1;property2=x" {
				t.Errorf("outgoing baggage %q", got)
			}
		}},
	"property whitespace trimmed": {"Baggage §property: leading and trailing OWS MUST be trimmed when converting the header into a data structure",
		hdr(bg("k=v; p = 1 ;q")), nil, func(t *testing.T, r conformanceResult) {
			bag, err := baggage.Parse(r.out.Get("baggage"))
			props := bag.Member("k").Properties()
			if err != nil || len(props) != 2 || props[0].Key() != "p" || props[1].Key() != "q" {
				t.Fatalf("outgoing baggage %q: properties %v (%v)", r.out.Get("baggage"), props, err)
			}
			if v, ok := props[0].Value(); !ok || v != "1" {
				t.Errorf("property p = %q", v)
			}
		}},
	"64 members": {"Baggage §Limits: a platform MUST propagate at least 64 list-members",
		hdr(bg(nMembers(64, "k%d=v"))), nil, baggageIs(membersMap(64))},
	"8192 bytes": {"Baggage §Limits: a platform MUST propagate a baggage-string of at least 8192 bytes",
		hdr(bg(baggageOf8192())), nil, func(t *testing.T, r conformanceResult) {
			if got := r.out.Get("baggage"); len(got) != 8192 || strings.Count(got, ",") != 63 {
				t.Errorf("outgoing baggage of %d bytes, %d members", len(got), strings.Count(got, ",")+1)
			}
		}},
	"members over 64 dropped": {"Baggage §Mutating baggage: over the limits, entries MAY be dropped (internal/w3c keeps the first 64)",
		hdr(bg(nMembers(100, "k%d=v"))), nil, baggageIs(membersMap(64))},
	"over 8192 bytes dropped": {"Baggage §Limits (internal/w3c: a baggage over 8192 bytes is dropped unparsed)",
		hdr(bg("a="+strings.Repeat("v", 5000)), bg("b="+strings.Repeat("v", 5000))), nil, baggageIs(nil)},
	"invalid member removed": {"Baggage §Mutating baggage: an entry not in the format MAY be removed (the rest is kept)",
		hdr(bg(`a=1,no-equals,k={"msg":"forged"},b=%zz,c=3`)), nil, baggageIs(map[string]string{"a": "1", "c": "3"})},
}

func membersMap(n int) map[string]string {
	m := make(map[string]string, n)
	for i := 0; i < n; i++ {
		m[fmt.Sprintf("k%d", i)] = "v"
	}
	return m
}

// baggageOf8192 is 64 members, 8192 bytes with the commas.
func baggageOf8192() string {
	m := make([]string, 64)
	for i := range m {
		m[i] = fmt.Sprintf("k%02d=%s", i, strings.Repeat("v", 123))
	}
	m[63] += "v"
	return strings.Join(m, ",")
}
