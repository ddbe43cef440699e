package redact

import "slices"

// Setting is what a program's options say about the key rule: keys added
// to Keys, or redaction off. Its zero value is Keys alone. The
// WithRedactedKeys and WithoutKeyRedaction options of otel, logging,
// tracing and internal/logprovider each state one; the options of the
// last three carry it (Carrier), so that otel.Init gathers those given
// through WithLoggingOptions and WithTracingOptions into the one setting
// of a Telemetry, which it hands to every place the rule applies.
type Setting struct {
	Added []string // suffix words added to Keys' (New's suffix)
	Off   bool     // no key is redacted, whatever Added says
}

// Carrier is an option that states a Setting.
type Carrier interface{ RedactSetting() Setting }

// RedactSetting returns s, so that an option embedding a Setting is a
// Carrier.
func (s Setting) RedactSetting() Setting { return s }

// Merge returns what s and o state together: the keys of both (each
// once), and off when either is off. The order does not matter, so
// options may be gathered from anywhere; off wins as it does within one
// package's options.
func (s Setting) Merge(o Setting) Setting {
	out := Setting{Added: slices.Clip(s.Added), Off: s.Off || o.Off}
	for _, k := range o.Added {
		if !slices.Contains(out.Added, k) {
			out.Added = append(out.Added, k)
		}
	}
	return out
}

// Rule returns the rule s states: nil, which matches nothing, when off;
// Keys when nothing is added; else Keys with the added words.
func (s Setting) Rule() *Rule {
	switch {
	case s.Off:
		return nil
	case len(s.Added) == 0:
		return Keys()
	}
	return Keys().With(nil, s.Added)
}
