//go:build unix

package loadbench

import (
	"fmt"
	"syscall"
)

// cpuLine answers "cpu": user+system CPU µs and the peak RSS (KiB on Linux).
func cpuLine() string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return "error " + err.Error()
	}
	us := ru.Utime.Sec*1e6 + int64(ru.Utime.Usec) + ru.Stime.Sec*1e6 + int64(ru.Stime.Usec)
	return fmt.Sprintf("cpu %d %d", us, ru.Maxrss)
}
