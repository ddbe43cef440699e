package reqscope_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The scope starts no goroutine, and neither may the log buffers it ends.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
