// Package reqlog is the seam between the request scope (internal/reqscope)
// and the logging package: the record a request hands logging to bind its
// logger, and what logging hands back. It holds types only and sits below
// logging, which reads it; internal/reqscope, above logging, fills it in.
//
// # How a request reaches logging
//
// logging exports what users call (New, NewContext, With, FromContext) and
// no middleware plumbing. The request scope binds a request through the
// public logging.With, with one field made by Field: a zap Skip field (every
// zap encoder ignores it) whose value is a *Request. Only packages of this
// module can name that type, so no user can make such a field, and
// logging.With given exactly that one field binds the request instead:
//
//	r := &reqlog.Request{Base: base, ID: id, Fields: fields, Late: route}
//	ctx = logging.With(ctx, reqlog.Field(r)) // fills in r.Bound
//
// So the scope calls logging statically, and logging keeps its engine
// (core, profiles, foreign loggers) unexported, with no function variable
// filled in at initialisation and no exported entry point a user could
// mistake for API. logging keeps no reference to the record: the scope may
// embed it in its own per-request allocation and reuse its memory once
// With returns.
//
// The alternatives weighed: moving logging's engine into an internal
// package below a thin logging facade would move some 2,600 of logging's
// 2,900 lines (FromContext falls back to a logger New builds from the
// environment, so New and its options would have to go down too) and
// leave logging as forwarders and type aliases, with its design one
// package away from where users read it. A package of function variables
// that logging fills in from init() (grpc-go's internal pattern) is an
// init() with side effects and exported mutable state, which the style
// guide rules out, holds nothing the compiler can check is set, and grows
// a variable per capability. The marker field is the technique logging
// already uses inside, to hand a span-bound core to zap.Logger.With; what
// a request needs from logging at its end (per-request log buffering: flush
// or drop) is a method of Bound, EndBuffer.
package reqlog

import (
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Keys of the request fields a transport binds (Request.Fields, Late).
// logging writes the method and the path under the output profile's names
// (url.path in ECS, for instance); the route, and fields under other keys,
// keep theirs. All three are reserved on a request's lines: a user's field
// of that name is renamed there (see logging's package documentation).
const (
	KeyMethod = "method"
	KeyPath   = "path"
	KeyRoute  = "route"
)

// Request is one request's binding to logging, filled in by the request
// scope. Every line written through logging.FromContext in the request's
// context carries, after the trace fields: request_id (ID), Fields, then
// what Late writes, then the line's own fields.
type Request struct {
	// Base is the logger the request's lines start from; nil means
	// logging's fallback (zap.L, or while that is zap's no-op logger, a
	// logger New builds from the environment).
	Base *zap.Logger
	// ID is written as request_id right after the trace fields; "" writes
	// none.
	ID string
	// Fields are known when the request starts (method, path); logging
	// copies them.
	Fields []zap.Field
	// Late writes what is known only later (the route a router matches):
	// encoded on every line, or once per logger built after it has settled
	// (see Settler). It must be safe for concurrent use. nil: nothing.
	Late zapcore.ObjectMarshaler
	// Bound is set by logging.With: logging's side of the bound request.
	Bound Bound
}

// Bound is logging's side of a bound request.
type Bound interface {
	// AccessLogger returns a logger and fields that together write what
	// logging.FromContext would in the request's context, for the
	// request's last line (the access line), at the least cost: with a
	// logger not built by logging.New, until a handler has asked for the
	// request's logger, that is a logger shared by all requests plus the
	// request's fields, so no logger is built for one line. It appends
	// the fields to dst (the caller's storage, so that they cost no
	// allocation when they fit) and returns the result.
	AccessLogger(dst []zap.Field) (*zap.Logger, []zap.Field)
	// AccessWriter returns what writes an Access under the names of the
	// request logger's output profile; nil for otelkit's own names.
	AccessWriter() AccessWriter
	// EndBuffer ends the request's log buffer (per-request log buffering,
	// see logging's package documentation), before the access line: it
	// writes the buffered lines when failed is true or elapsed is over the
	// slow threshold, and drops them otherwise. It returns the access
	// line's own fields: what line writes followed by the buffer's counts
	// (line itself when buffering is off or nothing was buffered; line may
	// be nil), and whether the lines were written. Call it once.
	EndBuffer(failed bool, elapsed time.Duration, line zapcore.ObjectMarshaler) (fields zapcore.ObjectMarshaler, flushed bool)
}

// Settler is implemented by a Late marshaler that knows when its value no
// longer changes, such as a route once the router has matched. Once
// Settled returns true, a logger logging builds from then on may encode
// the marshaler once, when it is built, instead of on every line. It must
// be safe for concurrent use.
type Settler interface {
	Settled() bool
}

// fieldKey is the key of the field Field makes; the NUL keeps it apart
// from any key a user writes.
const fieldKey = "\x00otelkit.request"

// Field returns the field that makes logging.With bind r (see the package
// documentation). Given to anything else, it writes nothing: zap encoders
// skip it.
func Field(r *Request) zap.Field {
	return zap.Field{Key: fieldKey, Type: zapcore.SkipType, Interface: r}
}

// From returns the request fields carries when fields is exactly the one
// field Field makes, and nil otherwise.
func From(fields []zap.Field) *Request {
	if len(fields) != 1 || fields[0].Type != zapcore.SkipType || fields[0].Key != fieldKey {
		return nil
	}
	r, _ := fields[0].Interface.(*Request)
	return r
}
