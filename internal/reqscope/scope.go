package reqscope

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/internal/requestid"
	"github.com/otelkit/otelkit/internal/visible"
	"github.com/otelkit/otelkit/logging"
)

// IDAttribute is the span attribute that carries the request ID.
const IDAttribute = attribute.Key("request.id")

// MaxText bounds the text from a request (a path, a query, a panic's text)
// that a line carries.
const MaxText = 1024

// Truncate returns s cut to at most MaxText bytes, at the start of a
// character: a cut inside one would make valid UTF-8 (a method name, a
// path) invalid on the span, where the exporter would count it repaired.
func Truncate(s string) string { return visible.Cut(s, MaxText) }

// Scope is one request's scope. Its zero value is ready for Begin; a
// transport embeds it in its per-request state.
type Scope struct {
	log      reqlog.Request // Base, ID, Fields (until Bind), Late; Bound once bound
	idValues [1]string      // the ID as a header or metadata value
	start    time.Time
	// buf holds the fields given to Begin until Bind, where its last slot
	// carries the field that hands the request to logging; then the access
	// line's fields. Bound requests need no more than its three.
	buf      [3]zap.Field
	own      reqlog.Own // End's line when it is not an Access
	panicked bool
}

// Begin starts the scope of a request that arrived now. incomingID holds
// the values of the request-ID header (or metadata key) as received; the ID
// is the one value there if requestid accepts it, else a new one. base is
// the logger the request's lines start from (nil: zap.L(), looked up now).
// late, if not nil, writes fields known only later, such as the route, on
// every line; it may implement reqlog.Settler and must be safe for
// concurrent use. fields are known now (method, path).
func (s *Scope) Begin(incomingID []string, base *zap.Logger, late zapcore.ObjectMarshaler, fields ...zap.Field) {
	s.start = time.Now()
	s.log.ID, _ = requestid.Resolve(incomingID)
	s.idValues[0] = s.log.ID
	if base == nil {
		base = zap.L()
	}
	s.log.Base = base
	s.log.Late = late
	if len(fields) < len(s.buf) {
		s.log.Fields = s.buf[:copy(s.buf[:], fields):len(fields)]
	} else {
		s.log.Fields = append([]zap.Field(nil), fields...)
	}
}

// Bind returns a copy of ctx, which holds the request's span, that carries
// the scope (FromContext) and the request's logger: logging.FromContext in
// it writes request_id, the fields given to Begin and late after the trace
// fields. Call it once.
func (s *Scope) Bind(ctx context.Context) context.Context {
	return s.BindBelow(context.WithValue(ctx, ctxKey{}, s))
}

// BindBelow is Bind for a transport whose own context types answer
// IsKey's key with s: ctx itself (so that logging's routers see the scope
// while binding) and the context the transport makes from the one
// returned (so that the handler finds it near the top). It saves Bind's
// context value, and a level that every later lookup would pass.
func (s *Scope) BindBelow(ctx context.Context) context.Context {
	last := len(s.buf) - 1
	s.buf[last] = reqlog.Field(&s.log)
	ctx = logging.With(ctx, s.buf[last:]...)
	// logging copied the fields: buf is free for the access line.
	s.buf = [len(s.buf)]zap.Field{}
	s.log.Fields = nil
	return ctx
}

// Began reports whether s is a request's scope, which Begin started, and
// not one ContextWithID made: a transport nested inside another takes the
// request ID of the first only (one ID per request).
func (s *Scope) Began() bool { return !s.start.IsZero() }

// ID returns the request ID.
func (s *Scope) ID() string { return s.log.ID }

// Late returns the late marshaler given to Begin, by which a transport
// finds its per-request state from the context (FromContext).
func (s *Scope) Late() zapcore.ObjectMarshaler { return s.log.Late }

// IDValues returns the request ID as the one value of a header or metadata
// key. The slice is shared: its capacity is 1, so an append copies it.
func (s *Scope) IDValues() []string { return s.idValues[:1:1] }

// Elapsed returns the time since Begin.
func (s *Scope) Elapsed() time.Duration { return time.Since(s.start) }

// ctxKey is the context key of a *Scope.
type ctxKey struct{}

// IsKey reports whether key is the context key under which FromContext
// looks for a *Scope (see BindBelow).
func IsKey(key any) bool {
	_, ok := key.(ctxKey)
	return ok
}

// FromContext returns the scope ctx carries (Bind, BindBelow's transport,
// ContextWithID), or nil.
func FromContext(ctx context.Context) *Scope {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(ctxKey{}).(*Scope)
	return s
}

// ID returns the request ID ctx carries, or "".
func ID(ctx context.Context) string {
	if s := FromContext(ctx); s != nil {
		return s.log.ID
	}
	return ""
}

// ContextWithID returns a copy of ctx (nil: context.Background()) that
// carries id as its request ID, for work that does not start with a
// request (jobs, consumers), so that client transports forward it. An id
// that requestid does not accept is replaced by a new one.
func ContextWithID(ctx context.Context, id string) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if !requestid.Valid(id) {
		id = requestid.New()
	}
	s := &Scope{}
	s.log.ID = id
	s.idValues[0] = id
	return context.WithValue(ctx, ctxKey{}, s)
}
