package serve

import (
	"cmp"
	"fmt"
	"runtime"
	"time"
)

// Defaults for zero Options fields.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultMaxBodyBytes    = 8 << 20
	DefaultMaxConcurrent   = 4
	DefaultMaxQueue        = 16
	DefaultQueueTimeout    = 10 * time.Second
	DefaultPollInterval    = time.Second
	DefaultMaxRetryBackoff = time.Minute
	DefaultShutdownTimeout = 30 * time.Second
	DefaultRetryAfter      = time.Second
	DefaultReadTimeout     = 10 * time.Second
	DefaultMinReadRate     = 8 << 10
	DefaultMaxReading      = 32
	DefaultMaxClient       = 8
	DefaultMaxConns        = 256
	DefaultMaxImagePixels  = 4 << 20
)

// readGrace is the time a body may take before MinReadRate applies.
const readGrace = time.Second

// Options configure a Server. The zero value is usable: every zero field
// takes its Default value.
type Options struct {
	// Addr is the listen address of ListenAndServe; default "127.0.0.1:8080"
	// (loopback only; use ":8080" to listen on every interface).
	Addr string
	// MaxBodyBytes bounds a /score request body (raw or multipart, all of
	// it); larger bodies get 413. Default 8 MiB.
	MaxBodyBytes int64
	// MaxConcurrent is the number of /score requests that may be scoring at
	// once. Default 4. Calls into a Model that is not Concurrent are still
	// made one at a time.
	MaxConcurrent int
	// MaxQueue is the number of further /score requests that may wait
	// (reading their body or waiting for a scoring slot); beyond it requests
	// get 503 at once. Default 16; negative means no waiting room.
	MaxQueue int
	// QueueTimeout bounds how long an admitted request waits for a scoring
	// slot before it gets 503. Default 10 s.
	QueueTimeout time.Duration
	// RetryAfter is the delay advertised in the Retry-After header of 503
	// answers, rounded up to whole seconds. Default 1 s.
	RetryAfter time.Duration
	// PollInterval is how often Source.Current is polled for a new model.
	// Default 1 s; negative disables polling (use Reload).
	PollInterval time.Duration
	// MaxRetryBackoff caps the delay before polling retries a model that
	// failed to load (the delay doubles from PollInterval on each failure of
	// the same id). Default 1 min. A new id is tried at once.
	MaxRetryBackoff time.Duration
	// ShutdownTimeout bounds the graceful shutdown of ListenAndServe and
	// Serve once their context is cancelled. Default 30 s.
	ShutdownTimeout time.Duration
	// ReadTimeout bounds the time a request's headers, and then a /score
	// body, may take to arrive; a body not in by then gets 408 and its
	// connection is closed. Default 10 s.
	ReadTimeout time.Duration
	// MinReadRate is the least average rate, in bytes per second, at which
	// a /score body must arrive once it has had one second; a slower body
	// gets 408 and its connection is closed. Default 8 KiB/s; negative
	// disables the check (ReadTimeout still applies).
	MinReadRate int64
	// MaxReading is the number of /score bodies that may be read at once;
	// beyond it requests get 503 at once. Default 32.
	MaxReading int
	// MaxClientRequests is the number of /score requests one client address
	// may have in progress at once (reading, waiting or scoring); beyond it
	// its requests get 429. Default 8; negative means no per-client limit
	// (e.g. behind a proxy that is the only client).
	MaxClientRequests int
	// MaxConns is the number of connections Serve and ListenAndServe keep
	// open at once; further connections wait to be accepted. Default 256.
	MaxConns int
	// MaxImagePixels bounds the images /score decodes, from their header:
	// width×height at most MaxImagePixels, and the decoded pixels at most
	// 4·MaxImagePixels bytes (so a 16-bit colour image may have half as
	// many pixels). Never below the model's own input size. Larger images
	// get 413 before they are decoded. Default 4 Mi pixels (2048x2048).
	MaxImagePixels int64
	// MaxDecoders is the number of images decoded at once, outside the
	// model's lock. Default GOMAXPROCS.
	MaxDecoders int
	// Token, when not empty, is the bearer token every request other than
	// /healthz and /readyz must carry (Authorization: Bearer <token>);
	// others get 401. Compared in constant time.
	Token string
	// Logf receives the server's log lines (reloads, load failures, panics,
	// internal errors) from any goroutine, so it must be safe for concurrent
	// use (log.Printf and testing.T.Logf are). Nil discards them.
	Logf func(format string, args ...any)
}

// withDefaults returns o with zero fields set to their defaults, or an error
// naming the first invalid field.
func (o Options) withDefaults() (Options, error) {
	setDefault(&o.Addr, DefaultAddr)
	setDefault(&o.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&o.MaxConcurrent, DefaultMaxConcurrent)
	switch {
	case o.MaxQueue == 0:
		o.MaxQueue = DefaultMaxQueue
	case o.MaxQueue < 0:
		o.MaxQueue = 0
	}
	setDefault(&o.QueueTimeout, DefaultQueueTimeout)
	setDefault(&o.RetryAfter, DefaultRetryAfter)
	setDefault(&o.PollInterval, DefaultPollInterval)
	setDefault(&o.MaxRetryBackoff, DefaultMaxRetryBackoff)
	setDefault(&o.ShutdownTimeout, DefaultShutdownTimeout)
	setDefault(&o.ReadTimeout, DefaultReadTimeout)
	setDefault(&o.MinReadRate, DefaultMinReadRate)
	setDefault(&o.MaxReading, DefaultMaxReading)
	setDefault(&o.MaxClientRequests, DefaultMaxClient)
	setDefault(&o.MaxConns, DefaultMaxConns)
	setDefault(&o.MaxImagePixels, DefaultMaxImagePixels)
	setDefault(&o.MaxDecoders, runtime.GOMAXPROCS(0))
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if err := cmp.Or(
		negative("MaxBodyBytes", o.MaxBodyBytes),
		negative("MaxConcurrent", o.MaxConcurrent),
		negative("QueueTimeout", o.QueueTimeout),
		negative("RetryAfter", o.RetryAfter),
		negative("MaxRetryBackoff", o.MaxRetryBackoff),
		negative("ShutdownTimeout", o.ShutdownTimeout),
		negative("ReadTimeout", o.ReadTimeout),
		negative("MaxReading", o.MaxReading),
		negative("MaxConns", o.MaxConns),
		negative("MaxImagePixels", o.MaxImagePixels),
		negative("MaxDecoders", o.MaxDecoders),
	); err != nil {
		return o, err
	}
	return o, nil
}

// setDefault sets *v to def when it is zero.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// negative reports the setting name when its value v is negative.
func negative[T int | int64 | time.Duration](name string, v T) error {
	if v < 0 {
		return fmt.Errorf("serve: %s %v is negative", name, v)
	}
	return nil
}
