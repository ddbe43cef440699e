package w3c

import (
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
)

func TestNormalizeBaggage(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		want  []string
		drop  Drop
	}{
		{"absent", nil, nil, 0},
		{"one clean line", []string{"userId=alice,isProduction=false"}, []string{"userId=alice,isProduction=false"}, 0},
		{"clean lines kept as they are", []string{"userId=alice", "serverNode=DF%2028,isProduction=false"}, []string{"userId=alice", "serverNode=DF%2028,isProduction=false"}, 0},
		{"whitespace around members", []string{"userId = alice ", " serverNode = DF%2028, isProduction = false"}, []string{"userId = alice,serverNode = DF%2028,isProduction = false"}, 0},
		{"empty members and lines", []string{",a=1,,", "", "b=2"}, []string{"a=1,b=2"}, 0},
		{"only empty", []string{"", " , "}, nil, 0},
		{"properties", []string{"key1=value1;property1;property2, key3=value3; propertyKey=propertyValue"}, []string{"key1=value1;property1;property2,key3=value3; propertyKey=propertyValue"}, 0},
		{"equals in a value", []string{"k=a=b==,x=1"}, []string{"k=a=b==,x=1"}, 0},
		{"empty value", []string{"k=,x=1"}, []string{"k=,x=1"}, 0},
		{"invalid member dropped alone", []string{"a=1,no-equals,b=2"}, []string{"a=1,b=2"}, DropInvalid},
		{"key not a token", []string{"a b=1,c=2"}, []string{"c=2"}, DropInvalid},
		{"quote in a value", []string{`k={"msg":"forged"},c=2`}, []string{"c=2"}, DropInvalid},
		{"bad percent escape", []string{"k=%zz,c=2"}, []string{"c=2"}, DropInvalid},
		{"bad property", []string{"k=v;p=\"x\",c=2"}, []string{"c=2"}, DropInvalid},
		{"64 members kept", []string{members(64, "k%d=v")}, []string{members(64, "k%d=v")}, 0},
		{"members after the 64th dropped", []string{members(100, "k%d=v")}, []string{members(64, "k%d=v")}, DropTooMany},
		{"over the byte limit", []string{"k=" + strings.Repeat("v", MaxBaggageBytes)}, nil, DropOversize},
		{"lines over the byte limit together", []string{"a=" + strings.Repeat("v", 5000), "b=" + strings.Repeat("v", 5000)}, nil, DropOversize},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, drop := NormalizeBaggage(tc.lines)
			if !slices.Equal(got, tc.want) || drop != tc.drop {
				t.Errorf("got %q (%v), want %q (%v)", got, drop, tc.want, tc.drop)
			}
			for _, line := range got {
				if _, err := baggage.Parse(line); err != nil {
					t.Errorf("the SDK rejects %q: %v", line, err)
				}
			}
		})
	}
}

func TestNormalizeBaggageAllocations(t *testing.T) {
	clean := []string{"userId=alice,isProduction=false"}
	if n := testing.AllocsPerRun(100, func() { _, _ = NormalizeBaggage(clean) }); n != 0 {
		t.Errorf("clean line: %v allocations", n)
	}
	huge := []string{"k=" + strings.Repeat("v", 1<<20)}
	if n := testing.AllocsPerRun(100, func() { _, _ = NormalizeBaggage(huge) }); n != 0 {
		t.Errorf("1 MiB line: %v allocations", n)
	}
}

func FuzzNormalizeBaggage(f *testing.F) {
	f.Add("a=1,b=2", "c=3")
	f.Add(" a = 1 ;p; q = 2 ,, ", "k=%41")
	f.Add("k=%zz", `k="x"`)
	f.Add(members(70, "k%d=v"), "")
	f.Fuzz(func(t *testing.T, a, b string) {
		got, _ := NormalizeBaggage([]string{a, b})
		total, n := 0, 0
		for _, line := range got {
			total += len(line)
			for _, m := range strings.Split(line, ",") {
				n++
				if _, err := baggage.Parse(m); err != nil {
					t.Fatalf("the SDK rejects member %q: %v", m, err)
				}
			}
		}
		if total > len(a)+1+len(b) || total > MaxBaggageBytes || n > MaxBaggageMembers {
			t.Fatalf("result %q: %d bytes, %d members", got, total, n)
		}
		if len(got) == 1 {
			if again, drop := NormalizeBaggage(got); !slices.Equal(again, got) || drop != 0 {
				t.Fatalf("not idempotent: %q -> %q (%v)", got, again, drop)
			}
		}
	})
}
