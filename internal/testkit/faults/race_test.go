//go:build race

package faults

// raceEnabled loosens the timing bounds: the race detector slows
// everything 5 to 20 times, the fake collectors included.
const raceEnabled = true
