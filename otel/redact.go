package otel

import "github.com/otelkit/otelkit/internal/redact"

// The key rule (values under keys that name a credential are written
// REDACTED) is one setting per Telemetry: Init gathers what its own
// options, the logging options (WithLoggingOptions) and the tracing
// options (WithTracingOptions) say about it (redact.Setting.Merge: keys
// add up, off wins) and hands the result to every place the rule
// applies: the logger's lines and OTLP bridge, the span and log record
// exporters, and the trace viewer.

// WithRedactedKeys adds keys to logging.DefaultRedactedKeys for the whole
// Telemetry: a value under one of them, or under a key that ends in one
// after "-", "_" or "." or as a camel-case word, is written as REDACTED,
// its key kept, on log lines, in the OTLP bridge's attributes, in
// exported spans (attributes, events, links) and log records (whichever
// bridge made them), and in the trace viewer. Keys are matched without
// regard to case, with "-", "_" and "." as one character
// (WithRedactedKeys("ssn") covers ssn, customer_ssn and customerSsn).
// Options add up, also with logging.WithRedactedKeys and
// tracing.WithRedactedKeys given through WithLoggingOptions and
// WithTracingOptions; blank keys are ignored. No environment variable
// sets them: the keys a program records are a property of its code.
func WithRedactedKeys(keys ...string) Option {
	return optionFunc(func(c config) config {
		c.redact = c.redact.Merge(redact.Setting{Added: keys})
		return c
	})
}

// WithoutKeyRedaction writes every value as it was given, also under keys
// that name a credential, on log lines, over OTLP and in the trace viewer,
// for a program that needs the raw values and keeps its outputs safe by
// other means. It wins over every WithRedactedKeys. logging's and
// tracing's WithoutKeyRedaction, given through WithLoggingOptions or
// WithTracingOptions, do the same for the whole Telemetry. Default: on,
// with logging.DefaultRedactedKeys.
func WithoutKeyRedaction() Option {
	return optionFunc(func(c config) config {
		c.redact = c.redact.Merge(redact.Setting{Off: true})
		return c
	})
}

// redaction returns the Telemetry's setting: Init's own options' merged
// with what the logging and tracing options given to Init state.
func (c config) redaction() redact.Setting {
	return carried(carried(c.redact, c.logOptions), c.tracingExtra)
}

// carried returns s merged with the setting of each option among opts
// that carries one.
func carried[O any](s redact.Setting, opts []O) redact.Setting {
	for _, o := range opts {
		if r, ok := any(o).(redact.Carrier); ok {
			s = s.Merge(r.RedactSetting())
		}
	}
	return s
}

// redactOptions returns the options of a signal package that state s:
// with for the keys, without when s is off.
func redactOptions[O any](s redact.Setting, with func(...string) O, without func() O) []O {
	opts := []O{with(s.Added...)}
	if s.Off {
		opts = append(opts, without())
	}
	return opts
}
