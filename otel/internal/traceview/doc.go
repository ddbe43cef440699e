// Package traceview is otelkit's built-in trace viewer: it keeps the
// last traces a process made, their spans and the log records that carry
// their trace ID, in memory, and serves them as HTML pages, so that a
// developer sees a trace as a tree with its log lines with nothing
// installed and every exporter off.
//
// # Pieces
//
// A Store holds the traces. SpanProcessor and LogProcessor feed it: the
// first is an sdktrace.SpanProcessor (each ended span), the second an
// sdklog.Processor (each log record with a trace ID; otelkit's zap logger
// reaches it through its OTLP bridge). Handler serves it. package otel
// wires all three (otel.WithTraceViewer, Telemetry.TraceViewerHandler); this
// package imports neither otel nor httpmw.
//
// # Bounds
//
// The store keeps at most MaxTraces traces (default 200) and about
// MaxBytes bytes of them (default 8 MiB, estimated from the lengths of
// names, attributes and bodies plus a fixed overhead per item). The oldest
// trace goes first when either is reached. One trace may hold at most a
// quarter of MaxBytes and MaxItems spans and as many log records; what does
// not fit is counted on the trace, and evicted traces are counted on the
// list page. Keys and string values longer than MaxValue bytes are cut,
// and a slice or map value whose text is longer becomes that text, cut.
// Span and event names, status descriptions, log bodies and severity
// texts (cut as values are) and attribute values are kept as copies (one
// allocation per span, its events included, or record), so that the store
// holds what it counts: the SDK's value length limits cut a value by
// slicing it, and a program may slice a name or a message out of a
// request body; the part kept would hold the whole for as long as its
// trace is.
//
// # Pages
//
// Paths are relative to where the handler is mounted, with or without
// http.StripPrefix:
//
//	<mount>/                  recent traces, newest first; ?q= filters by
//	                          trace ID prefix or request ID prefix
//	<mount>/trace/<trace_id>  the spans as a waterfall (name, kind, duration
//	                          bar, status; attributes and events on click),
//	                          then the trace's log records in time order
//
// The pages are plain HTML with inline CSS and no script (attributes open
// with <details>): no external assets, so they work offline, and the
// Content-Security-Policy forbids everything else. Every string is HTML
// escaped, and characters that could disguise it (controls, bidi and other
// invisible formatting characters) are shown as escapes (internal/visible).
// There is no authentication: mount it on an admin port or behind your
// own.
//
// # DNS rebinding
//
// A page whose name its owner rebinds to the viewer's address is of the
// same origin to the browser, and would read every trace. The handler
// answers only the Host headers its hostcheck.Policy allows (an IP
// address, localhost, the names otel.WithAllowedHosts gives; none
// missing, as no browser omits it) on every request, whatever address it
// came in on; others get 403 in plain text naming the option, before any
// page is made.
package traceview
