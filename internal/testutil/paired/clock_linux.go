package paired

import (
	"syscall"
	"time"
	"unsafe"
)

func read(clock uintptr) (time.Duration, bool) {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

// clockProcessCPUTime is CLOCK_PROCESS_CPUTIME_ID of clock_gettime(2): the
// CPU time of the whole process (the measuring goroutine, the garbage
// collector's workers, any other goroutine).
const clockProcessCPUTime = 2

// processCPU returns the CPU time the process has used.
func processCPU() (time.Duration, bool) { return read(clockProcessCPUTime) }
