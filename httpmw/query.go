package httpmw

import (
	"net/url"
	"strings"
)

// redactQuery returns raw (cut to maxLogged bytes) with the value of every
// parameter named in redact (lower-cased names) replaced by REDACTED.
func redactQuery(raw string, redact map[string]struct{}) string {
	raw = bound(raw)
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; raw != ""; i++ {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if i > 0 {
			b.WriteByte('&')
		}
		key, _, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(key)
		if err != nil {
			name = key
		}
		if _, secret := redact[strings.ToLower(name)]; secret {
			b.WriteString(key)
			b.WriteString("=REDACTED")
			continue
		}
		b.WriteString(part)
	}
	return b.String()
}
