// Package metrics builds the OpenTelemetry meter provider that otel.Init
// installs: exporters chosen from options and OTEL_* variables, Go runtime
// metrics, exemplars that link a histogram bucket to a trace, and a
// per-instrument cardinality guard.
//
// # Building a provider
//
//	p, err := metrics.NewMeterProvider(ctx, metrics.WithResource(res))
//	if err != nil { return err }
//	defer p.Shutdown(context.Background())
//
// The Provider holds the SDK provider (MeterProvider), what was resolved
// and from where (ExporterConfig), the Prometheus handler, ForceFlush and
// Shutdown: the shape of tracing.NewTracerProvider. Every setting follows
// one precedence: an option wins over the environment variable, which wins
// over the default. Invalid values are ConfigErrors (match them with
// errors.As) that name the variable or option, the value and what is
// allowed; all of them are reported at once. Validate runs the same checks
// and builds nothing (no reader, exporter or Prometheus listener).
//
//	OTEL_METRICS_EXPORTER                otlp (default), prometheus, console, none; comma separated for several
//	OTEL_METRIC_EXPORT_INTERVAL          push interval in ms (default 60000)     WithExportInterval
//	OTEL_METRIC_EXPORT_TIMEOUT           push timeout in ms (default 30000)      WithExportTimeout
//	OTEL_EXPORTER_OTLP_[METRICS_]*       endpoint, protocol, headers, ...        WithEndpoint, WithProtocol, ...
//	OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE  cumulative (default), delta, lowmemory
//	OTEL_EXPORTER_PROMETHEUS_HOST/_PORT  listener address (default localhost:9464)  WithPrometheusAddr
//	OTEL_METRICS_EXEMPLAR_FILTER         trace_based (default), always_on, always_off  WithExemplarFilter
//	OTEL_GO_X_CARDINALITY_LIMIT          per-instrument series limit (default 2000)  WithCardinalityLimit
//	                                     (deprecated by the SDK: applied, with a warning)
//
// An option given nil, or a nil pointer or func behind the interface it
// takes, is as if it were not given.
//
// # Shutdown
//
// Shutdown stops the periodic exports, cancelling one in progress, and
// makes a final collection and export within its context. When that
// context ends before the final collection (a ForceFlush's export still
// holds the reader), Shutdown collects what was measured since all the
// same, but does not export it: an exporter gets one export at a time, as
// the SDK promises. Shutdown's error says it was not exported and how many
// data points it held (a WithExporterWrapper wrapper never sees them), and
// under otel.Init the export-health wrapper counts them as lost.
// So Shutdown may return later than its context by that collection: it
// waits for a collection in progress (the SDK makes one at a time), and
// the observable callbacks get a context of 50 ms, which bounds them only
// if they honour it.
//
// An exporter that ignores its context (a hung network write, a custom
// exporter's bug) does not hold Shutdown, as it held the SDK's reader for
// as long as the export hung: the scheduled export in progress keeps the
// reader, so Shutdown's final collection is cut off as above when its
// context ends, and its error also names the data points of the export
// still in progress ("an export was still in progress when Shutdown
// returned"), not known to be exported; under otel.Init the export-health
// wrapper counts them as lost. The exporter is shut down all the same,
// beside that export: the SDK's metric exporter contract requires its
// Shutdown to be safe then, and it may be what ends the export. Shutdown
// waits for the exporter's Shutdown only 50 ms then: the OTLP exporters'
// waits for their export in progress, and so completes once that export
// returns. No collection is exported after it (only the rest of one cut
// for size, which the hung export was sending, reaches the exporter when
// it returns, and fails), nor beside another.
//
// # Prometheus
//
// With the prometheus exporter, NewMeterProvider binds a listener (default
// localhost:9464) that serves /metrics from a registry of its own (never the
// global default registry). Provider.Handler returns the same endpoint to
// mount on your own mux; WithoutPrometheusServer starts no listener. The
// endpoint speaks OpenMetrics when the scraper asks for it, and only then
// carries exemplars: start Prometheus with --enable-feature=exemplar-storage
// to keep them. Text with invalid UTF-8 (an attribute value taken from a
// request, the resource) is served with U+FFFD for each invalid byte, as
// over OTLP, instead of the series vanishing from the scrape. What a
// scrape still cannot serve (two instruments whose Prometheus names
// collide, such as "a.b" and "a_b") goes to otel.Handle, which otel.Init
// writes as an otel_sdk_error line.
//
// # What a service gets for free
//
//   - Go runtime metrics with semantic-convention names: go.memory.used,
//     go.memory.limit (only while a limit is set: GOMEMLIMIT,
//     debug.SetMemoryLimit), go.memory.allocated, go.memory.allocations,
//     go.memory.gc.goal, go.goroutine.count, go.processor.limit,
//     go.config.gogc (WithoutRuntimeMetrics turns them off). Do not start
//     them again through WithInstrumentation (runtime.Start on the
//     provider): that registers their callbacks twice, and every point
//     counts twice (go.processor.limit reads twice the CPUs), which
//     NewMeterProvider cannot tell from other instrumentation. For runtime
//     metrics with options of your own, add WithoutRuntimeMetrics. Host and
//     process CPU, memory and network metrics are opt-in, in a package of
//     their own so that only programs that use them link gopsutil:
//     hostmetrics.Enable (package metrics/hostmetrics), which starts them
//     once per provider however often it is given (WithNamedInstrumentation
//     does the same for instrumentation of yours).
//   - With otelhttp (or otelkit's httpmw): http.server.request.duration in
//     seconds with the semantic-convention buckets 5 ms .. 10 s, by
//     http.route, method and status. A default view drops server.address and
//     server.port from http.server.* metrics, so a client's Host header can
//     not create series; a view of yours that matches the instrument replaces
//     that default.
//
// # From a latency bucket to its trace
//
// A histogram measurement recorded inside a sampled span carries that span's
// trace and span ID as an exemplar (OTEL_METRICS_EXEMPLAR_FILTER=trace_based,
// the default). Over OTLP the exemplar travels with the data point; on the
// Prometheus endpoint it appears as `# {trace_id="...",span_id="..."}`
// after the bucket line. In Grafana, turn on exemplars for the
// http_server_request_duration_seconds_bucket panel and link the trace_id
// label to your trace backend: a dot in the slow bucket opens the trace.
//
// # Application metrics
//
// Meter returns a meter from the global provider named after the service:
//
//	orders, _ := metrics.Meter().Int64Counter("checkout.orders",
//		metric.WithUnit("{order}"), metric.WithDescription("Orders placed."))
//	orders.Add(ctx, 1, metric.WithAttributes(attribute.String("payment.method", "card")))
//
// Which instrument answers which question:
//
//   - How many / how often? Counter (monotonic): requests, orders, errors.
//     Rates come from the backend.
//   - How many right now, going up and down? UpDownCounter: items in a
//     queue, open connections.
//   - How long / how big, and how is it spread? Histogram: latencies,
//     payload sizes. Quantiles and heatmaps come from its buckets.
//   - What is the current value of something you read rather than count?
//     Observable Gauge with a callback: temperature, cache size.
//
// A callback that cannot read its value returns an error after observing
// what it could: the export still carries every other instrument (the
// SDK's own periodic reader would export nothing at all), and the error
// goes to otel.Handle (an otel_sdk_error line under otel.Init) and to
// ForceFlush's and Shutdown's return.
//
// Units follow UCUM: seconds "s" for durations (record float seconds, not
// milliseconds), bytes "By", and a curly-brace annotation for counts
// ("{request}", "{order}"). Names are lowercase, dot-separated, namespaced by
// what they measure ("checkout.orders", not "orders_total": the Prometheus
// exporter adds unit and _total suffixes). Attribute keys follow the same
// style and semantic conventions where one exists (http.route,
// error.type).
//
// # Cardinality
//
// Every distinct set of attribute values is a series that costs memory here
// and in the backend. Use attributes with a small, known set of values
// (route patterns, status codes, a payment method), never user IDs, raw URLs,
// emails or request IDs: those belong on spans and logs. As a last guard each
// instrument keeps at most 2000 series per collection cycle
// (WithCardinalityLimit); measurements past the
// limit are added to one series with the attribute otel.metric.overflow=true,
// so totals stay right and memory stays bounded. The SDK does not say when
// that happens; WithOverflowHandler is told, once per instrument, when the
// exported or scraped data holds that series (otel.Init writes a
// metric_cardinality_limit_reached warning and lists the instrument in its
// health document).
//
// Over OTLP, a collection is exported in parts whose size, estimated from
// above, stays under 3 MiB over gRPC and 16 MiB over HTTP: a collector
// refuses a larger export whole (4 MiB and 20 MiB by default), and three
// HTTP histograms at the limit (2000 series each, with exemplars: 4.6 MB)
// lost every data point at every interval. Each part holds the same
// resource and, of each metric it carries, its scope, name, description,
// unit and temporality with a run of its data points. A data point too
// large on its own (an attribute value of megabytes) is not sent and is
// reported as too_large to WithDropHandler (otel.DropTooLarge in the
// health document and the telemetry_dropped line); the rest is sent. The
// bound applies to the OTLP exporter the provider builds, not to the
// console exporter or a reader of yours (WithReader). An export under the
// bound, the common case, costs a walk of the estimates on the periodic
// reader's goroutine, mostly over each data point's attributes, and no
// copy (BenchmarkSizeBoundedExport).
package metrics
