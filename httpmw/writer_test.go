package httpmw

import (
	"bufio"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/reqscope"
)

func TestStreamingFlushThroughFullStack(t *testing.T) {
	e := newTestEnv(t)
	release := make(chan struct{})
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(http.Flusher); !ok {
			t.Error("writer is not an http.Flusher")
		}
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Errorf("ResponseController.SetWriteDeadline: %v", err)
		}
		if err := rc.EnableFullDuplex(); err != nil {
			t.Errorf("ResponseController.EnableFullDuplex: %v", err)
		}
		_, _ = io.WriteString(w, "first\n")
		if err := rc.Flush(); err != nil {
			t.Errorf("ResponseController.Flush: %v", err)
		}
		<-release
		_, _ = io.WriteString(w, "second\n")
	}), e.opts()...)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	// The first chunk arrives while the handler is still blocked: it was
	// flushed through otelhttp's wrapper and ours.
	done := make(chan string, 1)
	go func() {
		l, _ := br.ReadString('\n')
		done <- l
	}()
	select {
	case l := <-done:
		if l != "first\n" {
			t.Errorf("first chunk %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("first chunk not flushed")
	}
	close(release)
	rest, _ := io.ReadAll(br)
	if string(rest) != "second\n" {
		t.Errorf("rest %q", rest)
	}
}

func TestHijackThroughFullStack(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, bw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = bw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		_ = bw.Flush()
		line, _ := bw.ReadString('\n')
		_, _ = bw.WriteString("echo:" + line)
		_ = bw.Flush()
	}), e.opts()...)
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade response %v %v", resp, err)
	}
	// Counted as its server's hijacked request (Run waits for those of
	// the servers it serves), until it ends.
	if n := reqscope.WaitHijackedIdle([]*http.Server{srv.Config}, 0); n != 1 {
		t.Errorf("hijacked requests of the server = %d, want 1", n)
	}
	_, _ = io.WriteString(conn, "hello\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "echo:hello\n" {
		t.Fatalf("echo %q %v", line, err)
	}
	// The handler may still be returning: wait for its access line.
	for deadline := time.Now().Add(5 * time.Second); len(e.linesWithMsg(t, "http_request")) == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if a := e.oneLine(t, "http_request"); a["status"] != float64(101) {
		t.Errorf("access line after hijack %v", a)
	}
	if n := reqscope.WaitHijackedIdle([]*http.Server{srv.Config}, 5*time.Second); n != 0 {
		t.Errorf("hijacked requests of the server after it ended = %d, want 0", n)
	}
}

type plainWriter struct {
	h    http.Header
	code int
	body strings.Builder
}

func (p *plainWriter) Header() http.Header         { return p.h }
func (p *plainWriter) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *plainWriter) WriteHeader(c int)           { p.code = c }

type readerFromWriter struct {
	plainWriter
	used bool
}

func (r *readerFromWriter) ReadFrom(src io.Reader) (int64, error) {
	r.used = true
	return io.Copy(&r.plainWriter.body, src)
}

func TestResponseWriterOptionalInterfaces(t *testing.T) {
	// Underlying writer without Flush/Hijack/ReadFrom: the wrapper degrades.
	pw := &plainWriter{h: http.Header{}}
	w := &responseWriter{ResponseWriter: pw}
	if err := w.flush(); !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("flush on a plain writer: %v", err)
	}
	w.Flush() // must not panic
	if _, _, err := w.Hijack(); !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("Hijack on a plain writer: %v", err)
	}
	if w.hijacked {
		t.Error("failed hijack recorded")
	}
	n, err := w.ReadFrom(strings.NewReader("abcdef"))
	if err != nil || n != 6 || pw.body.String() != "abcdef" || w.bytes != 6 || w.status != 200 {
		t.Errorf("ReadFrom fallback: %d %v %q bytes=%d status=%d", n, err, pw.body.String(), w.bytes, w.status)
	}
	if w.Unwrap() != pw {
		t.Error("Unwrap")
	}

	// Underlying io.ReaderFrom is used.
	rf := &readerFromWriter{plainWriter: plainWriter{h: http.Header{}}}
	w = &responseWriter{ResponseWriter: rf}
	if n, _ := w.ReadFrom(strings.NewReader("xyz")); n != 3 || !rf.used || w.bytes != 3 {
		t.Errorf("ReadFrom passthrough: n=%d used=%v bytes=%d", n, rf.used, w.bytes)
	}

	// 1xx is not the final status; the first final status wins.
	pw = &plainWriter{h: http.Header{}}
	w = &responseWriter{ResponseWriter: pw}
	w.WriteHeader(http.StatusEarlyHints)
	if w.wroteHeader {
		t.Error("103 recorded as final")
	}
	w.WriteHeader(http.StatusAccepted)
	w.WriteHeader(http.StatusTeapot)
	if w.status != http.StatusAccepted {
		t.Errorf("status %d", w.status)
	}
}

func TestReadFromCountsBytesThroughFullStack(t *testing.T) {
	e := newTestEnv(t)
	body := strings.Repeat("z", 100000)
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(io.ReaderFrom); !ok {
			t.Error("writer is not an io.ReaderFrom")
		}
		_, _ = io.Copy(w, strings.NewReader(body))
	}), e.opts()...)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(got) != len(body) {
		t.Fatalf("body %d bytes", len(got))
	}
	srv.Close()
	if a := e.oneLine(t, "http_request"); a["bytes"] != float64(len(body)) {
		t.Errorf("bytes %v", a["bytes"])
	}
}

// readerOnly hides a reader's WriteTo, so that io.Copy calls ReadFrom.
type readerOnly struct{ io.Reader }

// failingReader fails its first read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("source broken") }

// TestReadFromEmptySourceKeepsStatus: io.Copy from an empty or failing
// source sends no header, so the status the handler sets afterwards is the
// one the client gets, and the access line must report it (it reported 200).
func TestReadFromEmptySourceKeepsStatus(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			if _, err := io.Copy(w, readerOnly{failingReader{}}); err == nil {
				t.Error("copy from a failing source did not fail")
			}
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = io.Copy(w, readerOnly{strings.NewReader("")})
		w.WriteHeader(http.StatusNotFound)
	}), e.opts()...)
	for _, h2 := range []bool{false, true} {
		srv := httptest.NewUnstartedServer(h)
		if h2 {
			srv.EnableHTTP2 = true
			srv.StartTLS()
		} else {
			srv.Start()
		}
		for path, want := range map[string]int{"/empty": http.StatusNotFound, "/fail": http.StatusBadGateway} {
			resp, err := srv.Client().Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != want {
				t.Fatalf("HTTP/2 %v %s: client got %d, want %d", h2, path, resp.StatusCode, want)
			}
		}
		srv.Close()
	}
	lines := e.linesWithMsg(t, "http_request")
	if len(lines) != 4 {
		t.Fatalf("want 4 access lines, got %d", len(lines))
	}
	for _, l := range lines {
		want := map[any]float64{"/empty": http.StatusNotFound, "/fail": http.StatusBadGateway}[l["path"]]
		if l["status"] != want || l["level"] != "warn" && l["level"] != "error" {
			t.Errorf("access line for %v: status %v level %v, want %v", l["path"], l["status"], l["level"], want)
		}
	}
}

func TestMultipartTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	e := newTestEnv(t)
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1); err != nil {
			t.Errorf("parse: %v", err)
		}
	}), e.opts()...)
	srv := httptest.NewServer(h)
	defer srv.Close()

	var body strings.Builder
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("f", "f.bin")
	_, _ = io.WriteString(fw, strings.Repeat("x", 4096))
	_ = mw.Close()
	resp, err := srv.Client().Post(srv.URL, mw.FormDataContentType(), strings.NewReader(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	srv.Close()
	var left []os.DirEntry
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if left, _ = os.ReadDir(dir); len(left) == 0 {
			return
		}
	}
	t.Errorf("multipart temp files left behind: %v", left)
}
