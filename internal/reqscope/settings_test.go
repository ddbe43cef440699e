package reqscope

import (
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"
)

func TestSettingsEachSetterItsField(t *testing.T) {
	tp, mp := noop.NewTracerProvider(), metricnoop.NewMeterProvider()
	p, l := propagation.TraceContext{}, zap.NewNop()
	var s Settings
	for _, set := range []Setting{SetTracerProvider(tp), SetMeterProvider(mp), SetPropagators(p),
		SetLogger(l), SetAccessLogSampling(7), SetNoAccessLog()} {
		set(&s)
	}
	if s.TracerProvider != tp || s.MeterProvider != mp || s.Propagators != p || s.Logger != l ||
		s.SampleEvery != 7 || !s.NoAccessLog {
		t.Errorf("settings = %+v", s)
	}
}

func TestSettingsAccessPolicy(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want uint64
	}{{-5, 1}, {0, 1}, {1, 1}, {10, 10}} {
		var s Settings
		SetAccessLogSampling(tc.n)(&s)
		var a AccessLog
		s.Apply(&a)
		if a.SampleEvery != tc.want || a.Off {
			t.Errorf("sampling %d: policy SampleEvery %d Off %v, want %d and on", tc.n, a.SampleEvery, a.Off, tc.want)
		}
	}
	var s Settings
	SetNoAccessLog()(&s)
	var a AccessLog
	s.Apply(&a)
	if !a.Off {
		t.Error("SetNoAccessLog: the policy still writes access lines")
	}
}
