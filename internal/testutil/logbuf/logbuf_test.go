package logbuf

import (
	"sync"
	"testing"
)

func TestBufferJSONLines(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = b.Write([]byte(`{"msg":"x","n":1}` + "\n"))
		}()
	}
	wg.Wait()
	_, _ = b.Write([]byte("SPAN not json\n\n"))
	lines := b.JSONLines(t)
	if len(lines) != 8 || Find(lines, "x") == nil || Find(lines, "y") != nil {
		t.Fatalf("lines = %v", lines)
	}
	if b.Sync() != nil {
		t.Fatal("Sync")
	}
}

type fatalTB struct {
	testing.TB
	failed bool
}

func (f *fatalTB) Helper()               {}
func (f *fatalTB) Fatalf(string, ...any) { f.failed = true }

func TestBufferRejectsBrokenJSON(t *testing.T) {
	var b Buffer
	_, _ = b.Write([]byte("{\"msg\": \"cut\n"))
	tb := &fatalTB{TB: t}
	b.JSONLines(tb)
	if !tb.failed {
		t.Fatal("a broken JSON line was accepted")
	}
}

// Reset discards what was written; writing goes on after it.
func TestBufferReset(t *testing.T) {
	var b Buffer
	_, _ = b.Write([]byte("{\"msg\":\"a\"}\n"))
	b.Reset()
	if b.String() != "" {
		t.Fatalf("after Reset: %q", b.String())
	}
	_, _ = b.Write([]byte("{\"msg\":\"b\"}\n"))
	if l := b.JSONLines(t); len(l) != 1 || l[0]["msg"] != "b" {
		t.Errorf("lines after Reset %v", l)
	}
}
