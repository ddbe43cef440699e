package traceview

import (
	"bytes"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/hostcheck"
	"github.com/otelkit/otelkit/internal/visible"
)

// Handler serves the store's pages (see the package documentation for the
// paths). service names the process in the page titles; hosts says which
// Host headers it answers (DNS rebinding, in the package documentation).
// It does no authentication: mount it on an admin port, and outside the
// middleware that traces requests, or every page view becomes a trace of
// its own.
func (s *Store) Handler(service string, hosts hostcheck.Policy) http.Handler {
	return &handler{s: s, service: visible.Escape(service), hosts: hosts}
}

type handler struct {
	s       *Store
	service string
	hosts   hostcheck.Policy
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every request, on any address: the pages show every span and log
	// line kept.
	if ref := h.hosts.Check(r); ref != nil {
		http.Error(w, ref.Message, ref.Status)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: use GET", http.StatusMethodNotAllowed)
		return
	}
	setHeaders(w.Header())
	p := r.URL.Path
	if p != "" && p[0] != '/' {
		p = "/" + p // StripPrefix("<mount>/") leaves "trace/<id>"
	}
	switch {
	case strings.HasSuffix(p, "/"), strings.HasSuffix(askedPath(r), "/"):
		// The second: "<mount>/" under StripPrefix("<mount>/"), which
		// leaves "" and whose links are right as they are. Before the
		// trace page: a mount's own path may end in "/trace/".
		h.render(w, http.StatusOK, listTemplate, h.listPage(filter(r)))
	case strings.Contains(p, "/trace/"):
		h.trace(w, p[strings.LastIndex(p, "/trace/")+len("/trace/"):])
	default:
		// "<mount>" without its slash (also as "" under StripPrefix): the
		// list's links are relative to "<mount>/".
		w.Header().Set("Location", slashLocation(r))
		w.WriteHeader(http.StatusMovedPermanently)
	}
}

// slashLocation returns the URL of r's path with a slash added, relative
// to the URL the client asked for: http.Redirect would resolve it against
// the path StripPrefix left. The last segment is escaped again, so that
// nothing the client sent in it ("\" is "/" to a browser: "/\evil.com/"
// is "//evil.com/") makes it name another host or path.
func slashLocation(r *http.Request) string {
	uri := askedPath(r)
	seg := uri[strings.LastIndex(uri, "/")+1:]
	if s, err := url.PathUnescape(seg); err == nil {
		seg = s
	}
	loc := "./" + url.PathEscape(seg) + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	return loc
}

// askedPath returns the path of the URL the client asked for, escaped:
// r.URL's path may be what StripPrefix left of it.
func askedPath(r *http.Request) string {
	if r.RequestURI != "" {
		uri, _, _ := strings.Cut(r.RequestURI, "?")
		return uri
	}
	return r.URL.EscapedPath()
}

// setHeaders forbids everything the pages do not use: scripts, external
// assets, framing, and keeps them out of caches.
func setHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

func (h *handler) trace(w http.ResponseWriter, idText string) {
	id, ok := parseTraceID(idText)
	if !ok {
		h.render(w, http.StatusNotFound, missingTemplate, missingPage{Title: h.title("not a trace ID"), ID: visible.Escape(cut(idText)), Reason: "is not a trace ID (32 hex digits)"})
		return
	}
	tr, ok := h.s.Trace(id)
	if !ok {
		h.render(w, http.StatusNotFound, missingTemplate, missingPage{Title: h.title("trace not found"), ID: idText,
			Reason: "is not among the traces kept (it may have been evicted, not sampled, or not ended yet)"})
		return
	}
	h.render(w, http.StatusOK, traceTemplate, h.tracePage(tr))
}

// parseTraceID reads 32 hex digits (either case) that are not all zero.
func parseTraceID(s string) (trace.TraceID, bool) {
	var id trace.TraceID
	if len(s) != 32 {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, false
	}
	return id, id.IsValid()
}

func (h *handler) title(what string) string {
	if h.service == "" {
		return what
	}
	return what + " · " + h.service
}

// render executes t into a buffer first, so that an error never sends half
// a page.
func (h *handler) render(w http.ResponseWriter, status int, t *template.Template, data any) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		http.Error(w, "trace viewer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// maxFilter is one byte more than the longest request ID a trace keeps (a
// cut one ends in "…"): a longer filter matches nothing, cut to it or not.
const maxFilter = MaxValue + len("…") + 1

// filter returns the list page's filter (q), cut to maxFilter bytes: the
// page shows it twice, escaped, and need not echo a megabyte.
func filter(r *http.Request) string {
	q := strings.TrimSpace(r.URL.Query().Get("q")) // before the cut, as List trims it
	if len(q) > maxFilter {
		q = q[:maxFilter]
	}
	return q
}
