package otel

import (
	"log"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/scrub"
)

// errorSwitch is installed once as the OpenTelemetry global error handler;
// Init points it at the live Telemetry's logger and Shutdown points it away
// again. A switch is needed because the OpenTelemetry default handler
// delegates, once and for ever, to the first handler set.
type errorSwitch struct {
	target atomic.Pointer[rateLimitedHandler]
	// warnings is the target of the SDK's warnings (sdkLogSink):
	// otel_sdk_warning lines; nil with no live Telemetry.
	warnings atomic.Pointer[rateLimitedHandler]
	// last is the scrubber of the Telemetry shut down last: an export cut
	// off by Shutdown's deadline may still fail, with a collector's answer
	// quoting a header, after the switch pointed away.
	last atomic.Pointer[scrub.Scrubber]
}

var globalErrors = &errorSwitch{}

func (s *errorSwitch) Handle(err error) { s.handle(err, false) }

// handle is Handle, with the line written on a goroutine of its own when
// async is set (rateLimitedHandler.handleAsync).
func (s *errorSwitch) handle(err error, async bool) {
	if captureInitReport(err) {
		return // Init writes it once its logger exists (startup.go)
	}
	if h := s.target.Load(); h != nil {
		if async {
			h.handleAsync(err)
		} else {
			h.Handle(err)
		}
		return
	}
	// No live Telemetry: behave like the OpenTelemetry default.
	otelDefaultHandle(s.last.Load().Error(err))
}

// otelDefaultHandle writes err the way OpenTelemetry's default handler does
// (plain text on stderr), user-info in URLs removed. Init may have made the
// switch the SDK's handler for good (its default handler delegates once and
// for ever), so with no live Telemetry this must behave as that default
// would, not drop the error.
var otelDefaultHandle = func(err error) { log.Print(scrub.RedactUserInfo(err.Error())) }

// rateLimitedHandler turns OpenTelemetry's internal errors (failed exports,
// dropped records) into warning lines, at most one per interval; the lines
// say how many were suppressed in between, so a down collector never
// floods the service's log. The SDK's warnings take the same way, under
// their own event (newSDKWarnings).
type rateLimitedHandler struct {
	log        *zap.Logger
	interval   time.Duration
	now        func() time.Time
	event, key string // the line's message and the key of the error's text

	scrub *scrub.Scrubber // nil: URL user info only

	mu         sync.Mutex
	last       time.Time
	suppressed int
	total      atomic.Int64
}

func newRateLimitedHandler(l *zap.Logger, interval time.Duration) *rateLimitedHandler {
	return &rateLimitedHandler{log: l, interval: interval, now: time.Now, event: "otel_sdk_error", key: "error"}
}

// newSDKWarnings returns the handler of the SDK's warnings (sdkLogSink):
// otel_sdk_warning lines with the text under warning.
func newSDKWarnings(l *zap.Logger, interval time.Duration) *rateLimitedHandler {
	return &rateLimitedHandler{log: l, interval: interval, now: time.Now, event: "otel_sdk_warning", key: "warning"}
}

func (h *rateLimitedHandler) Handle(err error) {
	if suppressed, ok := h.admit(err); ok {
		h.write(err, suppressed)
	}
}

// handleAsync is Handle with the line written on a goroutine of its own
// (at most one per interval): for the SDK's logger, which may call from
// inside the OTLP log bridge's write of another line. The log SDK warns
// about attributes dropped at a limit through a process-wide sync.Once;
// the warning line, written there and over the same limit, would wait on
// that Once for ever.
func (h *rateLimitedHandler) handleAsync(err error) {
	if suppressed, ok := h.admit(err); ok {
		go h.write(err, suppressed)
	}
}

// admit counts err and reports whether a line is due (and how many were
// suppressed since the last), or whether err only adds to that count.
func (h *rateLimitedHandler) admit(err error) (suppressed int, ok bool) {
	if err == nil {
		return 0, false
	}
	h.total.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if !h.last.IsZero() && now.Sub(h.last) < h.interval {
		h.suppressed++
		return 0, false
	}
	suppressed = h.suppressed
	h.suppressed = 0
	h.last = now
	return suppressed, true
}

// write writes the line for err.
func (h *rateLimitedHandler) write(err error, suppressed int) {
	h.log.Warn(h.event,
		zap.String(h.key, h.scrub.String(err.Error())),
		zap.Int("suppressed_since_last", suppressed),
		zap.Duration("rate_limit", h.interval),
	)
}

// installErrorHandler makes h the target of the global error handler and
// w that of the SDK's warnings (sdkLogger), and returns a function that
// puts the previous ones back: the global handler only while it is still
// globalErrors, as installGlobals does for the other globals, so that a
// handler the program set since stays.
func installErrorHandler(h, w *rateLimitedHandler) func() {
	prev := otel.GetErrorHandler()
	if prev != globalErrors {
		otel.SetErrorHandler(globalErrors)
	}
	old := globalErrors.target.Swap(h)
	oldW := globalErrors.warnings.Swap(w)
	return func() {
		globalErrors.last.Store(h.scrub)
		globalErrors.target.Store(old)
		globalErrors.warnings.Store(oldW)
		if prev != globalErrors && otel.GetErrorHandler() == globalErrors {
			otel.SetErrorHandler(prev)
		}
	}
}
