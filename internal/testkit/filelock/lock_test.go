package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l")
	unlock, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func())
	go func() {
		u, err := Lock(path)
		if err != nil {
			t.Error(err)
		}
		got <- u
	}()
	select {
	case <-got:
		t.Fatal("second Lock succeeded while the first held the lock")
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	select {
	case u := <-got:
		u()
	case <-time.After(5 * time.Second):
		t.Fatal("second Lock did not get the lock after unlock")
	}
	if _, err := Lock(filepath.Join(t.TempDir(), "missing-dir", "l")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Lock in a missing directory = %v, want ErrNotExist", err)
	}
}
