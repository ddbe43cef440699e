// Package hostcheck guards the HTTP endpoints otelkit serves (the health
// document, the log level, the trace viewer) against DNS rebinding: a page
// on evil.example whose name the attacker then resolves to 127.0.0.1 is, to
// the browser, of the same origin as the endpoint, so that neither the
// same-origin policy nor http.CrossOriginProtection stops it reading the
// answers or sending a change. What gives it away is the Host header,
// which still names evil.example.
//
// A Policy answers a request whose Host is an IP address (the browser then
// talks to that address under its own name: nothing was rebound),
// localhost or a name under .localhost (which browsers resolve to loopback
// themselves), or a name the program allows (New). A request with no Host
// (HTTP/1.0) is answered too: every browser sends one. Others get 403 with
// a message naming the option that allows the name; a Host that is no host
// name gets 400. This is what Vite, webpack's dev server and Jupyter do.
package hostcheck

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/otelkit/otelkit/internal/env"
)

// Allowed says what New accepts, for the error about a name it refused.
const Allowed = "host names (letters, digits, '-', '_', '.'), without scheme, port or path; " +
	"a leading dot allows the name and every name under it (\".example.com\")"

// maxName is the longest DNS name (RFC 1035), dots included.
const maxName = 253

// Policy says which Host headers an endpoint answers. The zero Policy
// answers IP addresses and localhost; its refusals name no option.
type Policy struct {
	option string   // the option that allows more names, as refusals name it
	names  []string // lower case, without a trailing dot; ".x" is x and every name under it
}

// New returns the Policy that also allows names, and those of names that
// are no host name (which it leaves out). option, such as
// "otel.WithAllowedHosts", is named in refusals. An IP address among names
// is allowed already and left out.
func New(option string, names []string) (p Policy, bad []string) {
	p.option = option
	for _, n := range names {
		name, ok := normalize(strings.TrimSpace(n), true)
		switch {
		case !ok:
			bad = append(bad, n)
		case isIP(name):
		default:
			p.names = append(p.names, name)
		}
	}
	return p, bad
}

// Parse is New for an option's names: each name that is no host name is
// an *env.Error of WithAllowedHosts (a ConfigError), all of them joined,
// as otel.Init and logging.New report them.
func Parse(option string, names []string) (Policy, error) {
	p, bad := New(option, names)
	errs := make([]error, len(bad))
	for i, name := range bad {
		errs[i] = env.OptionError("WithAllowedHosts", name, Allowed)
	}
	return p, errors.Join(errs...)
}

// Refusal is the answer to a request a Policy refuses.
type Refusal struct {
	Status  int    // http.StatusForbidden, or http.StatusBadRequest for a malformed Host
	Message string // for the client: what was refused and how to allow it
}

// Check returns the refusal of r, nil when r may be answered.
func (p Policy) Check(r *http.Request) *Refusal {
	if r.Host == "" {
		return nil // no browser: every browser names the host
	}
	name, ok := hostName(r.Host)
	if !ok {
		return &Refusal{Status: http.StatusBadRequest,
			Message: "otelkit: malformed Host header: want a host name or an IP address, with an optional port"}
	}
	if p.allows(name) {
		return nil
	}
	option := p.option
	if option == "" {
		option = "WithAllowedHosts"
	}
	// Safe to quote: hostName let through letters, digits, '-', '_', '.'
	// and a port of digits only.
	return &Refusal{Status: http.StatusForbidden,
		Message: "otelkit: host " + strconv.Quote(r.Host) + " not allowed: this endpoint answers requests to an IP address or localhost, " +
			"so that no web page can reach it by DNS rebinding; to reach it by this name, pass " + option + "(" + strconv.Quote(name) + ")"}
}

// CheckLoopback is Check for a request that arrived on a loopback address
// (or on one not known, as in a test without a server); a request that
// arrived on another address is answered. It suits an endpoint that
// probes and scrapers read by any name (a Kubernetes service's) and that
// holds nothing secret: a browser rebinding a name reaches a developer's
// machine by 127.0.0.1 first.
func (p Policy) CheckLoopback(r *http.Request) *Refusal {
	if !arrivedOnLoopback(r) {
		return nil
	}
	return p.Check(r)
}

func (p Policy) allows(name string) bool {
	if isIP(name) || name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	for _, n := range p.names {
		if n == name || n[0] == '.' && (n[1:] == name || strings.HasSuffix(name, n)) {
			return true
		}
	}
	return false
}

// arrivedOnLoopback reports whether r came in on a loopback address, or
// on one net/http did not say.
func arrivedOnLoopback(r *http.Request) bool {
	tcp, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	if !ok {
		return true
	}
	ip, ok := netip.AddrFromSlice(tcp.IP)
	return !ok || ip.Unmap().IsLoopback()
}

// hostName returns the name or address of a Host header ("[::1]:8080" is
// "::1", "Example.COM.:80" is "example.com"), and false when it is none.
func hostName(host string) (string, bool) {
	if rest, ok := strings.CutPrefix(host, "["); ok {
		addr, port, ok := strings.Cut(rest, "]")
		if a, err := netip.ParseAddr(addr); !ok || err != nil || !a.Is6() || !validPort(port) {
			return "", false
		}
		return addr, true
	}
	if isIP(host) {
		return host, true // an IPv6 address without brackets: no browser's, but no rebinding either
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		if !validPort(host[i:]) {
			return "", false
		}
		host = host[:i]
	}
	return normalize(host, false)
}

// validPort reports whether s is empty, ":" (RFC 3986 allows an empty
// port), or ":" and the digits of a TCP port, 65535 at most.
func validPort(s string) bool {
	if s == "" {
		return true
	}
	if s[0] != ':' || len(s) > 6 {
		return false
	}
	port := 0
	for _, c := range []byte(s[1:]) {
		if c < '0' || c > '9' {
			return false
		}
		port = port*10 + int(c-'0')
	}
	return port <= 65535
}

// normalize returns s in lower case without its trailing dot, and false
// unless it is an IP address or made of labels of letters, digits, '-'
// and '_'. dot allows a leading dot (an allowed name's "any name under").
func normalize(s string, dot bool) (string, bool) {
	if isIP(s) {
		return s, true
	}
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	labels := s
	if dot {
		labels = strings.TrimPrefix(s, ".")
	}
	if labels == "" || len(s) > maxName {
		return "", false
	}
	for label := range strings.SplitSeq(labels, ".") {
		if label == "" {
			return "", false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", false
			}
		}
	}
	return s, true
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}
