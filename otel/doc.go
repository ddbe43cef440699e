// Package otel is otelkit's one call at start-up: Init builds a tracer
// provider, a meter provider, a logger provider and a zap logger that share
// one resource, wires the OTLP log bridge, the propagators and the
// OpenTelemetry and zap globals, and Shutdown flushes it all.
//
// # Starting
//
//	tel, err := otel.Init(ctx, otel.WithServiceName("checkout"))
//	if err != nil {
//		return err
//	}
//	srv := &http.Server{Addr: ":8080", Handler: httpmw.Handler(mux)}
//	return tel.Run(ctx, otel.HTTPServer(srv))
//
// Run serves until SIGTERM or SIGINT, lets the requests in flight finish
// (WithDrainTimeout, default 15 s), then flushes and shuts down the
// telemetry (WithFlushTimeout, default WithShutdownTimeout's 10 s), so that
// nothing queued is lost when the process exits; the two fit in
// Kubernetes' default grace period of 30 s. A second signal ends the drain
// at once (see Run for a stop that ctx began). A gRPC server
// (grpcmw.Server), a server on a bound listener (HTTPServerOn), several
// servers (Servers, stopped in the order given: put first the one that
// takes outside traffic) or a worker loop implementing Server use the same
// call. An HTTPServer whose TLSConfig is set serves TLS, and that
// TLSConfig must give the certificate: one without (no Certificates,
// GetCertificate or GetConfigForClient) is an error Run returns before
// anything is served, not a port answering in plain text; Servers serves
// none of its members when one cannot serve (such a server, a nil member).
// Requests a drain that ran out of time cut off, and those on
// hijacked connections of the servers Run serves (WebSockets, which the
// drain does not wait for: end them from http.Server.RegisterOnShutdown),
// get up to a second (at most a quarter of the flush timeout) to end, so
// that their spans and access lines are exported; a panic in the served
// Server, while serving or stopping, is flushed before it goes on. Run
// logs shutdown_started (reason signal, context_done, serve_failed or
// server_stopped) and shutdown_finished (drain_ms, flush_ms, and
// abandoned_requests when some requests outlived the drain). A Fatal line
// of Init's logger flushes the telemetry (at most 5 s) before the process
// exits, unless a logging.WithFatalHook of your own (WithLoggingOptions)
// replaces that. Without Run, call Shutdown before the process exits: a
// deferred Shutdown does not run when SIGTERM ends the process, and what
// is still queued is lost.
//
// Everything else comes from the standard environment (OTEL_SERVICE_NAME,
// OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER, …) and otelkit's own
// (OTELKIT_LOG_FORMAT, OTELKIT_LOG_LEVEL, …); every setting can also be given
// as an option. Environment variables, below, lists them all.
//
// # Precedence
//
// An option wins over the environment, which wins over the default. Where
// neither an option nor a variable is set, otelkit passes nothing to the
// OpenTelemetry SDK, so the SDK's own defaults and environment handling stay
// intact. An option given nil, or a nil pointer or func behind the interface
// it takes (a nil *os.File as WithConsoleWriter's io.Writer), is as if it
// were not given. A configuration file, when one is named, takes the place of the
// OTEL_* variables and wins over the OTELKIT_* ones (Configuration file).
//
// Init never waits for a collector. Everything it says, the SDK's own
// reports included, comes as structured lines through the service's logger,
// never as plain text on stderr.
//
// # Environment variables
//
// Every variable otelkit reads: what it allows, its default, and the option
// that wins over it (an otel option unless a package is named; the options
// of packages logging, tracing and metrics reach Init through
// WithLoggingOptions, WithTracingOptions and WithMetricsOptions). A value
// that is not allowed makes Init fail with a ConfigError, unless the entry
// says otherwise. Every value must be valid UTF-8, and so must the options
// that become resource attributes, the endpoint or headers; otherwise the
// error names the variable or option but not the value. Values are read
// without regard to case where the specification says so.
// OTEL_EXPORTER_OTLP_[SIGNAL_]X stands for OTEL_EXPORTER_OTLP_X and its
// per-signal forms OTEL_EXPORTER_OTLP_TRACES_X, _METRICS_X and _LOGS_X; the
// per-signal form wins.
//
// Service and resource:
//
//	OTEL_SDK_DISABLED = true | false
//	    default: false. true: no providers, nothing exported (one otel_sdk_disabled
//	             line); spans get no IDs, so log lines carry no trace_id, and the
//	             trace viewer and the processors and readers of options get
//	             nothing; the exporter, OTLP, sampler, batch, limit and metric
//	             settings (variables and options) are still checked, building
//	             nothing (no exporter, Prometheus listener or goroutine): each
//	             invalid one is an otelkit_config_warning (field variable, or
//	             the option or file key in detail) instead of an Init error
//	OTEL_SERVICE_NAME = any text
//	    default: the last element of the main package's path from the build info
//	             ("checkout" for example.com/shop/cmd/checkout), else
//	             unknown_service:<executable> with an otelkit_config_warning
//	             (go run main.go: the build info has no package path, and the
//	             name is unknown_service:main)
//	    option:  WithServiceName (also wins over service.name in OTEL_RESOURCE_ATTRIBUTES)
//	OTEL_RESOURCE_ATTRIBUTES = k=v,k2=v2 (values percent-encoded)
//	    option:  WithResourceAttributes, WithServiceVersion, WithEnvironment
//	    bad:     the valid pairs are applied; one otelkit_config_warning names the
//	             keys applied and the pairs skipped, never a value (not UTF-8: error)
//	OTELKIT_ENVIRONMENT = any text, becomes deployment.environment.name
//	    option:  WithEnvironment (the variable wins over the key in
//	             OTEL_RESOURCE_ATTRIBUTES)
//	OTEL_PROPAGATORS = comma-separated tracecontext, baggage, b3, b3multi, jaeger, ottrace, none
//	    default: tracecontext,baggage
//	    option:  WithPropagators
//	    bad:     error; xray too (its contrib module is deprecated: pass it
//	             with WithPropagators to keep it)
//	OTEL_CONFIG_FILE = path of a declarative configuration file (file_format "1.0")
//	    option:  WithConfigFile, WithConfigYAML (see Configuration file)
//
// Host, OS, process and container detectors add to the resource
// (WithoutDetectors turns them off); command-line arguments are never
// detected, as they often carry secrets.
//
// Exporters:
//
//	OTEL_TRACES_EXPORTER = otlp | console | none (one name)
//	    default: otlp;  option: WithTracesExporter
//	OTEL_METRICS_EXPORTER = otlp | prometheus | console | none, or a list (otlp,prometheus)
//	    default: otlp;  option: WithMetricsExporter
//	OTEL_LOGS_EXPORTER = otlp | console | none (one name)
//	    default: otlp;  option: WithLogsExporter
//	OTEL_EXPORTER_OTLP_[SIGNAL_]ENDPOINT = http:// or https:// URL, without user info,
//	        query or fragment (the exporters would drop them: credentials go in the
//	        headers); the per-signal form is used as is; over HTTP the generic one
//	        gets /v1/traces, /v1/metrics or /v1/logs appended
//	    default: the SDK's: localhost:4317 (gRPC), https://localhost:4318 (HTTP)
//	    option:  WithOTLPEndpoint;  bad: the error masks user info and query
//	OTEL_EXPORTER_OTLP_[SIGNAL_]PROTOCOL = grpc | http/protobuf | http/json (traces only)
//	    default: http/protobuf;  option: WithOTLPProtocol
//	    bad:     http/json in the generic form is an error (the Go metrics and
//	             logs exporters lack it), even with those exporters off: set
//	             OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
//	OTEL_EXPORTER_OTLP_[SIGNAL_]HEADERS = k=v,k2=v2 (values percent-encoded)
//	    option:  WithOTLPHeaders;  keys and values are never shown in an error or
//	             a log line, and values are scrubbed from exporter errors
//	OTEL_EXPORTER_OTLP_[SIGNAL_]TIMEOUT = milliseconds >= 1
//	    default: 10000;  option: WithOTLPTimeout
//	OTEL_EXPORTER_OTLP_[SIGNAL_]COMPRESSION = gzip | none
//	    default: none;  option: WithOTLPCompression
//	OTEL_EXPORTER_OTLP_[SIGNAL_]INSECURE = true | false
//	    default: false, or what the endpoint's scheme says;  option: WithOTLPInsecure
//	OTEL_EXPORTER_OTLP_[SIGNAL_]{CERTIFICATE,CLIENT_CERTIFICATE,CLIENT_KEY} =
//	        readable regular PEM files (not a pipe or device), at most 1 MiB;
//	        certificate and key set together and matching
//	OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE = cumulative | delta | lowmemory
//	    default: cumulative
//	OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION =
//	        explicit_bucket_histogram | base2_exponential_bucket_histogram
//	    default: explicit_bucket_histogram
//	OTEL_EXPORTER_PROMETHEUS_HOST, OTEL_EXPORTER_PROMETHEUS_PORT = host name or IP; 0-65535
//	    default: localhost, 9464;  option: WithPrometheusAddr
//
// Traces:
//
//	OTEL_TRACES_SAMPLER = always_on | always_off | traceidratio | parentbased_always_on |
//	        parentbased_always_off | parentbased_traceidratio
//	    default: parentbased_always_on;  option: WithSampler
//	    bad:     jaeger_remote and xray fail with "not supported, use WithSampler"
//	OTEL_TRACES_SAMPLER_ARG = a number from 0 to 1
//	    default: 1.0;  option: WithSampler
//	    bad:     outside 0..1 an error; a warning when the sampler takes no argument
//	OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT = milliseconds >= 1
//	    default: 5000, 30000
//	OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE = 1 to 1048576
//	    default: 2048, 512; a batch larger than the queue is cut to it, with a warning
//	OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT, OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT = integer >= 0 (0: no limit)
//	    default: 4096 (otelkit's cap; the SDK has none);  option: tracing.WithSpanLimits
//	OTEL_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_EVENT_COUNT_LIMIT,
//	OTEL_SPAN_LINK_COUNT_LIMIT, OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT,
//	OTEL_LINK_ATTRIBUTE_COUNT_LIMIT = integer >= 0
//	    default: 128;  option: tracing.WithSpanLimits
//
// The OTEL_SPAN_* limits win over the generic OTEL_ATTRIBUTE_* ones.
//
// Metrics:
//
//	OTEL_METRIC_EXPORT_INTERVAL, OTEL_METRIC_EXPORT_TIMEOUT = milliseconds >= 1
//	    default: 60000, 30000;  option: metrics.WithExportInterval, metrics.WithExportTimeout
//	OTEL_METRICS_EXEMPLAR_FILTER = trace_based | always_on | always_off
//	    default: trace_based;  option: metrics.WithExemplarFilter
//	OTEL_GO_X_CARDINALITY_LIMIT = integer >= 0 (0: no limit), series per instrument
//	    default: 2000;  option: metrics.WithCardinalityLimit
//	    deprecated by the SDK, which still applies it: applied, with a warning
//	OTEL_GO_X_OBSERVABILITY = true (read by the SDK; experimental)
//	    the SDK's own counts of processed and exported items, as otel.sdk.*
//	    metrics and under sdk_self_observability in HealthHandler
//
// Logs:
//
//	OTEL_BLRP_SCHEDULE_DELAY, OTEL_BLRP_EXPORT_TIMEOUT = milliseconds >= 1
//	    default: 1000, 30000
//	OTEL_BLRP_MAX_QUEUE_SIZE, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE = 1 to 1048576
//	    default: 2048, 512; a batch larger than the queue is cut to it, with a warning
//	OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT, OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT = integer >= 0
//	    default: 16384 (otelkit's cap), 128
//	OTELKIT_LOG_FORMAT = json | console
//	    default: console on a terminal, json otherwise;  option: WithLogFormat
//	OTELKIT_LOG_LEVEL = debug | info | warn | error
//	    default: info;  option: WithLogLevel (at run time: PUT to HealthHandler)
//	OTELKIT_LOG_PROFILE = default | gcp | ecs | datadog (JSON only: with the console
//	        format, the default on a terminal, another profile is a warning)
//	    default: default;  option: logging.WithProfile
//	OTELKIT_GCP_PROJECT, then GOOGLE_CLOUD_PROJECT = a GCP project ID
//	    default: the resource's cloud.account.id (GCP detector), else none (the gcp
//	             profile then warns);  option: logging.WithGCPProject
//	OTELKIT_LOG_BUFFER_LEVEL = debug | info | warn | off
//	    default: off;  option: WithLogBufferLevel, logging.WithBufferLevel, logging.WithoutBuffer
//	OTELKIT_LOG_BUFFER_SLOW = a Go duration > 0 (500ms, 2s)
//	    default: 1s;  option: logging.WithBufferSlow
//	NO_COLOR = any non-empty value: no colours in the console format (as TERM=dumb);
//	        colours are only ever on for a terminal
//
// Options without a variable: WithoutGlobals, WithoutDetectors,
// WithoutRuntimeMetrics, WithSpanExporter, WithSpanProcessor,
// WithMetricReader, WithLogProcessor, WithConsoleWriter, WithLogOutput,
// WithShutdownTimeout, WithTraceViewer, WithTraceViewerLimits,
// WithAllowedHosts, WithEnvLookup, and the three that
// pass a package's options through (span limits, views, host metrics,
// output profile, …).
//
// # Configuration file
//
// The whole setup can live in one declarative configuration file instead:
// the OpenTelemetry schema (file_format: "1.0"), named by OTEL_CONFIG_FILE,
// WithConfigFile or WithConfigYAML. The two forms side by side:
//
//	OTEL_SERVICE_NAME=checkout                      resource:
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://c:4318         attributes:
//	OTEL_EXPORTER_OTLP_HEADERS=api-key=$KEY             - {name: service.name, value: checkout}
//	OTEL_TRACES_SAMPLER=parentbased_traceidratio    tracer_provider:
//	OTEL_TRACES_SAMPLER_ARG=0.25                      sampler: {parent_based: {root: {trace_id_ratio_based: {ratio: 0.25}}}}
//	OTELKIT_LOG_LEVEL=debug                           processors:
//	                                                    - batch:
//	                                                        exporter:
//	                                                          otlp_http:
//	                                                            endpoint: http://c:4318/v1/traces
//	                                                            headers: [{name: api-key, value: "${KEY}"}]
//	                                                distribution:
//	                                                  otelkit: {log: {level: debug}}
//
// examples/config holds a file equivalent to the defaults (default.yaml)
// and one for a vendor's endpoint with its API key from ${VENDOR_KEY}.
//
// While a file is in use, Init builds the tracer, meter and logger
// providers, the propagator and the resource from it, and the other OTEL_*
// variables are ignored, as the specification says: a value reaches the
// file only through ${NAME}, ${env:NAME} or ${NAME:-default}. The Go SDK
// is the one exception: its providers add OTEL_RESOURCE_ATTRIBUTES under
// any resource, so its keys that the resource lacks (the file, the
// options and the detectors win on theirs) are exported all the same;
// Init warns when that happens. (The resource always has a service.name,
// so OTEL_SERVICE_NAME never counts.) A service.name in the file that is
// not a non-blank string (an int, "", a ${NAME} that is unset) makes Init
// fail, as it does given to WithResourceAttributes. Init logs one
// otelkit_config_warning naming the ignored variables that are set (never
// their values); one the file reads through ${NAME} is not among them.
//
// Everything otelkit adds works as without a file: the same providers are
// built (UTF-8 cleaning, drop counting, the export health, the retrying
// OTLP/HTTP client), the correlated logger, the middleware, runtime
// metrics, and HealthHandler, whose sources read "file:<file>:<line>".
// Header values from the file are masked like those of the variables.
//
// otelkit's own settings go under the schema's place for a distribution:
//
//	distribution:
//	  otelkit:
//	    log:
//	      format: json        # OTELKIT_LOG_FORMAT
//	      level: info         # OTELKIT_LOG_LEVEL
//	      profile: gcp        # OTELKIT_LOG_PROFILE
//	      buffer:             # OTELKIT_LOG_BUFFER_LEVEL, OTELKIT_LOG_BUFFER_SLOW
//	        level: debug
//	        slow: 1s
//	    runtime_metrics: false
//
// For these an option wins over the file, which wins over the OTELKIT_*
// variable (with a warning when both are set), which wins over the
// default: a file can still leave a setting to the variable, or say so
// with ${OTELKIT_LOG_LEVEL:-info}.
//
// A bad file is an Init error and nothing is set up: every problem is a
// ConfigError whose File, Line and Key say where it is ("otelkit: invalid
// tracer_provider.processors[0].batch.max_queue_size (otel.yaml line 5)
// ..."), all of them at once. Unknown keys are errors (a typo would
// otherwise be ignored); keys ending in /development that otelkit does not
// implement are warnings. Anchors, aliases and merge keys ("<<: *base")
// may repeat settings, up to 10,000 nodes in all. Where the file asks for
// what otelkit builds differently, Init says so: each signal has one
// processor and exporter (metrics: one of each of otlp, console and prometheus/development, with
// one interval and temporality); a simple processor becomes otelkit's
// batch processor (with a warning); a timeout of 0 ("no limit") is refused;
// without a propagator section nothing is propagated (with a warning);
// without a provider section that signal exports nothing (spans still get
// IDs, so log lines still correlate).
//
// # Bad values
//
// A value otelkit cannot use is never silent: Init returns a ConfigError
// naming the variable or the option as written, the value (masked where it
// may be a secret, and cut after 256 bytes with the number left out) and
// what is allowed (unknown exporter, protocol, sampler
// or propagator, a number that does not parse or is out of range). Init
// reports every invalid setting at once, joined, each once; errors.As
// finds them:
//
//	var ce *otel.ConfigError
//	if errors.As(err, &ce) {
//		log.Printf("fix %s%s (allowed: %s)", ce.Var, ce.Option, ce.Allowed)
//	}
//
// Where the OpenTelemetry specification says to warn and use the default
// (a malformed OTEL_RESOURCE_ATTRIBUTES, for example), Init logs an
// otelkit_config_warning line instead. So it does, with the same text, for
// an invalid setting of the providers while OTEL_SDK_DISABLED=true: it is
// not used then, and Init starts, but it would fail once the SDK is on.
//
// # Misspelled variables
//
// A variable nobody reads has no effect, and nothing else would say so.
// Init logs an otelkit_config_warning line (fields variable, did_you_mean,
// detail) for every OTELKIT_* variable otelkit does not read, and for every
// OTEL_* variable within a small edit distance of one that otelkit or the
// OpenTelemetry SDK reads (OTEL_EXPORTER_OTLP_ENDPIONT: did you mean
// OTEL_EXPORTER_OTLP_ENDPOINT?), or that is one in lower case. Other OTEL_*
// names are left alone: they may be another SDK's or agent's. At most 8 such
// lines, then one that counts the rest; a value is never shown.
// OTEL_LOG_LEVEL, the specification's level of the SDK's own diagnostics,
// which neither the Go SDK nor otelkit reads, gets such a line when set:
// the SDK's errors and warnings are otel_sdk_error and otel_sdk_warning
// lines whatever it says, and its info and debug messages, which dump the
// configuration and telemetry, are never written.
//
// # Globals
//
// Init installs its providers, the propagator, an error handler that turns
// SDK errors into otel_sdk_error warning lines (at most one per 10 s, with
// the count suppressed_since_last), and the zap global logger. Only one
// Telemetry owns the globals at a time: a second Init returns
// ErrAlreadyInitialized until the first is shut down. Shutdown puts back
// what was there before, with one exception: the global tracer provider.
// It is TracerProvider's *tracing.Provider (whose TracerProvider method
// gives the SDK's). After Shutdown its tracers still give spans their IDs
// and count each sampled span as lost (after_shutdown) when there is an
// exporter; with "none" they are no-op tracers, and nothing is lost.
// Shutdown leaves it in place of OpenTelemetry's default provider, which
// forwards for good to the first provider ever installed (shut down by
// then, so its spans would vanish uncounted), or of the one an earlier
// Telemetry left. A provider the program installed itself, a
// tracing.Provider too, is put back. A global replaced while the
// Telemetry ran (by the program, or by the routers the first oteltest.New
// installs for the rest of a test binary) is left as it is: Shutdown puts
// back only what is still its own. WithoutGlobals leaves the globals
// alone.
//
// Init also makes the SDK's own diagnostic logger (otel.SetLogger) write
// into the service's log: its errors as otel_sdk_error lines, its warnings
// (by default shown nowhere) as otel_sdk_warning lines (field warning, at
// most one per 10 s). Some say that telemetry is lost or misreported: a
// metric instrument registered twice with conflicting definitions,
// attributes dropped at a limit, an invalid meter name. The SDK's info and
// debug messages are left out; what the SDK warns about while Init builds
// the providers is written once the logger exists. sdk_warnings_total in
// the health document counts the warnings. OpenTelemetry cannot tell Init
// which logger it replaces, so a logger set with otel.SetLogger before
// Init is replaced, and Shutdown leaves otelkit's in place, behaving as
// OpenTelemetry's default does (errors to stderr); set a logger of your
// own with otel.SetLogger after Init, or use WithoutGlobals.
//
// # When telemetry is missing
//
// Mount HealthHandler on an admin port (never a public one: it does no
// authentication) and GET it first. For each signal it shows the effective
// exporter configuration and where each value came from (option, env:NAME,
// default; header values and endpoint passwords are never shown), and
// under export what the exporter did: items (spans, metric data points,
// log records) exported and failed, batches, the last success and the last
// error. failed counts every item lost and dropped says why: queue_full
// (the batch queue overflowed: exports too slow for the load),
// export_failed (a panic in the exporter too, its error reading "the
// exporter panicked"), rejected (by the collector, in a partial success),
// shutdown (still queued when Shutdown's deadline passed) and
// after_shutdown (a sampled span still open at Shutdown, which ends when
// nothing exports any more, or begun after it: by a tracer obtained
// before or after from TracerProvider or the global provider, or by
// httpmw for a request served then; a log record emitted after Shutdown,
// through Logger or a logger of LoggerProvider: the line still reaches
// the log output; a line below the log level, with the log exporter none,
// or Run's own shutdown_finished, which comes after the shutdown by
// design, is not counted; nor is a metric measurement recorded after
// Shutdown: the SDK still aggregates it, into memory no export reads, and
// offers no hook to see it short of wrapping every instrument, a cost on
// every measurement, while the count is of data points, which exist only
// once collected) and too_large (a span, metric data point or log
// record too large for an OTLP export on its own: over 3 MiB over gRPC,
// 16 MiB over HTTP, estimated; a larger batch or collection goes in
// parts, so its neighbours arrive). A
// telemetry_dropped warning line, at most one per 10 s, reports the same
// as it happens. A failed metric export loses its delta data points, but
// not its cumulative ones (the default temporality; gauges too, unless
// delta, and observable gauges always, observed again at every
// collection): the next export sends their values again, so they show as
// unsent until that exporter's next export succeeds, and count as
// export_failed only if Shutdown's final export fails too; of a collection
// exported in parts, unsent counts those of the parts that failed. When
// Shutdown's deadline passes while a ForceFlush's metric export holds the
// reader, Shutdown still collects what was measured since, but does not
// export it beside the export in progress (an exporter gets one export at
// a time): that collection counts as a failed export (its delta points
// export_failed, its cumulative ones unsent, then export_failed), once,
// however the export in progress ends.
// "tracked": false means there is no exporter to watch
// ("none", or only Prometheus for metrics). A growing failed count with a
// last_error points at the endpoint, protocol, TLS or credentials;
// queue_full alone at the queue size or the collector's speed; exported
// counts that grow while the backend shows nothing point past the
// collector. sdk_errors_total counts every error the SDK reported.
// log_output_errors counts the log lines the log output did not take (a
// closed stdout pipe, a full disk; zap reports each on stderr), which
// still reach the OTLP log bridge.
// metric_cardinality_overflow lists the instruments (scope and name) that
// reached the cardinality limit (a metric_cardinality_limit_reached line
// each): their measurements past it are in one series,
// otel.metric.overflow=true, without their attributes. PUT
// {"level":"debug"} to the same handler changes the log level (refused
// with 403 when a browser sends it from a page of another origin).
//
//	admin := http.NewServeMux()
//	admin.Handle("/debug/otel/health", tel.HealthHandler())
//	go http.ListenAndServe("127.0.0.1:9091", admin)
//
// # DNS rebinding
//
// A web page on evil.example whose name its owner then resolves to
// 127.0.0.1 is, to the browser, of the same origin as the admin port: the
// same-origin policy lets it read the answers, and the cross-origin check
// lets its change of level through. Its requests still name evil.example
// in their Host header, so otelkit's endpoints answer a Host that is an IP
// address (with or without port, [::1]:9091 too), localhost or a name
// under .localhost, or a name WithAllowedHosts gives ("admin.example", or
// ".example.com" for it and every name under it); other names get 403
// with a message naming the option, a Host that is no host name 400. A
// request without Host (HTTP/1.0) is answered: no browser sends one.
//
//   - The trace viewer refuses such names always: it shows every span and
//     log line kept, and is meant for a developer's machine.
//   - A change of the log level (PUT or POST) refuses them always: it
//     changes what the service writes.
//   - The health document (GET) refuses them only when the request came in
//     on a loopback address, where such a page runs, or on one net/http
//     does not name (a Unix socket, httptest.NewRequest): probes and scrapers
//     reaching a pod by a service's name come in on the pod's address and
//     are answered, and the document holds no secret. A page can still
//     read it through a port that forwards to a non-loopback address (a
//     container's published port).
//
// Reached in a browser under a name of your own (a development host, an
// ingress), give that name: otel.WithAllowedHosts("devbox.internal").
//
// Other usual causes: the protocol does not match the port (gRPC listens
// on 4317, HTTP on 4318); a plain local collector needs an http:// endpoint,
// as the Go HTTP exporter defaults to TLS; OTEL_TRACES_SAMPLER=always_off,
// a traceidratio sampler or OTEL_SDK_DISABLED=true mean fewer spans or
// none. otel_sdk_error lines say why exports fail, and
// otelkit_config_warning lines (field detail) which value was ignored or
// corrected: a service name of unknown_service, a malformed
// OTEL_RESOURCE_ATTRIBUTES, detectors that disagree on a schema URL, a
// misspelled variable. Log lines without trace_id were written through a
// logger captured at start-up rather than logging.FromContext with the
// request's context, or outside any span (by design).
//
// # When the collector fails
//
// A down, slow or black-holed collector never slows the request path, and
// memory stays bounded: the batch queues (OTEL_BSP_MAX_QUEUE_SIZE,
// OTEL_BLRP_MAX_QUEUE_SIZE, 2048 each) drop what does not fit, counted as
// queue_full. An answer of 400 (gRPC InvalidArgument) is not retried; 503
// and 429 are retried no earlier than Retry-After or RetryInfo asks. An
// export that cannot reach the collector (refused, reset, dropped; the
// gRPC channel reconnecting) waits for it, trying again after 100 ms,
// then less and less often down to once a second, and leaves soon after
// its return, so a collector restart costs nothing the queues can hold.
// One export, retries included, lasts at most
// OTEL_EXPORTER_OTLP_TIMEOUT. At most 4 MiB of an answer is read. An
// export still running when Shutdown's deadline passes is cancelled, and
// counted before Shutdown returns (it waits up to 100 ms for that). An
// exporter that ignores the cancellation (a hung write, a custom
// exporter's bug) does not hold Shutdown either: what its export carries
// is counted as export_failed when Shutdown returns, and named in its
// error ("an export was still in progress when Shutdown returned"); should
// the export end later, that changes no count. The exporter is shut down
// once the export returns (spans, log records: their processor never calls
// Shutdown beside an export), or at once, beside it (metrics: the SDK's
// metric exporter contract allows that; Shutdown waits 50 ms at most for
// it, as the OTLP exporters' Shutdown waits for their export).
//
// Text that is not valid UTF-8 never costs a batch: what every exporter
// Init builds (and one given with WithSpanExporter) receives has each
// invalid byte replaced by U+FFFD, at export time, not in the request.
//
// No credential reaches an output: the configured header values are
// replaced by REDACTED in otel_sdk_error lines, the health document's
// last_error and the errors of ForceFlush and Shutdown, also when a
// collector quotes the Authorization header back; Init's errors never quote
// a header key or value, nor the user info or query of an endpoint, nor
// what follows whitespace in one, nor any value of a configuration file.
// internal/testkit/faults/RESULTS.md has the measured figures.
//
// # Credentials the program records
//
// A value logged or set as an attribute under a key that names a
// credential (authorization, password, token, api_key, db.password,
// accessToken, …: logging.DefaultRedactedKeys) is written as REDACTED, its
// key kept, in every output of a Telemetry: the log lines and the OTLP
// bridge (package logging, "Credentials"), exported spans, their events
// and links, exported log records whichever bridge made them, and the
// trace viewer. It is one setting for the Telemetry:
//
//	tel, err := otel.Init(ctx, otel.WithRedactedKeys("ssn", "iban")) // customer_ssn, customerIban, … too
//
// WithRedactedKeys adds keys; WithoutKeyRedaction writes every value as it
// was given, everywhere. logging.WithRedactedKeys and
// logging.WithoutKeyRedaction given through WithLoggingOptions, and
// tracing's through WithTracingOptions, state the same setting: keys add
// up from all of them, and WithoutKeyRedaction from any of them wins over
// every WithRedactedKeys, as it does within each package. No environment
// variable changes it: the keys are those the program's code records, and
// a deployment must not be able to switch off what keeps credentials out
// of the outputs. Processors given to Init (WithSpanProcessor,
// WithLogProcessor) see the values as they were set.
//
// # Deploying
//
// Kubernetes resource attributes come from the downward API:
//
//	env:
//	  - name: K8S_POD_NAME
//	    valueFrom: {fieldRef: {fieldPath: metadata.name}}
//	  - name: OTEL_RESOURCE_ATTRIBUTES
//	    value: k8s.pod.name=$(K8S_POD_NAME),deployment.environment.name=production
//
// A vendor's OTLP endpoint with an API key (header values are never
// logged):
//
//	OTEL_EXPORTER_OTLP_ENDPOINT=https://otlp.vendor.example \
//	OTEL_EXPORTER_OTLP_HEADERS="api-key=${VENDOR_KEY}" \
//	OTEL_EXPORTER_OTLP_COMPRESSION=gzip ./service
//
// When one collector is not enough, send to an agent collector on the same
// node (a DaemonSet or sidecar at localhost:4317) that batches, adds
// Kubernetes attributes and forwards to a gateway holding the vendor
// credentials and doing tail sampling: the service only needs
// OTEL_EXPORTER_OTLP_ENDPOINT pointing at its agent.
//
// # Seeing traces with nothing installed
//
// WithTraceViewer keeps the last traces (200 by default, about 8 MiB at
// most; WithTraceViewerLimits) and the log lines that carry their trace
// ID in memory, with every exporter off too (not with
// OTEL_SDK_DISABLED=true: spans are then off), and TraceViewerHandler serves
// them: "<mount>/" lists recent traces newest first, filtered by trace ID
// or request ID prefix (the console's trace=4bf92f35 will do), and
// "<mount>/trace/<trace_id>" shows one as a waterfall with its log lines
// under it. The pages use no script and no external asset. Like
// HealthHandler it does no authentication: mount it on an admin port, and
// outside httpmw so that looking at traces makes none. It answers only a
// Host that is an IP address, localhost or a name WithAllowedHosts gives
// (DNS rebinding, above):
//
//	tel, err := otel.Init(ctx, otel.WithTraceViewer())
//	admin := http.NewServeMux()
//	admin.Handle("/debug/otel/", tel.TraceViewerHandler())
//	go http.ListenAndServe("127.0.0.1:6060", admin)
//
// Without the option nothing of it is installed and nothing costs; with
// it, every span and log line is also copied into the viewer (through the
// OTLP log bridge, which is then on even with no log exporter): see
// BenchmarkTraceViewer for the cost per request.
//
// # Tests
//
// Package oteltest starts the same wiring with in-memory exporters, for
// assertions on what the code under test emitted; its tests may run in
// parallel and do not depend on the environment. WithEnvLookup, which it
// uses, makes Init read the variables from elsewhere than the process
// environment.
package otel
