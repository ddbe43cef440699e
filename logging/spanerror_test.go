package logging_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/tracing"
)

// exceptions returns the exception.message of each exception event of s.
func exceptions(s sdktrace.ReadOnlySpan) []string {
	var msgs []string
	for _, ev := range s.Events() {
		if ev.Name != "exception" {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == "exception.message" {
				msgs = append(msgs, a.Value.AsString())
			}
		}
	}
	return msgs
}

// One failure is one exception event on the span, however many of
// logging.Err (at error level), tracing.RecordError and tracing.End
// report it; distinct failures stay distinct.
func TestOneExceptionEventPerFailure(t *testing.T) {
	errDB := errors.New("db down")
	cases := []struct {
		name   string
		opts   []logging.Option
		run    func(ctx context.Context) error
		events string
		status string
	}{
		{"logged then returned", nil, func(ctx context.Context) error {
			logging.FromContext(ctx).Error("load_failed", logging.Err(errDB))
			return errDB
		}, "db down", "db down"},
		{"zap.Error then returned", nil, func(ctx context.Context) error {
			logging.FromContext(ctx).Error("load_failed", zap.Error(errDB))
			return errDB
		}, "db down", "db down"},
		{"logged then wrapped", nil, func(ctx context.Context) error {
			logging.FromContext(ctx).Error("load_failed", logging.Err(errDB))
			return fmt.Errorf("load: %w", errDB)
		}, "db down", "load: db down"},
		{"logged twice", nil, func(ctx context.Context) error {
			logging.FromContext(ctx).Error("load_failed", logging.Err(errDB))
			logging.FromContext(ctx).Error("still_failed", logging.Err(errDB))
			return nil
		}, "db down", ""},
		{"RecordError then logged then returned", nil, func(ctx context.Context) error {
			tracing.RecordError(ctx, errDB)
			logging.FromContext(ctx).Error("load_failed", logging.Err(errDB))
			return errDB
		}, "db down", "db down"},
		{"two failures", nil, func(ctx context.Context) error {
			logging.FromContext(ctx).Error("load_failed", logging.Err(errDB))
			return errors.New("timeout")
		}, "db down|timeout", "timeout"},
		{"logged at warn: End records", nil, func(ctx context.Context) error {
			logging.FromContext(ctx).Warn("retrying", logging.Err(errDB))
			return errDB
		}, "db down", "db down"},
		{"WithoutSpanErrors: End records", []logging.Option{logging.WithoutSpanErrors()}, func(ctx context.Context) error {
			logging.FromContext(ctx).Error("load_failed", logging.Err(errDB))
			return errDB
		}, "db down", "db down"},
		{"only returned", nil, func(context.Context) error { return errDB }, "db down", "db down"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tp, rec := newTracer(t)
			l, _ := newJSON(t, tc.opts...)
			run := func() (err error) {
				ctx, span := tp.Tracer("t").Start(context.Background(), "op")
				defer tracing.End(span, &err)
				return tc.run(logging.NewContext(ctx, l.Zap()))
			}
			_ = run()
			s := rec.Ended()[0]
			if got := strings.Join(exceptions(s), "|"); got != tc.events {
				t.Errorf("exception events %q, want %q", got, tc.events)
			}
			if tc.status != "" && (s.Status().Code != codes.Error || s.Status().Description != tc.status) {
				t.Errorf("status %v", s.Status())
			}
		})
	}
}

// Another span's record of the same error does not stop this span's.
func TestExceptionEventPerSpan(t *testing.T) {
	tp, rec := newTracer(t)
	l, _ := newJSON(t)
	errDB := errors.New("db down")
	ctx, parent := tp.Tracer("t").Start(context.Background(), "parent")
	cctx, child := tp.Tracer("t").Start(ctx, "child")
	logging.FromContext(logging.NewContext(cctx, l.Zap())).Error("load_failed", logging.Err(errDB))
	err := errDB
	tracing.End(child, &err)
	tracing.End(parent, &err)
	for _, s := range rec.Ended() {
		if got := exceptions(s); len(got) != 1 {
			t.Errorf("%s: events %q", s.Name(), got)
		}
	}
}
