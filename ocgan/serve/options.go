package serve

import (
	"fmt"
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
)

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
	// Logf receives the server's log lines (reloads, load failures, panics,
	// internal errors) from any goroutine, so it must be safe for concurrent
	// use (log.Printf and testing.T.Logf are). Nil discards them.
	Logf func(format string, args ...any)
}

// withDefaults returns o with zero fields set to their defaults, or an error
// naming the first invalid field.
func (o Options) withDefaults() (Options, error) {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxConcurrent == 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	switch {
	case o.MaxQueue == 0:
		o.MaxQueue = DefaultMaxQueue
	case o.MaxQueue < 0:
		o.MaxQueue = 0
	}
	if o.QueueTimeout == 0 {
		o.QueueTimeout = DefaultQueueTimeout
	}
	if o.RetryAfter == 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxRetryBackoff == 0 {
		o.MaxRetryBackoff = DefaultMaxRetryBackoff
	}
	if o.ShutdownTimeout == 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	switch {
	case o.MaxBodyBytes < 0:
		return o, fmt.Errorf("serve: MaxBodyBytes %d is negative", o.MaxBodyBytes)
	case o.MaxConcurrent < 0:
		return o, fmt.Errorf("serve: MaxConcurrent %d is negative", o.MaxConcurrent)
	case o.QueueTimeout < 0:
		return o, fmt.Errorf("serve: QueueTimeout %v is negative", o.QueueTimeout)
	case o.RetryAfter < 0:
		return o, fmt.Errorf("serve: RetryAfter %v is negative", o.RetryAfter)
	case o.MaxRetryBackoff < 0:
		return o, fmt.Errorf("serve: MaxRetryBackoff %v is negative", o.MaxRetryBackoff)
	case o.ShutdownTimeout < 0:
		return o, fmt.Errorf("serve: ShutdownTimeout %v is negative", o.ShutdownTimeout)
	}
	return o, nil
}
