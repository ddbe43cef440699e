package otlpconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/otelkit/otelkit/internal/env"
)

const (
	certAllowed = "the path of a readable PEM certificate file"
	keyAllowed  = "the path of a readable PEM private key file"
)

// readBounded reads a certificate or key file. It must be a regular file:
// opening a named pipe would block until something writes to it, and a
// device may never end.
func readBounded(p string) ([]byte, error) {
	if fi, err := os.Stat(p); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", fileKind(fi.Mode()))
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("file larger than %d bytes", maxFileSize)
	}
	return b, nil
}

// resolveTLS reads the CERTIFICATE, CLIENT_CERTIFICATE and CLIENT_KEY
// variables (the per-signal ones win) into r.tlsConfig, which stays nil
// when none is set.
func resolveTLS(src env.Source, sig Signal, r *Resolved) error {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var caErr, certErr error
	cfg.RootCAs, caErr = resolveCA(src, sig, r)
	cfg.Certificates, certErr = resolveClientCert(src, sig, r)
	if cfg.RootCAs != nil || cfg.Certificates != nil {
		r.tlsConfig = cfg
	}
	return errors.Join(caErr, certErr)
}

// resolveCA reads the CA certificate file of OTEL_EXPORTER_OTLP_[SIGNAL_]CERTIFICATE.
func resolveCA(src env.Source, sig Signal, r *Resolved) (*x509.CertPool, error) {
	var errs []error
	pools := map[string]*x509.CertPool{}
	generic, per := envNames(sig, "CERTIFICATE")
	for _, n := range []string{generic, per} {
		p, ok := src.String(n)
		if !ok {
			continue
		}
		b, err := readBounded(p)
		if err != nil {
			errs = append(errs, &env.Error{Var: n, Value: p, Allowed: certAllowed, Err: err})
			continue
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			errs = append(errs, &env.Error{Var: n, Value: p, Allowed: certAllowed, Err: errors.New("no PEM certificate found")})
			continue
		}
		pools[n] = pool
	}
	r.Sources[KeyCertificate] = SourceDefault
	for _, n := range []string{per, generic} {
		if pools[n] != nil {
			r.Sources[KeyCertificate] = sourceEnv + n
			return pools[n], errors.Join(errs...)
		}
	}
	return nil, errors.Join(errs...)
}

// resolveClientCert reads the client certificate and key files, which must
// be set together and match.
func resolveClientCert(src env.Source, sig Signal, r *Resolved) ([]tls.Certificate, error) {
	var errs []error
	var certs []tls.Certificate
	r.Sources[KeyClientCertificate] = SourceDefault
	certG, certP := envNames(sig, "CLIENT_CERTIFICATE")
	keyG, keyP := envNames(sig, "CLIENT_KEY")
	// The per-signal pair comes last so that it wins over the generic one.
	for _, pair := range [][2]string{{certG, keyG}, {certP, keyP}} {
		cn, kn := pair[0], pair[1]
		cv, cok := src.String(cn)
		kv, kok := src.String(kn)
		if !cok && !kok {
			continue
		}
		if cok != kok {
			missing, present := kn, cn
			if !cok {
				missing, present = cn, kn
			}
			v, _ := src.String(present)
			if present == kn {
				errs = append(errs, keyError(kn, v, "a path set together with "+missing, nil))
			} else {
				errs = append(errs, &env.Error{Var: present, Value: v, Allowed: "a path set together with " + missing})
			}
			continue
		}
		cb, err := readBounded(cv)
		if err != nil {
			errs = append(errs, &env.Error{Var: cn, Value: cv, Allowed: certAllowed, Err: err})
			continue
		}
		kb, err := readBounded(kv)
		if err != nil {
			errs = append(errs, keyError(kn, kv, keyAllowed, err))
			continue
		}
		pair, err := tls.X509KeyPair(cb, kb)
		if err != nil {
			errs = append(errs, &env.Error{Var: cn, Value: cv, Allowed: "a PEM certificate matching the key in " + kn, Err: errors.New("certificate and key do not form a pair")})
			continue
		}
		certs = []tls.Certificate{pair}
		r.Sources[KeyClientCertificate] = sourceEnv + cn
	}
	return certs, errors.Join(errs...)
}

// fileKind names what a path that is not a regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// keyError is the error for kn, a client key variable whose value v is
// refused: the value is never shown, nor is it as the path of a file
// error, since it may be the private key itself, given where its path
// belongs (a secret mounted as a variable).
func keyError(kn, v, allowed string, err error) *env.Error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if strings.HasPrefix(strings.TrimSpace(v), "-----BEGIN") {
		err = errors.New("the value is PEM text, not the path of a file")
	}
	return &env.Error{Var: kn, Withheld: true, Allowed: allowed, Err: err}
}
