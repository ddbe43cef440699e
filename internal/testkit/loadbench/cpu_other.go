//go:build !unix

package loadbench

// cpuLine answers "cpu": not measured on this platform.
func cpuLine() string { return "error cpu time not measured on this platform" }
