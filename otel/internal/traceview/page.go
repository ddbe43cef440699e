package traceview

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/visible"
)

// What the templates get: every string that came from a span or a log
// record is already passed through visible.Escape (the template then
// escapes it for HTML); numbers for styles are formatted here.

type listPage struct {
	Title, Q  string
	Rows      []listRow
	Kept      int
	MaxTraces int
	Evicted   uint64
	KiB       int64
}

type listRow struct {
	ID, Start, Root, Duration, Status, RequestIDs string
	Error                                         bool
	Spans, Logs                                   int
}

type tracePage struct {
	Title, ID, Root, Start, Duration, Status, RequestIDs string
	Error                                                bool
	Spans                                                []spanRow
	Logs                                                 []logRow
	DroppedSpans, DroppedLogs                            int
}

type spanRow struct {
	SpanID, Parent, Name, Kind, Duration, Status, StatusDesc, Scope string
	Error                                                           bool
	Indent, Bar                                                     template.CSS
	Attrs                                                           []kv
	Events                                                          []eventRow
	Dropped                                                         string
}

type eventRow struct {
	Name, Offset, Dropped string
	Attrs                 []kv
}

type logRow struct {
	Time, Level, LevelClass, SpanID, SpanName, Body, Dropped string
	Attrs                                                    []kv
}

// kv is an attribute for display; a value of several lines (a stack
// trace) has them in Lines, each escaped, tabs as four spaces.
type kv struct {
	K, V  string
	Lines []string
}

func newKV(k, v string) kv {
	if !strings.Contains(v, "\n") {
		return kv{K: visible.Escape(k), V: visible.Escape(v)}
	}
	lines := strings.Split(strings.TrimRight(v, "\n"), "\n")
	for i, l := range lines {
		lines[i] = visible.Escape(strings.ReplaceAll(l, "\t", "    "))
	}
	return kv{K: visible.Escape(k), Lines: lines}
}

const (
	timeLayout    = "2006-01-02 15:04:05.000"
	logTimeLayout = "15:04:05.000" // the date is in the trace's header
)

func (h *handler) listPage(q string) listPage {
	u := h.s.Usage()
	p := listPage{Title: h.title("traces"), Q: visible.Escape(q), Kept: u.Traces, MaxTraces: h.s.maxTraces, Evicted: u.Evicted, KiB: u.Bytes >> 10}
	for _, sum := range h.s.List(q) {
		p.Rows = append(p.Rows, listRow{
			ID: sum.TraceID.String(), Start: sum.Start.Local().Format(timeLayout), Root: rootName(sum.Root),
			Duration: formatDuration(sum.Duration), Status: sum.statusText(), Error: sum.Error,
			Spans: sum.Spans, Logs: sum.Logs, RequestIDs: visible.Escape(strings.Join(sum.RequestIDs, " ")),
		})
	}
	return p
}

func rootName(name string) string {
	if name == "" {
		return "(no span ended yet)"
	}
	return visible.Escape(name)
}

func (s Summary) statusText() string {
	switch {
	case s.Error:
		return "error"
	case s.Status == "":
		return "—"
	}
	return s.Status
}

func (h *handler) tracePage(tr Trace) tracePage {
	p := tracePage{
		Title: h.title("trace " + tr.TraceID.String()[:8]), ID: tr.TraceID.String(), Root: rootName(tr.Root),
		Start: tr.Start.Local().Format(timeLayout), Duration: formatDuration(tr.Duration), Status: tr.statusText(),
		Error: tr.Error, RequestIDs: visible.Escape(strings.Join(tr.RequestIDs, " ")),
		DroppedSpans: tr.DroppedSpans, DroppedLogs: tr.DroppedLogs,
	}
	start, total := tr.Start, tr.Duration
	names := make(map[trace.SpanID]string, len(tr.Spans))
	for _, sp := range tr.Spans {
		p.Spans = append(p.Spans, newSpanRow(sp, start, total))
		names[sp.SpanID] = sp.Name
	}
	for _, l := range tr.Logs {
		p.Logs = append(p.Logs, logRow{
			Time: l.Time.Local().Format(logTimeLayout), Level: visible.Escape(l.Severity), LevelClass: levelClass(l.Severity),
			SpanID: shortSpan(l.SpanID), SpanName: visible.Escape(names[l.SpanID]), Body: visible.Escape(l.Body), Attrs: kvs(l.Attrs),
			Dropped: droppedAttrs(l.DroppedAttrs),
		})
	}
	return p
}

func newSpanRow(sp SpanView, start time.Time, total time.Duration) spanRow {
	r := spanRow{
		SpanID: sp.SpanID.String(), Name: visible.Escape(sp.Name), Kind: kindName(sp.Kind),
		Duration: formatDuration(sp.Duration()), Status: sp.status(), StatusDesc: visible.Escape(sp.StatusDesc),
		Error: sp.StatusCode == statusError, Scope: visible.Escape(sp.Scope), Attrs: kvs(sp.Attrs),
		Indent: template.CSS("padding-left:" + strconv.Itoa(min(sp.Depth, 40)*14) + "px"),
		Bar:    barStyle(sp.Start.Sub(start), sp.Duration(), total),
	}
	if sp.Parent.IsValid() {
		r.Parent = sp.Parent.String()
	}
	for _, e := range sp.Events {
		r.Events = append(r.Events, eventRow{Name: visible.Escape(e.Name), Offset: "+" + formatDuration(e.Time.Sub(sp.Start)), Attrs: kvs(e.Attrs),
			Dropped: droppedAttrs(e.DroppedAttrs)})
	}
	if sp.DroppedAttrs > 0 || sp.DroppedEvents > 0 {
		r.Dropped = fmt.Sprintf("%d attributes and %d events dropped by the SDK's limits", sp.DroppedAttrs, sp.DroppedEvents)
	}
	return r
}

// droppedAttrs says how many attributes of a log record or an event the
// SDK's limits dropped ("" for none).
func droppedAttrs(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("%d attributes dropped by the SDK's limits", n)
}

// barStyle places a span's bar on the trace's time axis, in percent. It
// counts in thousandths of a percent, as printed, so that left and width
// add up to 100 % at most; a bar too short to see is widened to 0.4 %
// and, at the end of the axis, moved left to fit.
func barStyle(offset, d, total time.Duration) template.CSS {
	const full, least = 100_000, 400 // 100 % and 0.4 %, in thousandths
	left, width := 0, full
	if total > 0 {
		left, width = milliPercent(offset, total), milliPercent(d, total)
	}
	width = max(min(width, full-left), least)
	left = min(left, full-width)
	return template.CSS(fmt.Sprintf("left:%d.%03d%%;width:%d.%03d%%", left/1000, left%1000, width/1000, width%1000))
}

// milliPercent returns part of total in thousandths of a percent, from 0 to
// 100 %.
func milliPercent(part, total time.Duration) int {
	return int(math.Round(max(0, min(float64(part)/float64(total), 1)) * 100_000))
}

// kvs returns attrs for display, the code.* attributes (where a line was
// logged) last: they are the least read.
func kvs(attrs []attribute.KeyValue) []kv {
	out := make([]kv, 0, len(attrs))
	for _, code := range []bool{false, true} {
		for _, a := range attrs {
			if strings.HasPrefix(string(a.Key), "code.") == code {
				out = append(out, newKV(string(a.Key), a.Value.String()))
			}
		}
	}
	return out
}

func shortSpan(id trace.SpanID) string {
	if !id.IsValid() {
		return ""
	}
	return id.String()[:8]
}

func kindName(k trace.SpanKind) string {
	if k == trace.SpanKindUnspecified {
		return "internal"
	}
	return k.String()
}

func levelClass(sev string) string {
	s := strings.ToLower(sev)
	switch {
	case strings.HasPrefix(s, "error"), strings.HasPrefix(s, "fatal"), strings.Contains(s, "panic"):
		return "lv-error"
	case strings.HasPrefix(s, "warn"):
		return "lv-warn"
	case strings.HasPrefix(s, "debug"), strings.HasPrefix(s, "trace"):
		return "lv-debug"
	}
	return "lv-info"
}

// formatDuration writes d with three significant digits: 850µs, 1.25ms,
// 312ms, 2.50s.
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Microsecond:
		return strconv.FormatInt(int64(d), 10) + "ns"
	case d < time.Millisecond:
		return sig3(float64(d)/1e3) + "µs"
	case d < time.Second:
		return sig3(float64(d)/1e6) + "ms"
	}
	return sig3(float64(d)/1e9) + "s"
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

const style = `
:root{--fg:#1d2330;--muted:#6b7385;--line:#e3e6ec;--bg:#fff;--hl:#f5f7fb;--err:#c62828;--ok:#2e7d32;
--server:#3b6fd8;--client:#8e44ad;--internal:#7b8494;--producer:#d9822b;--consumer:#d9822b}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:14px 24px;border-bottom:1px solid var(--line);display:flex;gap:20px;align-items:baseline;flex-wrap:wrap}
h1{font-size:18px;margin:0}h2{font-size:15px;margin:22px 24px 8px}
a{color:var(--server);text-decoration:none}a:hover{text-decoration:underline}
.muted{color:var(--muted)}.mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
form{display:flex;gap:6px}input{width:340px;padding:5px 8px;border:1px solid var(--line);border-radius:4px;font:inherit}
button{padding:5px 12px;border:1px solid var(--line);background:var(--hl);border-radius:4px;font:inherit;cursor:pointer}
table{border-collapse:collapse;width:calc(100% - 48px);margin:0 24px}
th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em;padding:8px 8px;border-bottom:1px solid var(--line)}
td{padding:7px 8px;border-bottom:1px solid var(--line);vertical-align:top}
tr:hover td{background:var(--hl)}
.st-error{color:var(--err);font-weight:600}.st-ok{color:var(--ok)}.st-unset{color:var(--muted)}
.empty{margin:24px;color:var(--muted)}
.summary{margin:12px 24px;display:flex;gap:28px;flex-wrap:wrap}.summary b{display:block;font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase}
.waterfall{margin:0 24px;border-top:1px solid var(--line)}
.span>details>summary{display:grid;grid-template-columns:minmax(260px,32%) 80px 1fr 80px 60px;gap:10px;align-items:center;padding:5px 6px;border-bottom:1px solid var(--line);cursor:pointer;list-style:none}
.span>details>summary::-webkit-details-marker{display:none}
.span>details>summary:hover{background:var(--hl)}
.span .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.span .name::before{content:"▸ ";color:var(--muted)}.span>details[open] .name::before{content:"▾ "}
.track{position:relative;height:14px;background:var(--hl);border-radius:3px}
.bar{position:absolute;top:0;bottom:0;border-radius:3px;background:var(--internal)}
.k-server .bar{background:var(--server)}.k-client .bar{background:var(--client)}.k-producer .bar,.k-consumer .bar{background:var(--producer)}
.span.err .bar{background:var(--err)}
.kind{color:var(--muted);font-size:12px}.dur{text-align:right;font-variant-numeric:tabular-nums}
.detail{padding:8px 12px 12px 24px;border-bottom:1px solid var(--line);background:#fafbfd}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:4px 0}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
.lv-error{color:var(--err);font-weight:600}.lv-warn{color:#b26a00;font-weight:600}.lv-debug{color:var(--muted)}.lv-info{color:var(--ok)}
.attrs span{margin-right:10px;word-break:break-all}.attrs i{font-style:normal;color:var(--muted)}
.lines summary{cursor:pointer}pre{margin:4px 0;font-size:12px;white-space:pre-wrap;word-break:break-all}
`

const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><style>` + style + `</style></head><body>`

var listTemplate = template.Must(template.New("list").Parse(head + `
<header><h1>Recent traces</h1>
<span class="muted">{{.Kept}} kept (at most {{.MaxTraces}}, {{.KiB}} KiB){{if .Evicted}} · {{.Evicted}} older evicted{{end}}</span>
<form method="get" action=""><input name="q" value="{{.Q}}" placeholder="trace ID or request ID (a prefix will do)" aria-label="filter"><button type="submit">Filter</button>{{if .Q}} <a id="clear" href="./">clear</a>{{end}}</form>
</header>
{{if .Rows}}<table id="traces"><thead><tr><th>Start</th><th>Trace ID</th><th>Root span</th><th>Duration</th><th>Status</th><th>Spans</th><th>Logs</th><th>Request ID</th></tr></thead><tbody>
{{range .Rows}}<tr class="trace" data-trace-id="{{.ID}}"><td class="mono">{{.Start}}</td><td class="mono"><a href="trace/{{.ID}}">{{.ID}}</a></td><td>{{.Root}}</td><td class="dur">{{.Duration}}</td><td class="st-{{.Status}}">{{.Status}}</td><td>{{.Spans}}</td><td>{{.Logs}}</td><td class="mono req">{{.RequestIDs}}</td></tr>
{{end}}</tbody></table>
{{else}}<p class="empty">{{if .Q}}No trace matches {{.Q}}.{{else}}No traces yet: send a request to the service.{{end}}</p>{{end}}
</body></html>`))

// valueTemplate writes a kv's value: its lines in a <pre>, or the value.
const valueTemplate = `{{define "value"}}{{if .Lines}}<pre>{{range .Lines}}{{.}}
{{end}}</pre>{{else}}{{.V}}{{end}}{{end}}`

var traceTemplate = template.Must(template.New("trace").Parse(valueTemplate + head + `
<header><h1>{{.Root}}</h1><span class="mono muted">trace {{.ID}}</span><a href="../">← all traces</a></header>
<div class="summary"><div><b>Start</b>{{.Start}}</div><div><b>Duration</b>{{.Duration}}</div><div><b>Status</b><span class="st-{{.Status}}">{{.Status}}</span></div><div><b>Spans</b>{{len .Spans}}</div><div><b>Log lines</b>{{len .Logs}}</div>{{if .RequestIDs}}<div><b>Request ID</b><span class="mono">{{.RequestIDs}}</span></div>{{end}}</div>
{{if or .DroppedSpans .DroppedLogs}}<p class="empty">Not kept (per-trace bound): {{.DroppedSpans}} spans, {{.DroppedLogs}} log lines.</p>{{end}}
<h2>Spans</h2>
<div class="waterfall" id="waterfall">
{{range .Spans}}<div class="span k-{{.Kind}}{{if .Error}} err{{end}}" data-span-id="{{.SpanID}}"><details><summary>
<span class="name" style="{{.Indent}}" title="{{.Name}}">{{.Name}}</span><span class="kind">{{.Kind}}</span><span class="track"><span class="bar" style="{{.Bar}}"></span></span><span class="dur">{{.Duration}}</span><span class="st-{{.Status}}">{{.Status}}</span>
</summary><div class="detail"><dl><dt>span_id</dt><dd class="mono">{{.SpanID}}</dd>{{if .Parent}}<dt>parent</dt><dd class="mono">{{.Parent}}</dd>{{end}}{{if .StatusDesc}}<dt>status</dt><dd>{{.StatusDesc}}</dd>{{end}}{{if .Scope}}<dt>scope</dt><dd>{{.Scope}}</dd>{{end}}
{{range .Attrs}}<dt>{{.K}}</dt><dd>{{template "value" .}}</dd>{{end}}</dl>
{{range .Events}}<div><b>{{.Name}}</b> <span class="muted">{{.Offset}}</span><dl>{{range .Attrs}}<dt>{{.K}}</dt><dd>{{template "value" .}}</dd>{{end}}</dl>{{if .Dropped}}<p class="muted">{{.Dropped}}</p>{{end}}</div>{{end}}
{{if .Dropped}}<p class="muted">{{.Dropped}}</p>{{end}}</div></details></div>
{{else}}<p class="empty">No span of this trace has ended yet.</p>{{end}}
</div>
<h2>Log lines</h2>
{{if .Logs}}<table id="logs"><thead><tr><th>Time</th><th>Level</th><th>Span</th><th>Message</th><th>Fields</th></tr></thead><tbody>
{{range .Logs}}<tr class="log"><td class="mono">{{.Time}}</td><td class="{{.LevelClass}}">{{.Level}}</td><td class="mono" title="{{.SpanName}}">{{.SpanID}}</td><td>{{.Body}}</td><td class="attrs mono">{{range .Attrs}}{{if .Lines}}<details class="lines"><summary><i>{{.K}}</i> ({{len .Lines}} lines)</summary>{{template "value" .}}</details>{{else}}<span><i>{{.K}}=</i>{{.V}}</span>{{end}}{{end}}{{if .Dropped}}<span class="muted">{{.Dropped}}</span>{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="empty">No log line carries this trace ID.</p>{{end}}
</body></html>`))

type missingPage struct{ Title, ID, Reason string }

var missingTemplate = template.Must(template.New("missing").Parse(head + `
<header><h1>{{.Title}}</h1><a href="../">← all traces</a></header><p class="empty"><span class="mono">{{.ID}}</span> {{.Reason}}.</p></body></html>`))
