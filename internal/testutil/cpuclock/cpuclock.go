// Package cpuclock reads the CPU-time clocks that otelkit's paired
// measurements use instead of wall time: on a loaded, shared machine wall
// time counts the time other processes take too. Outside Linux nothing is
// measured, and the functions report false.
package cpuclock

import "time"

// Process returns the CPU time the whole process has used
// (CLOCK_PROCESS_CPUTIME_ID): the measuring goroutine, the garbage
// collector's workers and any other goroutine.
func Process() (time.Duration, bool) { return read(clockProcessCPUTime) }

// Thread returns the CPU time the calling OS thread has used
// (CLOCK_THREAD_CPUTIME_ID); with runtime.LockOSThread, the goroutine's.
func Thread() (time.Duration, bool) { return read(clockThreadCPUTime) }

// The clock IDs of clock_gettime(2).
const (
	clockProcessCPUTime = 2
	clockThreadCPUTime  = 3
)
