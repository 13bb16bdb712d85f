package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/ocgan-vk/ocgan/firmware"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/serve"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/spf13/pflag"
)

func serveFlags(fs *pflag.FlagSet) {
	addModelFlags(fs)
	fs.String("addr", serve.DefaultAddr, "listen address (loopback by default; \":8080\" listens on every interface; port 0 picks a free one)")
	fs.Int64("max-body", serve.DefaultMaxBodyBytes, "largest /score request body in bytes (413 above)")
	fs.Int("max-concurrent", serve.DefaultMaxConcurrent, "requests scoring at once")
	fs.Int("max-queue", serve.DefaultMaxQueue, "further requests that may wait; beyond them 503")
	fs.Duration("poll", serve.DefaultPollInterval, "how often to look for a newly installed model (negative: never; SIGHUP reloads)")
	fs.Duration("read-timeout", serve.DefaultReadTimeout, "time a request's headers, and then its body, may take to arrive (408 and the connection closed beyond)")
	fs.Duration("shutdown-timeout", serve.DefaultShutdownTimeout, "on SIGTERM, how long requests being scored may take to finish")
	fs.Int("max-per-client", serve.DefaultMaxClient, "requests one client address may have in progress (429 beyond; negative: no limit)")
	fs.Int("max-conns", serve.DefaultMaxConns, "connections open at once (further clients wait to be accepted)")
	fs.Int64("max-image-pixels", serve.DefaultMaxImagePixels, "largest image decoded, in pixels, checked from its header (413 beyond; 16-bit colour images get half)")
	fs.String("token-file", "", "file holding a bearer token that /score and /metrics require (Authorization: Bearer ...)")
	fs.String("memory-limit", "", "soft memory limit of the Go runtime, e.g. 512MiB (default: $GOMEMLIMIT, else none)")
}

// runServe serves POST /score, /healthz and /metrics for the model that
// --model names, reloading it when a new version is installed (an install
// root's current link changes) or the file changes. SIGINT or SIGTERM shut
// it down gracefully; SIGHUP reloads at once.
func runServe(e *env) error {
	path, _ := e.fs.GetString("model")
	if path == "" {
		return usageError{fmt.Errorf("--model is required")}
	}
	opts := serve.Options{Logf: func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "%s %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
	}}
	opts.Addr, _ = e.fs.GetString("addr")
	opts.MaxBodyBytes, _ = e.fs.GetInt64("max-body")
	opts.MaxConcurrent, _ = e.fs.GetInt("max-concurrent")
	opts.MaxQueue, _ = e.fs.GetInt("max-queue")
	opts.PollInterval, _ = e.fs.GetDuration("poll")
	opts.ReadTimeout, _ = e.fs.GetDuration("read-timeout")
	opts.ShutdownTimeout, _ = e.fs.GetDuration("shutdown-timeout")
	opts.MaxClientRequests, _ = e.fs.GetInt("max-per-client")
	opts.MaxConns, _ = e.fs.GetInt("max-conns")
	opts.MaxImagePixels, _ = e.fs.GetInt64("max-image-pixels")
	if opts.MaxBodyBytes <= 0 || opts.MaxConcurrent <= 0 || opts.MaxConns <= 0 || opts.MaxImagePixels <= 0 {
		return usageError{fmt.Errorf("--max-body, --max-concurrent, --max-conns and --max-image-pixels must be positive")}
	}
	if opts.ReadTimeout <= 0 || opts.ShutdownTimeout <= 0 {
		return usageError{fmt.Errorf("--read-timeout and --shutdown-timeout must be positive")}
	}
	if err := checkListenAddr(opts.Addr); err != nil {
		return usageError{fmt.Errorf("--addr %q: %w (want HOST:PORT, e.g. 127.0.0.1:8080 or :8080)", opts.Addr, err)}
	}
	if err := serveSecurity(e, &opts); err != nil {
		return err
	}
	be, err := device.Open(e.cfg)
	if err != nil {
		return err
	}
	defer be.Close()
	src := &modelSource{path: path, key: func() (ed25519.PublicKey, error) { return publicKey(e.fs) },
		be: be, device: &sync.Mutex{}}
	srv, err := serve.New(src, opts)
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
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-hup:
				if swapped, err := srv.Reload(); err != nil {
					opts.Logf("SIGHUP reload: %v", err)
				} else if !swapped {
					opts.Logf("SIGHUP: the model is unchanged")
				}
			case <-sctx.Done():
				return
			}
		}
	}()
	if err := srv.Serve(sctx, ln); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "shut down")
	return nil
}

// modelSource finds and loads the model a server scores with: the current
// version of an install root (its id is the bundle id), or a checkpoint or
// bundle file (its id changes when the file does).
type modelSource struct {
	path   string
	key    func() (ed25519.PublicKey, error)
	be     backend.Backend
	device *sync.Mutex // one queue: every model's device work is serialised
}

func (s *modelSource) Current() (string, error) {
	st, err := os.Stat(s.path)
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		in, err := firmware.Current(s.path)
		if err != nil {
			return "", err
		}
		return in.ID, nil
	}
	return fmt.Sprintf("%s@%d/%d", filepath.Base(s.path), st.ModTime().UnixNano(), st.Size()), nil
}

func (s *modelSource) Load(id string) (serve.Model, error) {
	var m *loadedModel
	st, err := os.Stat(s.path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		// The version the id names, even if current has moved on since.
		in, err := firmware.Version(s.path, id)
		if err != nil {
			return nil, err
		}
		key, err := s.key()
		if err != nil {
			return nil, err
		}
		b, err := in.Open(key)
		if err != nil {
			return nil, err
		}
		if m, err = fromBundle(b, in.BundlePath()); err != nil {
			return nil, err
		}
	} else {
		if m, err = openModel(s.path, s.key); err != nil {
			return nil, err
		}
		if m.id == "" {
			m.id, err = fileDigest(s.path)
			if err != nil {
				return nil, err
			}
		}
		if m.version == "" {
			m.version = "checkpoint " + filepath.Base(s.path)
		}
	}
	s.device.Lock()
	defer s.device.Unlock()
	sc, err := newScorer(s.be, m.ck, 1)
	if err != nil {
		return nil, err
	}
	return &servedModel{m: m, scorer: sc, device: s.device, name: deviceLabel(s.be)}, nil
}

// fileDigest is a short sha256 of a file, the id of a checkpoint served as is.
func fileDigest(path string) (string, error) {
	f, _, err := boundedfile.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// servedModel scores single decoded images with a batch-1 scoring program,
// through the same preprocessing as ocgan score and eval (the server decodes
// with the same image.Decode as dataset.DecodeImage).
type servedModel struct {
	m      *loadedModel
	scorer *train.Scorer
	device *sync.Mutex
	name   string
}

func (s *servedModel) Score(ctx context.Context, img image.Image) (serve.Result, error) {
	t0 := time.Now()
	geo := s.m.ck.Geometry
	x, err := dataset.Preprocess(img, s.m.ck.Preprocessing().Options())
	if err != nil {
		return serve.Result{}, fmt.Errorf("%w: %v", serve.ErrBadImage, err)
	}
	ds, err := dataset.New(geo.Channels, geo.ImageSize, geo.ImageSize, x, []int{0})
	if err != nil {
		return serve.Result{}, err
	}
	t1 := time.Now()
	if err := ctx.Err(); err != nil {
		return serve.Result{}, err
	}
	s.device.Lock()
	scores, st, err := s.scorer.ScoresTimed(ds)
	s.device.Unlock()
	if err != nil {
		return serve.Result{}, err
	}
	return serve.Result{Score: scores[0], Stages: []serve.Stage{
		{Name: "preprocess", Duration: t1.Sub(t0)},
		{Name: "upload", Duration: st.Upload}, {Name: "forward", Duration: st.Forward}, {Name: "download", Duration: st.Download},
	}}, nil
}

func (s *servedModel) Info() serve.ModelInfo {
	return serve.ModelInfo{Version: s.m.version, ID: s.m.id, Threshold: s.m.threshold, Device: s.name, InputSize: s.m.ck.Geometry.ImageSize}
}

func (s *servedModel) Close() error {
	s.device.Lock()
	defer s.device.Unlock()
	s.scorer.Free()
	return nil
}
