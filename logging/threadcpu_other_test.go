//go:build !linux

package logging_test

import "time"

func threadCPU() (time.Duration, bool) { return 0, false }
