package logging

import (
	"sync"
	"time"

	"go.uber.org/zap/zapcore"
)

// encodeDuration writes d as time.Duration.String does ("1.5ms",
// "2h0m3s"), as zapcore.StringDurationEncoder does, but without the
// string String allocates: the text is built in a pooled buffer and
// handed to the encoder as bytes, which it copies.
func encodeDuration(d time.Duration, enc zapcore.PrimitiveArrayEncoder) {
	b := durationBufs.Get().(*[durationLen]byte)
	enc.AppendByteString(appendDuration(b[:0], d))
	durationBufs.Put(b)
}

// durationLen holds the longest duration text, "-2562047h47m16.854775808s".
const durationLen = 32

var durationBufs = sync.Pool{New: func() any { return new([durationLen]byte) }}

// appendDuration appends d's text, the format of time.Duration.String:
// under a second in ns, µs or ms with a fraction, else [h][m]s with the
// hours and minutes written once a larger unit is, seconds with a
// fraction; trailing zeros of a fraction and a bare point are left out.
func appendDuration(dst []byte, d time.Duration) []byte {
	u := uint64(d)
	if d < 0 {
		dst = append(dst, '-')
		u = -u // also right for math.MinInt64
	}
	switch {
	case u == 0:
		return append(dst, "0s"...)
	case u < uint64(time.Microsecond):
		return append(appendUint(dst, u), "ns"...)
	case u < uint64(time.Millisecond):
		return append(appendFrac(dst, u, 3), "µs"...)
	case u < uint64(time.Second):
		return append(appendFrac(dst, u, 6), "ms"...)
	}
	secs := u / uint64(time.Second)
	frac := u % uint64(time.Second)
	if h := secs / 3600; h > 0 {
		dst = append(appendUint(dst, h), 'h')
		dst = append(appendUint(dst, secs/60%60), 'm')
	} else if m := secs / 60; m > 0 {
		dst = append(appendUint(dst, m), 'm')
	}
	dst = appendUint(dst, secs%60)
	return append(appendFraction(dst, frac, 9), 's')
}

// appendFrac appends v / 10^prec with its fraction.
func appendFrac(dst []byte, v uint64, prec int) []byte {
	p := uint64(1)
	for range prec {
		p *= 10
	}
	return appendFraction(appendUint(dst, v/p), v%p, prec)
}

// appendFraction appends "." and the prec digits of frac without their
// trailing zeros; nothing when frac is 0.
func appendFraction(dst []byte, frac uint64, prec int) []byte {
	if frac == 0 {
		return dst
	}
	for frac%10 == 0 {
		frac /= 10
		prec--
	}
	var digits [9]byte
	for i := prec - 1; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(append(dst, '.'), digits[:prec]...)
}

func appendUint(dst []byte, v uint64) []byte {
	var digits [20]byte
	i := len(digits)
	for {
		i--
		digits[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, digits[i:]...)
}
