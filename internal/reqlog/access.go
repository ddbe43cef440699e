package reqlog

import (
	"time"

	"go.uber.org/zap/zapcore"
)

// Access is what an access line says about a request that ended, in
// otelkit's terms, for every transport: the request scope hands it to
// logging, whose output profile writes it under the names its backend
// reads (Cloud Logging's httpRequest object, ECS's http.response.*,
// Datadog's standard attributes). A transport keeps one in its
// per-request state, fills it in when the request ends and passes it to
// the scope's End, so it costs no allocation.
//
// Its own MarshalLogObject writes otelkit's names (status, duration_ms,
// bytes, query, then More): what a logger not built by logging.New, or a
// request the scope never bound, gets.
type Access struct {
	Method string // HTTP method, as the request line carries it; "" when not HTTP
	Path   string // URL path, as the request line carries it
	Query  string // the query to log, already redacted; "" for none
	// Status is the HTTP status the client got; 0 when the transport is
	// not HTTP (then no profile writes an HTTP status or request object).
	Status   int
	Duration time.Duration // from the request's start to its end
	Bytes    int64         // response body bytes written; negative: none written to the line
	// More writes the transport's own fields after these, under its own
	// names (a gRPC status code, for instance); nil for none.
	More zapcore.ObjectMarshaler
	// Writer writes the fields above under an output profile's names; nil
	// means otelkit's. The request scope sets it from Bound.AccessWriter.
	Writer AccessWriter
}

// AccessWriter writes an Access under an output profile's names.
type AccessWriter interface {
	WriteAccess(enc zapcore.ObjectEncoder, a *Access) error
}

var _ zapcore.ObjectMarshaler = (*Access)(nil)

// MarshalLogObject writes a through its Writer, or under otelkit's names.
func (a *Access) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	if a.Writer != nil {
		return a.Writer.WriteAccess(enc, a)
	}
	return a.WriteDefault(enc)
}

// WriteDefault writes a under otelkit's names: status (HTTP only),
// duration_ms (milliseconds, to the microsecond), bytes, query (when set),
// then More.
func (a *Access) WriteDefault(enc zapcore.ObjectEncoder) error {
	if a.Status != 0 {
		enc.AddInt(KeyStatus, a.Status)
	}
	enc.AddFloat64(KeyDurationMS, float64(a.Duration.Microseconds())/1000)
	if a.Bytes >= 0 {
		enc.AddInt64(KeyBytes, a.Bytes)
	}
	if a.Query != "" {
		enc.AddString(KeyQuery, a.Query)
	}
	return a.WriteMore(enc)
}

// WriteMore writes More, if any.
func (a *Access) WriteMore(enc zapcore.ObjectEncoder) error {
	if a.More == nil {
		return nil
	}
	return a.More.MarshalLogObject(enc)
}

// otelkit's names of the access line's own fields.
const (
	KeyStatus     = "status"
	KeyDurationMS = "duration_ms"
	KeyBytes      = "bytes"
	KeyQuery      = "query"
)

// Own holds an access line's fields that a transport writes itself rather
// than through an Access. logging writes them as they are: they are the
// line's own keys, not a user's to rename.
type Own struct{ M zapcore.ObjectMarshaler }

var _ zapcore.ObjectMarshaler = (*Own)(nil)

// MarshalLogObject writes the fields of M.
func (o *Own) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	if o.M == nil {
		return nil
	}
	return o.M.MarshalLogObject(enc)
}
