// Package logroute lets a test harness (otel/oteltest) choose the logger
// of a context that carries none: logging.FromContext, logging.With and
// the request scope of httpmw and grpcmw then write through the logger of
// the test the context belongs to, instead of zap's one global logger.
// Nothing is routed unless a Router is set; then each lookup costs an
// atomic load.
package logroute

import (
	"context"
	"sync/atomic"

	"go.uber.org/zap"
)

// A Router returns the logger for ctx in place of base, the logger that
// would be used otherwise (zap's global, or the one a middleware was
// given), or nil to keep base.
type Router func(ctx context.Context, base *zap.Logger) *zap.Logger

var router atomic.Pointer[Router]

// Set makes r the router; nil removes it. It returns the router it
// replaced.
func Set(r Router) Router {
	var old *Router
	if r == nil {
		old = router.Swap(nil)
	} else {
		old = router.Swap(&r)
	}
	if old == nil {
		return nil
	}
	return *old
}

// Route returns the logger for ctx: what the router gives, else base.
func Route(ctx context.Context, base *zap.Logger) *zap.Logger {
	r := router.Load()
	if r == nil || ctx == nil {
		return base
	}
	if l := (*r)(ctx, base); l != nil {
		return l
	}
	return base
}
