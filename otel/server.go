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
// empty) and serves, over TLS when srv.TLSConfig holds a certificate (or
// GetCertificate, or GetConfigForClient, as for net/http's ServeTLS);
// Shutdown is srv.Shutdown, and when its context ends first
// the connections still open are closed (srv.Close).
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
	if h.srv == nil {
		h.closeListener()
		return errors.New("otelkit: HTTPServer: nil *http.Server")
	}
	c := h.srv.TLSConfig
	tls := c != nil && (len(c.Certificates) > 0 || c.GetCertificate != nil || c.GetConfigForClient != nil)
	var err error
	switch {
	case h.ln != nil && !h.lnState.CompareAndSwap(lnFree, lnServed) && h.lnState.Load() == lnClosed:
		return nil // shut down before it served
	case h.ln != nil && tls:
		err = h.srv.ServeTLS(h.ln, "", "")
	case h.ln != nil:
		err = h.srv.Serve(h.ln)
	case tls:
		err = h.srv.ListenAndServeTLS("", "")
	default:
		err = h.srv.ListenAndServe()
	}
	return serveError(err)
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
// before the panic goes on. A nil member
// is an error: Serve returns it at once, naming the argument, and serves none
// of them.
func Servers(srvs ...Server) Server {
	g := &serverGroup{srvs: srvs, done: make(chan struct{})}
	for i, s := range srvs {
		if s == nil {
			g.invalid = fmt.Errorf("otelkit: Servers: argument %d of %d is nil", i+1, len(srvs))
			break
		}
	}
	return g
}

type serverGroup struct {
	srvs    []Server
	invalid error // a nil member: Serve returns it, serving nothing
	once    sync.Once
	wg      sync.WaitGroup
	done    chan struct{} // closed once every Serve has returned
	errs    chan error    // every Serve's result; buffered for all
}

func (g *serverGroup) Serve() error {
	if g.invalid != nil {
		return g.invalid
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
