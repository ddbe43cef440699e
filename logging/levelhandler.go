package logging

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/hostcheck"
)

// maxLevelBody bounds the body LevelHandler reads.
const maxLevelBody = 1 << 10

// LevelHandler returns an http.Handler for the level: GET answers
// {"level":"info"}; PUT or POST with {"level":"debug"} (JSON), a form or
// query parameter level=debug changes it at once and answers the new level.
// Allowed levels: debug, info, warn, error. Bad input gets 400, other
// methods 405. Mount it on an admin port: it does no authentication.
//
// No web page can change the level through the browser of someone who can
// reach the port, no CORS preflight asked:
//   - A change whose Host is neither an IP address, localhost (or a name
//     under .localhost) nor a name WithAllowedHosts gives gets 403: a
//     page on evil.example whose name the attacker resolves to this
//     address (DNS rebinding) is of the same origin to the browser, but
//     its requests still name evil.example. A Host that is no host name
//     gets 400; a request without Host (HTTP/1.0) is no browser's, and
//     is answered. A GET, which reads only the level, is checked so only
//     when it arrived on a loopback address: a probe may read it by a
//     service's name.
//   - A change a browser sends from a page of another origin gets 403
//     (http.CrossOriginProtection). Clients that are no browser (curl, a
//     program) send neither Origin nor Sec-Fetch-Site and are let through.
func (l *Logger) LevelHandler() http.Handler {
	sameOrigin := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.unbuilt() {
			writeJSONResponse(w, http.StatusServiceUnavailable, map[string]string{"error": "no logger"})
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			if refused(w, l.hosts.CheckLoopback(r)) {
				return
			}
		case http.MethodPut, http.MethodPost:
			if refused(w, l.hosts.Check(r)) {
				return
			}
			if err := sameOrigin.Check(r); err != nil {
				writeJSONResponse(w, http.StatusForbidden, map[string]string{"error": "cross-origin request refused: change the level from the same origin or without a browser"})
				return
			}
			lv, msg := parseLevelRequest(w, r)
			if msg != "" {
				writeJSONResponse(w, http.StatusBadRequest, map[string]string{"error": msg})
				return
			}
			l.SetLevel(lv)
		default:
			w.Header().Set("Allow", "GET, HEAD, PUT, POST")
			writeJSONResponse(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed; use GET, PUT or POST"})
			return
		}
		writeJSONResponse(w, http.StatusOK, map[string]string{"level": l.Level().String()})
	})
}

// refused answers the refusal of a request's Host, if there is one.
func refused(w http.ResponseWriter, ref *hostcheck.Refusal) bool {
	if ref != nil {
		writeJSONResponse(w, ref.Status, map[string]string{"error": ref.Message})
	}
	return ref != nil
}

const levelAllowed = "allowed: debug, info, warn, error"

func parseLevelRequest(w http.ResponseWriter, r *http.Request) (zapcore.Level, string) {
	var text string
	if q := r.URL.Query().Get("level"); q != "" {
		text = q
	} else {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxLevelBody))
		if err != nil {
			return 0, "body too large or unreadable"
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" {
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			if err := r.ParseForm(); err != nil {
				return 0, "bad form"
			}
			text = r.PostForm.Get("level")
		} else {
			var req struct {
				Level *string `json:"level"`
			}
			if err := json.Unmarshal(body, &req); err != nil || req.Level == nil {
				return 0, `body must be {"level":"<level>"}; ` + levelAllowed
			}
			text = *req.Level
		}
	}
	switch lt := strings.ToLower(strings.TrimSpace(text)); lt {
	case "debug", "info", "warn", "error":
		var lv zapcore.Level
		_ = lv.UnmarshalText([]byte(lt))
		return lv, ""
	}
	if len(text) > 32 || !utf8.ValidString(text) {
		text = "(invalid)"
	}
	return 0, "unknown level " + strconv.Quote(text) + "; " + levelAllowed
}

func writeJSONResponse(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
