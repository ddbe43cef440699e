package grpcmw

import (
	"context"

	"go.opentelemetry.io/otel/attribute"

	"github.com/otelkit/otelkit/internal/reqscope"
)

// RequestIDAttribute is the span attribute that carries the request ID, the
// same as httpmw's (the request scope's).
const RequestIDAttribute = attribute.Key("request.id")

// RequestIDMetadataKey is the metadata key that carries the request ID: read
// from the incoming metadata and returned in the response header by the
// server, sent by the client.
const RequestIDMetadataKey = "x-request-id"

// RequestID returns the request ID of ctx: the one the server bound to the
// RPC, the one httpmw bound to an HTTP request (both keep it in the same
// place), or the one ContextWithRequestID set; "" when there is none.
func RequestID(ctx context.Context) string { return reqscope.ID(ctx) }

// ContextWithRequestID returns a copy of ctx that carries id as its request
// ID, for work that does not start with a request (jobs, consumers), so that
// a client made with DialOptions (or httpmw.Transport) forwards it. An id
// that the server side would not accept (see the package documentation) is
// replaced by a new one.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return reqscope.ContextWithID(ctx, id)
}
