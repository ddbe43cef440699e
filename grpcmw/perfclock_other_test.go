//go:build !linux

package grpcmw

import "time"

// processCPU is not measured outside Linux: TestPerfServerDirect skips.
func processCPU() (time.Duration, bool) { return 0, false }
