package logging

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
)

// TestAppendDurationMatchesString: the text is time.Duration.String's, on
// every boundary of every unit and on a million random durations.
func TestAppendDurationMatchesString(t *testing.T) {
	ds := []time.Duration{0, 1, -1, 999, 1000, 1001, 1500, 999999, 1e6, 1500 * time.Microsecond,
		999999999, time.Second, time.Second + 1, 59 * time.Second, time.Minute, time.Minute + 500*time.Millisecond,
		time.Hour, time.Hour + time.Second, 100*time.Hour + 59*time.Minute + 59*time.Second + 999999999,
		math.MaxInt64, math.MinInt64, math.MinInt64 + 1, -1500 * time.Microsecond}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000000 {
		d := time.Duration(r.Int64())
		switch r.IntN(4) {
		case 0:
			d %= time.Microsecond
		case 1:
			d %= time.Second
		case 2:
			d %= 100 * time.Hour
		}
		ds = append(ds, d)
	}
	var buf [durationLen]byte
	for _, d := range ds {
		if got, want := string(appendDuration(buf[:0], d)), d.String(); got != want {
			t.Fatalf("appendDuration(%d) = %q, want %q", int64(d), got, want)
		}
	}
}

// TestEncodeDurationAllocatesNothing, and writes what
// StringDurationEncoder writes.
func TestEncodeDurationAllocatesNothing(t *testing.T) {
	cfg := zapcore.EncoderConfig{EncodeDuration: encodeDuration}
	std := zapcore.EncoderConfig{EncodeDuration: zapcore.StringDurationEncoder}
	for _, d := range []time.Duration{1500 * time.Microsecond, -3 * time.Hour, 0} {
		a, _ := zapcore.NewJSONEncoder(cfg).EncodeEntry(zapcore.Entry{}, []zapcore.Field{{Key: "d", Type: zapcore.DurationType, Integer: int64(d)}})
		b, _ := zapcore.NewJSONEncoder(std).EncodeEntry(zapcore.Entry{}, []zapcore.Field{{Key: "d", Type: zapcore.DurationType, Integer: int64(d)}})
		if a.String() != b.String() {
			t.Errorf("%v: %s, StringDurationEncoder %s", d, a, b)
		}
	}
	enc := zapcore.NewJSONEncoder(cfg)
	if n := testing.AllocsPerRun(1000, func() { enc.AddDuration("d", 1500*time.Microsecond) }); n != 0 {
		t.Errorf("encodeDuration allocates %.0f times", n)
	}
}
