package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/modelsrc"
	"github.com/ocgan-vk/ocgan/ocgan/serve"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/spf13/pflag"
)

// serveCmd is `ocgan serve`: its flags.
type serveCmd struct {
	model                  modelFlags
	opts                   serve.Options
	tokenFile, memoryLimit string
}

func (c *serveCmd) flags(fs *pflag.FlagSet) {
	c.model.add(fs)
	o := &c.opts
	fs.StringVar(&o.Addr, "addr", serve.DefaultAddr, "listen address (loopback by default; \":8080\" listens on every interface; port 0 picks a free one)")
	fs.Int64Var(&o.MaxBodyBytes, "max-body", serve.DefaultMaxBodyBytes, "largest /score request body in bytes (413 above)")
	fs.IntVar(&o.MaxConcurrent, "max-concurrent", serve.DefaultMaxConcurrent, "requests scoring at once")
	fs.IntVar(&o.MaxQueue, "max-queue", serve.DefaultMaxQueue, "further requests that may wait; beyond them 503")
	fs.DurationVar(&o.PollInterval, "poll", serve.DefaultPollInterval, "how often to look for a newly installed model (negative: never; SIGHUP reloads)")
	fs.DurationVar(&o.ReadTimeout, "read-timeout", serve.DefaultReadTimeout, "time a request's headers, and then its body, may take to arrive (408 and the connection closed beyond)")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", serve.DefaultShutdownTimeout, "on SIGTERM, how long requests being scored may take to finish")
	fs.IntVar(&o.MaxClientRequests, "max-per-client", serve.DefaultMaxClient, "requests one client address may have in progress (429 beyond; negative: no limit)")
	fs.IntVar(&o.MaxConns, "max-conns", serve.DefaultMaxConns, "connections open at once (further clients wait to be accepted)")
	fs.Int64Var(&o.MaxImagePixels, "max-image-pixels", serve.DefaultMaxImagePixels, "largest image decoded, in pixels, checked from its header (413 beyond; 16-bit colour images get half)")
	fs.StringVar(&c.tokenFile, "token-file", "", "file holding a bearer token that /score and /metrics require (Authorization: Bearer ...)")
	fs.StringVar(&c.memoryLimit, "memory-limit", "", "soft memory limit of the Go runtime, e.g. 512MiB (default: $GOMEMLIMIT, else none)")
}

// run serves POST /score, /healthz and /metrics for the model that --model
// names, reloading it when a new version is installed (an install root's
// current link changes) or the file changes. SIGINT or SIGTERM shut it down
// gracefully; SIGHUP reloads at once.
func (c *serveCmd) run(e *env) error {
	if c.model.path == "" {
		return usageError{fmt.Errorf("--model is required")}
	}
	opts := c.opts
	opts.Logf = func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "%s %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
	}
	if err := c.checkLimits(e, &opts); err != nil {
		return err
	}
	be, err := device.Open(e.cfg)
	if err != nil {
		return err
	}
	defer be.Close()
	srv, err := serve.New(modelsrc.NewSource(c.model.path, c.model.opener(), be, deviceLabel(be)), opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		srv.Close()
		return fmt.Errorf("--addr %s: %w", opts.Addr, err)
	}
	info, _ := srv.Info()
	fmt.Fprintf(e.stderr, "serving model %s (%s) on http://%s with device %s\n", info.Version, info.ID, ln.Addr(), deviceLabel(be))

	sctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go reloadOnHUP(sctx, srv, opts.Logf)
	if err := srv.Serve(sctx, ln); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "shut down")
	return nil
}

// checkLimits refuses limits out of range and applies --token-file and
// --memory-limit to opts.
func (c *serveCmd) checkLimits(e *env, opts *serve.Options) error {
	if opts.MaxBodyBytes <= 0 || opts.MaxConcurrent <= 0 || opts.MaxConns <= 0 || opts.MaxImagePixels <= 0 {
		return usageError{fmt.Errorf("--max-body, --max-concurrent, --max-conns and --max-image-pixels must be positive")}
	}
	if opts.ReadTimeout <= 0 || opts.ShutdownTimeout <= 0 {
		return usageError{fmt.Errorf("--read-timeout and --shutdown-timeout must be positive")}
	}
	if err := checkListenAddr(opts.Addr); err != nil {
		return usageError{fmt.Errorf("--addr %q: %w (want HOST:PORT, e.g. 127.0.0.1:8080 or :8080)", opts.Addr, err)}
	}
	return serveSecurity(e, c.tokenFile, c.memoryLimit, opts)
}

// reloadOnHUP reloads the model on each SIGHUP until ctx is done.
func reloadOnHUP(ctx context.Context, srv *serve.Server, logf func(string, ...any)) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			if swapped, err := srv.Reload(); err != nil {
				logf("SIGHUP reload: %v", err)
			} else if !swapped {
				logf("SIGHUP: the model is unchanged")
			}
		case <-ctx.Done():
			return
		}
	}
}
