package logging

import (
	"strconv"
	"time"

	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
)

// The access line's own fields under each profile's names. A transport
// (httpmw, grpcmw) fills in a reqlog.Access when a request ends and the
// request scope writes it through the request's logger, whose profile
// (reqlog.Bound.AccessWriter) writes it here. The request's method and
// path are on every line of the request already, under the profile's
// names (profile.requestField).

var _ reqlog.AccessWriter = (*profile)(nil)

// WriteAccess implements reqlog.AccessWriter.
func (p *profile) WriteAccess(enc zapcore.ObjectEncoder, a *reqlog.Access) error {
	return p.writeAccess(p, enc, a)
}

// defaultAccessKeys are the keys reqlog.Access.WriteDefault writes.
var defaultAccessKeys = []string{reqlog.KeyStatus, reqlog.KeyDurationMS, reqlog.KeyBytes, reqlog.KeyQuery}

// writeAccessDefault writes otelkit's names: status, duration_ms, bytes,
// query.
func writeAccessDefault(_ *profile, enc zapcore.ObjectEncoder, a *reqlog.Access) error {
	return a.WriteDefault(enc)
}

// writeAccessECS writes ECS's http.response.status_code, event.duration
// (nanoseconds), http.response.body.bytes and url.query.
func writeAccessECS(_ *profile, enc zapcore.ObjectEncoder, a *reqlog.Access) error {
	writeAccessCounts(enc, a, "http.response.status_code", "event.duration", "http.response.body.bytes")
	if a.Query != "" {
		enc.AddString("url.query", a.Query)
	}
	return a.WriteMore(enc)
}

// writeAccessDatadog writes Datadog's standard attributes:
// http.status_code, duration (nanoseconds), network.bytes_written and
// http.url (the path, and the query when it is logged).
func writeAccessDatadog(_ *profile, enc zapcore.ObjectEncoder, a *reqlog.Access) error {
	writeAccessCounts(enc, a, "http.status_code", "duration", "network.bytes_written")
	if a.Method != "" {
		b := bufPool.Get()
		appendURL(b, a)
		enc.AddByteString("http.url", b.Bytes())
		b.Free()
	}
	return a.WriteMore(enc)
}

// writeAccessCounts writes what ECS and Datadog write alike under their
// own keys: the status (when the transport has an HTTP one), the
// duration in nanoseconds, and the body bytes (when known).
func writeAccessCounts(enc zapcore.ObjectEncoder, a *reqlog.Access, status, duration, bytes string) {
	if a.Status != 0 {
		enc.AddInt(status, a.Status)
	}
	enc.AddInt64(duration, a.Duration.Nanoseconds())
	if a.Bytes >= 0 {
		enc.AddInt64(bytes, a.Bytes)
	}
}

// writeAccessGCP writes Cloud Logging's httpRequest object (LogEntry's
// HttpRequest), which Cloud Logging lifts out of the payload into the
// entry and shows as the request. A request that is not HTTP gets
// otelkit's names.
func writeAccessGCP(_ *profile, enc zapcore.ObjectEncoder, a *reqlog.Access) error {
	if a.Status == 0 {
		return a.WriteDefault(enc)
	}
	if err := enc.AddObject(gcpHTTPRequest, (*gcpHTTPRequestObject)(a)); err != nil {
		return err
	}
	return a.WriteMore(enc)
}

// gcpHTTPRequestObject writes an Access as Cloud Logging's HttpRequest:
// requestMethod, requestUrl (path and logged query; otelkit logs neither
// scheme nor host, which the client chooses), status, responseSize (an
// int64, so a JSON string; the body bytes written, as HttpRequest's
// headers-included size is not known to a handler) and latency (a
// Duration: seconds with up to nine fractional digits and "s"). userAgent,
// remoteIp and referer are left out: otelkit does not log them.
type gcpHTTPRequestObject reqlog.Access

func (o *gcpHTTPRequestObject) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	a := (*reqlog.Access)(o)
	b := bufPool.Get()
	defer b.Free()
	enc.AddString("requestMethod", a.Method)
	appendURL(b, a)
	enc.AddByteString("requestUrl", b.Bytes())
	enc.AddInt("status", a.Status)
	if a.Bytes >= 0 {
		b.Reset()
		b.AppendInt(a.Bytes)
		enc.AddByteString("responseSize", b.Bytes())
	}
	b.Reset()
	appendSeconds(b, a.Duration)
	enc.AddByteString("latency", b.Bytes())
	return nil
}

// appendURL appends the path and, when the query is logged, "?" and the
// query.
func appendURL(b *buffer.Buffer, a *reqlog.Access) {
	b.AppendString(a.Path)
	if a.Query != "" {
		b.AppendByte('?')
		b.AppendString(a.Query)
	}
}

// appendSeconds appends d as protobuf's JSON Duration: whole seconds, up
// to nine fractional digits without trailing zeros, then "s" ("0.123s").
// A negative d is written as 0s.
func appendSeconds(b *buffer.Buffer, d time.Duration) {
	if d < 0 {
		d = 0
	}
	b.AppendInt(int64(d / time.Second))
	if ns := int64(d % time.Second); ns != 0 {
		var frac [10]byte
		f := strconv.AppendInt(frac[:0], ns+1e9, 10)[1:] // nine digits, leading zeros kept
		for len(f) > 0 && f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		b.AppendByte('.')
		_, _ = b.Write(f)
	}
	b.AppendByte('s')
}
