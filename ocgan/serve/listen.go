package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Timeouts of the http.Server that Serve runs, besides Options.ReadTimeout.
const (
	writeTimeout = 2 * time.Minute
	idleTimeout  = 30 * time.Second
)

// ListenAndServe listens on Options.Addr (default 127.0.0.1:8080) and calls
// Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("serve: listening on %s: %w", s.opts.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves the Handler on ln, at most Options.MaxConns connections at
// once, until ctx is cancelled or serving fails. On cancellation it shuts
// down gracefully: it stops accepting, cuts off /score bodies still
// arriving (503, connection closed), lets requests in flight finish (up to
// Options.ShutdownTimeout), then closes the Server (Close). It returns nil
// after a clean shutdown. Serve closes ln and, in every case, the Server.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ln = newLimitListener(ln, s.opts.MaxConns, s.conns)
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.opts.ReadTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
	}
	s.opts.Logf("serve: listening on %s", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	var err error
	select {
	case err = <-errc:
		err = fmt.Errorf("serve: serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
		s.readers.abort()
		sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
		if serr := hs.Shutdown(sctx); serr != nil {
			err = fmt.Errorf("serve: graceful shutdown: %w", serr)
			_ = hs.Close()
		}
		cancel()
		if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
			err = fmt.Errorf("serve: serving on %s: %w", ln.Addr(), serveErr)
		}
	}
	if cerr := s.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return err
}
