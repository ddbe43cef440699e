package grpcmw

import (
	"syscall"
	"time"
	"unsafe"
)

// processCPU returns the CPU time the whole process has used
// (CLOCK_PROCESS_CPUTIME_ID): the measuring goroutine, the garbage
// collector's workers and any other goroutine, but not the time other
// processes on a shared machine take, which wall time would count.
func processCPU() (time.Duration, bool) {
	const clockProcessCPUTime = 2
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
