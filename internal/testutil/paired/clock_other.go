//go:build !linux

package paired

import "time"

// processCPU reports false: the process CPU clock is read on Linux only.
func processCPU() (time.Duration, bool) { return 0, false }
