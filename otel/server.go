package otel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
)

// HTTPServer adapts srv for Run: Serve listens on srv.Addr (":http" when
// empty, ":https" over TLS) and serves, over TLS when srv.TLSConfig is set.
// The TLSConfig must then give the certificate (Certificates,
// GetCertificate or GetConfigForClient, as for net/http's ServeTLS without
// files): one that gives none is an error Serve returns before it listens,
// not a server answering in plain text on a port its clients take for TLS.
// Shutdown is srv.Shutdown, and when its context ends first the
// connections still open are closed (srv.Close).
func HTTPServer(srv *http.Server) Server {
	return &httpServer{srv: srv}
}

// HTTPServerOn is HTTPServer on a listener already bound, for a port chosen
// at run time ("127.0.0.1:0") or a listener handed over by the system. The
// listener is the server's from then on: closed when it stops, as
// http.Server.Serve closes it, also when it never served (Serve failed, or
// Shutdown came first).
func HTTPServerOn(srv *http.Server, ln net.Listener) Server {
	return &httpServer{srv: srv, ln: ln}
}

type httpServer struct {
	srv *http.Server
	ln  net.Listener
	// ln's fate, set by the first of Serve, which hands ln to srv (whose
	// Serve closes it), and Shutdown or a failed Serve, which close it
	// themselves: ln is closed once, also when it never served.
	lnState atomic.Int32
}

const (
	lnFree   = iota // neither served nor closed yet
	lnServed        // handed to srv
	lnClosed        // closed by Shutdown or a failed Serve, never served
)

func (h *httpServer) Serve() error {
	if err := h.check(); err != nil {
		h.closeListener()
		return fmt.Errorf("otelkit: %w", err)
	}
	tls := h.srv.TLSConfig != nil
	switch {
	case h.ln != nil && !h.lnState.CompareAndSwap(lnFree, lnServed) && h.lnState.Load() == lnClosed:
		return nil // shut down before it served
	case h.ln != nil && tls:
		return serveError(h.srv.ServeTLS(h.ln, "", ""))
	case h.ln != nil:
		return serveError(h.srv.Serve(h.ln))
	case tls:
		return serveError(h.srv.ListenAndServeTLS("", ""))
	default:
		return serveError(h.srv.ListenAndServe())
	}
}

// check returns why h cannot serve, before it listens.
func (h *httpServer) check() error {
	if h.srv == nil {
		return errors.New("HTTPServer: nil *http.Server")
	}
	if c := h.srv.TLSConfig; c != nil && len(c.Certificates) == 0 && c.GetCertificate == nil && c.GetConfigForClient == nil {
		return fmt.Errorf("HTTPServer on %s: TLSConfig has no certificate (Certificates, GetCertificate or GetConfigForClient): "+
			"give it one, or leave TLSConfig nil to serve plain HTTP", h.addr())
	}
	return nil
}

// addr is where h serves, for an error.
func (h *httpServer) addr() string {
	switch {
	case h.ln != nil:
		return h.ln.Addr().String()
	case h.srv.Addr != "":
		return h.srv.Addr
	case h.srv.TLSConfig != nil:
		return ":https"
	default:
		return ":http"
	}
}

// closeListener closes ln unless srv took it.
func (h *httpServer) closeListener() {
	if h.ln != nil && h.lnState.CompareAndSwap(lnFree, lnClosed) {
		_ = h.ln.Close()
	}
}

func (h *httpServer) Shutdown(ctx context.Context) error {
	defer h.closeListener() // never served: no one else closes it
	if h.srv == nil {
		return nil
	}
	err := h.srv.Shutdown(ctx)
	if err != nil {
		// Out of time: cut the connections still open so that nothing
		// outlives the drain. Their handlers see a closed connection.
		_ = h.srv.Close()
	}
	return err
}

// httpServersOf appends to dst the *http.Servers srv serves, through
// HTTPServer or HTTPServerOn, itself or as a member of Servers, each once:
// those whose hijacked requests Run waits for. A Server of another kind
// serves none that Run knows of.
func httpServersOf(srv Server, dst []*http.Server) []*http.Server {
	switch s := srv.(type) {
	case *httpServer:
		if s.srv != nil && !slices.Contains(dst, s.srv) {
			dst = append(dst, s.srv)
		}
	case *serverGroup:
		for _, m := range s.srvs {
			dst = httpServersOf(m, dst)
		}
	}
	return dst
}

// serveError is err, except for the error a server returns when it was
// stopped as asked.
func serveError(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Servers runs several servers as one, for a service with more than one
// port (HTTP and gRPC, an API and an admin port). Serve serves them all and
// returns when the first one returns: its error ends Run. Shutdown stops
// them one after another in the order given, so list first the one that
// takes outside traffic and after it those it calls, then waits for all of
// them to return from Serve. A panic in a member's Serve ends Serve as an
// error would, and one in a member's Shutdown is returned by Shutdown as
// an error after the other members are stopped, so that Run flushes
// before the panic goes on. A member that cannot serve, nil or an
// HTTPServer whose TLSConfig has no certificate, is an error: Serve
// returns it at once, naming the argument, and serves none of them.
func Servers(srvs ...Server) Server {
	return &serverGroup{srvs: srvs, done: make(chan struct{})}
}

type serverGroup struct {
	srvs []Server
	once sync.Once
	wg   sync.WaitGroup
	done chan struct{} // closed once every Serve has returned
	errs chan error    // every Serve's result; buffered for all
}

// checker is a Server that can tell, before it serves, that it cannot.
type checker interface{ check() error }

func (g *serverGroup) Serve() error {
	if err := g.check(); err != nil {
		return fmt.Errorf("otelkit: %w", err)
	}
	g.once.Do(func() {
		g.errs = make(chan error, len(g.srvs))
		for _, s := range g.srvs {
			g.wg.Add(1)
			go func() {
				defer g.wg.Done()
				g.errs <- serveError(serveRecovered(s))
			}()
		}
		go func() { g.wg.Wait(); close(g.done) }()
	})
	if g.errs == nil || len(g.srvs) == 0 {
		return nil // shut down before it served, or nothing to serve
	}
	return <-g.errs
}

// check returns why a member cannot serve, checked before any serves: a
// member that fails at once would leave the others started for nothing.
func (g *serverGroup) check() error {
	for i, s := range g.srvs {
		var err error
		switch s := s.(type) {
		case nil:
			return fmt.Errorf("Servers: argument %d of %d is nil", i+1, len(g.srvs))
		case checker:
			err = s.check()
		}
		if err != nil {
			return fmt.Errorf("Servers: argument %d of %d: %w", i+1, len(g.srvs), err)
		}
	}
	return nil
}

func (g *serverGroup) Shutdown(ctx context.Context) error {
	var err error
	for _, s := range g.srvs {
		if s != nil {
			// A panic in one member's Shutdown does not keep the others
			// from stopping; Run panics with it after the flush.
			err = errors.Join(err, shutdownRecovered(ctx, s))
		}
	}
	g.once.Do(func() { close(g.done) }) // never served: nothing to wait for
	select {
	case <-g.done:
	case <-ctx.Done():
		err = errors.Join(err, ctx.Err())
	}
	// Serve returned the first result; the others come in so far, if they
	// are errors, are reported here, also when ctx ended first: a member's
	// panic on stopping must reach Run.
	for {
		select {
		case serr := <-g.errs:
			err = errors.Join(err, serr)
		default:
			return err
		}
	}
}
