//go:build !race

package loadbench

const raceEnabled = false
