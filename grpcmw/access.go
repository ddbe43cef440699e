package grpcmw

import (
	"strconv"

	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc/codes"

	"github.com/otelkit/otelkit/internal/reqscope"
)

var _ zapcore.ObjectMarshaler = accessFields{}

// accessLine ends the RPC's scope with its access line (see
// reqscope.Scope.End), unless its method is skipped (WithSkipMethods). The
// request logger's output profile names the duration (duration_ms by
// default); the code and message counts follow under gRPC's names.
func (h *serverHandler) accessLine(st *rpcState) {
	if _, skip := h.cfg.skipMethods[st.fullMethod]; skip {
		st.scope.End(&h.access, outcomeOf(st.code), nil)
		return
	}
	a := &st.access
	a.Duration = st.scope.Elapsed()
	a.Bytes = -1 // not known per RPC
	a.More = accessFields{st}
	st.scope.End(&h.access, outcomeOf(st.code), a)
}

// outcomeOf decides the access line's level from the status code, as the
// RPC semantic conventions decide a server span's status: the codes they
// count as server errors (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED,
// INTERNAL, UNAVAILABLE, DATA_LOSS) and codes outside the 17 gRPC defines
// (which gRPC clients read as UNKNOWN) are error; every other non-OK code is
// the client's doing (a bad argument, a missing entity, no permission, a
// cancelled call, ...) and is warn; OK is info.
func outcomeOf(c codes.Code) reqscope.Outcome {
	switch c {
	case codes.OK:
		return reqscope.Succeeded
	case codes.Canceled, codes.InvalidArgument, codes.NotFound, codes.AlreadyExists,
		codes.PermissionDenied, codes.ResourceExhausted, codes.FailedPrecondition,
		codes.Aborted, codes.OutOfRange, codes.Unauthenticated:
		return reqscope.ClientError
	}
	return reqscope.ServerError
}

// codeNames are the status codes as the gRPC specification and the
// semantic conventions (rpc.response.status_code) write them.
var codeNames = [...]string{
	codes.OK:                 "OK",
	codes.Canceled:           "CANCELLED",
	codes.Unknown:            "UNKNOWN",
	codes.InvalidArgument:    "INVALID_ARGUMENT",
	codes.DeadlineExceeded:   "DEADLINE_EXCEEDED",
	codes.NotFound:           "NOT_FOUND",
	codes.AlreadyExists:      "ALREADY_EXISTS",
	codes.PermissionDenied:   "PERMISSION_DENIED",
	codes.ResourceExhausted:  "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION",
	codes.Aborted:            "ABORTED",
	codes.OutOfRange:         "OUT_OF_RANGE",
	codes.Unimplemented:      "UNIMPLEMENTED",
	codes.Internal:           "INTERNAL",
	codes.Unavailable:        "UNAVAILABLE",
	codes.DataLoss:           "DATA_LOSS",
	codes.Unauthenticated:    "UNAUTHENTICATED",
}

// codeName returns the name of c, or CODE(n) for a code gRPC does not
// define.
func codeName(c codes.Code) string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "CODE(" + strconv.FormatUint(uint64(c), 10) + ")"
}

// accessFields encodes the access line's gRPC fields, after the duration
// (the RPC's logger adds the trace fields, request_id and rpc_method). It is a struct around the
// state rather than a conversion of it: the state is a context.Context,
// and logging treats a field that is a context as the line's context, not
// as fields. One pointer, so it is passed as an interface without an
// allocation.
type accessFields struct{ st *rpcState }

func (a accessFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	st := a.st
	enc.AddString("code", codeName(st.code))
	if st.clientStream || st.serverStream {
		enc.AddInt64("messages_received", st.received.Load())
		enc.AddInt64("messages_sent", st.sent.Load())
	}
	return nil
}
