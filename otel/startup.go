package otel

import (
	"errors"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/zap"
)

// What Init has to say before its logger exists: its own warnings, and what
// the SDK reports through otel.Handle while the providers are built (the
// SDK re-reads OTEL_RESOURCE_ATTRIBUTES for every provider and reports each
// malformed pair each time, as plain text on stderr by default). Init holds
// both until its logger is built, then writes them as structured lines.

// configWarning is one otelkit_config_warning line.
type configWarning struct {
	variable string // the variable it is about, "" when several
	detail   string
	meant    string // the variable probably meant (a misspelled name), "" when none
}

func (w configWarning) log(l *zap.Logger) {
	switch {
	case w.meant != "":
		l.Warn("otelkit_config_warning", zap.String("variable", w.variable), zap.String("did_you_mean", w.meant),
			zap.String("detail", w.detail))
	case w.variable != "":
		l.Warn("otelkit_config_warning", zap.String("variable", w.variable), zap.String("detail", w.detail))
	default:
		l.Warn("otelkit_config_warning", zap.String("detail", w.detail))
	}
}

// report writes Init's warnings (those about the settings a disabled SDK
// leaves unused among them) and then what the SDK reported during Init
// through t's logger. Before the logger exists (Init failed early) the
// warnings are lost with the Init error, and the SDK's reports go where
// OpenTelemetry's default handler writes, except those about the resource
// variables, which repeat their values.
func (t *Telemetry) report(reports *initReports) {
	if t.logger == nil || t.sdkErrors == nil {
		reports.replay(nil, nil, true)
		return
	}
	resourceWarned := false
	for _, w := range append(t.warnings, t.disabledWarnings(t.disabledInvalid)...) {
		w.log(t.logger.Zap())
		resourceWarned = resourceWarned || w.variable == resourceAttrsVar
	}
	t.warnings, t.disabledInvalid = nil, nil
	reports.replay(t.sdkErrors, t.sdkWarnings, resourceWarned)
}

// maxInitReports bounds what one Init holds; the rest is counted.
const maxInitReports = 16

// initReports collects the SDK's reports during one Init.
type initReports struct {
	onlyResource bool // another Telemetry is live and logs the rest itself

	mu                       sync.Mutex
	errs                     []error
	dropped, droppedWarnings int // past maxInitReports
	ended                    bool
	undo                     func()
}

// capturing lists the Inits in progress; the latest gets each report.
var capturing struct {
	active atomic.Int32
	mu     sync.Mutex
	list   []*initReports
}

// beginInitReports routes the SDK's reports to a new initReports until end.
// For that the error switch must be the global error handler during Init;
// end puts back the handler that was there.
func beginInitReports() *initReports {
	r := &initReports{onlyResource: globalErrors.target.Load() != nil}
	prev := otel.GetErrorHandler()
	if prev != globalErrors {
		otel.SetErrorHandler(globalErrors)
	}
	r.undo = func() {
		if prev != globalErrors {
			otel.SetErrorHandler(prev)
		}
	}
	capturing.mu.Lock()
	capturing.list = append(capturing.list, r)
	capturing.active.Add(1)
	capturing.mu.Unlock()
	return r
}

// end stops the capture. Safe to call more than once.
func (r *initReports) end() {
	capturing.mu.Lock()
	defer capturing.mu.Unlock()
	if r.ended {
		return
	}
	r.ended = true
	for i, x := range capturing.list {
		if x == r {
			capturing.list = append(capturing.list[:i], capturing.list[i+1:]...)
			capturing.active.Add(-1)
			break
		}
	}
	r.undo()
}

// captureInitReport hands err to the Init in progress, if any, and reports
// whether it took it.
func captureInitReport(err error) bool {
	if capturing.active.Load() == 0 {
		return false
	}
	capturing.mu.Lock()
	defer capturing.mu.Unlock()
	if len(capturing.list) == 0 {
		return false
	}
	r := capturing.list[len(capturing.list)-1]
	if r.onlyResource && !isResourceEnvReport(err) {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) < maxInitReports {
		r.errs = append(r.errs, err)
	} else {
		if isSDKWarning(err) {
			r.droppedWarnings++
		} else {
			r.dropped++
		}
	}
	return true
}

// replay writes what was captured through h, the SDK's warnings through
// w, leaving out the reports about the resource variables when Init has
// warned about them itself (the SDK's repeat the malformed pairs, values
// included). Without h (Init failed before its logger existed) it writes
// them as OpenTelemetry's default handler and logger would: errors to
// stderr, warnings nowhere.
func (r *initReports) replay(h, w *rateLimitedHandler, resourceWarned bool) {
	r.end()
	r.mu.Lock()
	errs, dropped, droppedWarnings := r.errs, r.dropped, r.droppedWarnings
	r.errs, r.dropped, r.droppedWarnings = nil, 0, 0
	r.mu.Unlock()
	handle := otelDefaultHandle
	if h != nil {
		handle = h.Handle
	}
	for _, err := range errs {
		switch {
		case resourceWarned && isResourceEnvReport(err):
		case isSDKWarning(err):
			if w != nil {
				w.Handle(err)
			}
		default:
			handle(err)
		}
	}
	if droppedWarnings > 0 && w != nil {
		w.Handle(errors.New("otelkit: further SDK warnings during Init were not kept: " + strconv.Itoa(droppedWarnings)))
	}
	if dropped > 0 {
		handle(errors.New("otelkit: further SDK errors during Init were not kept: " + strconv.Itoa(dropped)))
	}
}

// isResourceEnvReport tells the SDK's reports about OTEL_RESOURCE_ATTRIBUTES:
// a pair without "=" (a partial resource) or a value that is not valid
// percent-encoding.
func isResourceEnvReport(err error) bool {
	var esc url.EscapeError
	return errors.Is(err, resource.ErrPartialResource) || errors.As(err, &esc)
}
