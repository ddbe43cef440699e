package loadbench

import (
	"context"
	"net/http"
	"slices"
)

// Variant names. What each is, is built by the NewService that the test
// binary passes to MaybeServeChild (services_test.go): the code that
// imports otelkit lives in test files only, so that this package's imports
// never run back up to the packages it measures.
const (
	Bare            = "bare"
	HandWritten     = "handwritten"
	HandWrittenOTLP = "handwritten-otlp"
	Otelkit         = "otelkit"
	OtelkitEq       = "otelkit-eq"
)

// Variants lists every variant, bare first.
var Variants = []string{Bare, HandWritten, HandWrittenOTLP, Otelkit, OtelkitEq}

// likeForLike pairs each otelkit variant with the hand-written one doing
// the same work: otelkit (logs over OTLP, runtime metrics) with
// handwritten-otlp, otelkit-eq (neither) with handwritten.
var likeForLike = [][2]string{{Otelkit, HandWrittenOTLP}, {OtelkitEq, HandWritten}}

func validVariant(v string) bool { return slices.Contains(Variants, v) }

// Service is one variant of the service, built in the server child: its
// handler and how to stop its telemetry.
type Service struct {
	Handler  http.Handler
	Shutdown func(context.Context) error
}

// NewService builds variant v in the server child. The OTLP endpoint and
// protocol come from the standard environment, which the parent sets for
// the child.
type NewService func(ctx context.Context, v string) (*Service, error)
