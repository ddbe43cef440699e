package declconf

import (
	"fmt"
	"strings"
	"testing"
)

// manyHeadersFile is a file of about 64 bytes per header whose n headers
// each have a name that is no HTTP token: n errors, n header values.
func manyHeadersFile(n int) []byte {
	var b strings.Builder
	b.WriteString("file_format: \"1.0\"\ntracer_provider:\n  processors:\n    - batch:\n        exporter:\n" +
		"          otlp_http:\n            endpoint: http://c:4318\n            headers:\n")
	for i := range n {
		fmt.Fprintf(&b, "              - {name: \"bad name %d\", value: secret-%08d}\n", i, i)
	}
	return []byte(b.String())
}

// BenchmarkParseManyHeaderErrors: a file of 16,000 headers (1 MiB), each
// an error whose text is cleaned of the 16,000 header values.
func BenchmarkParseManyHeaderErrors(b *testing.B) {
	for _, n := range []int{1000, 16000} {
		data := manyHeadersFile(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse("f.yaml", data, lookupMap(nil)); err == nil {
					b.Fatal("Parse accepted the file")
				}
			}
		})
	}
}

// TestSecretScrubber: a header value of 4 bytes or more goes wherever it
// is, the longest first; a value yaml quotes goes when it is a value or
// the start of one; shorter values and other quotes stay.
func TestSecretScrubber(t *testing.T) {
	values := []string{"abc", "tok-1234", "tok-12345678", "Bearer xyz", "abcd1234", "1234wxyz"}
	for i := range 16000 {
		values = append(values, fmt.Sprintf("secret-%08d", i))
	}
	s := newSecretScrubber(values)
	for in, want := range map[string]string{
		"got tok-12345678 and tok-1234":                  "got REDACTED and REDACTED",
		"cannot unmarshal !!str `Bearer x...` into int":  "cannot unmarshal !!str `REDACTED` into int",
		"cannot unmarshal !!str `secret-00015999` into":  "cannot unmarshal !!str `REDACTED` into",
		"cannot unmarshal !!str `other` into int; abc":   "cannot unmarshal !!str `other` into int; abc",
		"item 3: secret-00000042secret-00000043, status": "item 3: REDACTEDREDACTED, status",
		// Two values that overlap: replaced as one, no tail of either shown.
		"bad: abcd1234wxyz": "bad: REDACTED",
	} {
		if got := s.scrub(in); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
}
