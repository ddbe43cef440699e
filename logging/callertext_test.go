package logging

import (
	"testing"

	"go.uber.org/zap/zapcore"
)

// TestCallerTextCache: the cached caller text is the one of the caller
// asked for, even when two callers share a PC or a slot (an inlined call
// shares its caller's PC), and it is escaped.
func TestCallerTextCache(t *testing.T) {
	for _, tc := range []struct {
		c    zapcore.EntryCaller
		want string
	}{
		{zapcore.EntryCaller{Defined: true, PC: 0x1234, File: "/src/app/handler.go", Line: 10}, `"app/handler.go:10"`},
		{zapcore.EntryCaller{Defined: true, PC: 0x1234, File: "/src/app/handler.go", Line: 11}, `"app/handler.go:11"`},
		{zapcore.EntryCaller{Defined: true, PC: 0x1234, File: "/src/app/inlined.go", Line: 11}, `"app/inlined.go:11"`},
		{zapcore.EntryCaller{Defined: true, PC: 0x1234 + callerTextSlots, File: "/src/other/x.go", Line: 1}, `"other/x.go:1"`},
		{zapcore.EntryCaller{Defined: true, PC: 0x1234, File: "/src/app/handler.go", Line: 10}, `"app/handler.go:10"`},
		{zapcore.EntryCaller{Defined: true, PC: 0x99, File: "/src/we\"ird\\dir/f\x01.go", Line: 2}, `"we\"ird\\dir/f\u0001.go:2"`},
		{zapcore.EntryCaller{Defined: true, File: "main.go", Line: 3}, `"main.go:3"`},
	} {
		for range 2 { // a miss, then a hit
			if got := callerText(tc.c); got != tc.want {
				t.Errorf("callerText(%+v) = %s, want %s", tc.c, got, tc.want)
			}
		}
	}
}
