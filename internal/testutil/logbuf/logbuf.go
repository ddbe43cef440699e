// Package logbuf is a sink for the log lines a test makes otelkit (or an
// example program) write: several goroutines or a child process's stdout
// and stderr can write to it, and the test reads the JSON lines back as
// decoded objects. To assert on log entries before they are encoded, use
// logging/logtest instead.
package logbuf

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// Buffer is a goroutine-safe io.Writer and zapcore.WriteSyncer.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// Sync does nothing; it makes Buffer a zapcore.WriteSyncer.
func (b *Buffer) Sync() error { return nil }

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Reset discards what was written.
func (b *Buffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}

// JSONLines decodes every line that starts with "{" as a JSON object and
// fails tb on one that does not decode. Other lines (a span printer's, say)
// are skipped.
func (b *Buffer) JSONLines(tb testing.TB) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, raw := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(raw, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			tb.Fatalf("log line is not one JSON object: %v: %q", err, raw)
		}
		out = append(out, m)
	}
	return out
}

// Find returns the first line whose msg is msg, or nil.
func Find(lines []map[string]any, msg string) map[string]any {
	for _, l := range lines {
		if l["msg"] == msg {
			return l
		}
	}
	return nil
}
