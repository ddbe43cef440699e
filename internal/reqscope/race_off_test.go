//go:build !race

package reqscope_test

const raceEnabled = false
