package serve

import (
	"context"
	"errors"
	"image"
	"time"
)

// ErrBadImage is wrapped by a Model's Score error when the image is the
// request's fault: one the model cannot take (wrong size, wrong channel
// count). The server answers such errors with 400, as it does images that
// do not decode; every other Score error is an internal error (500).
var ErrBadImage = errors.New("serve: bad image")

// ErrUnavailable is wrapped by a Model's Score error, and by its Check
// error (see Checker), when the model can no longer score any image, e.g.
// because its device was lost. The server then answers /score with 503 and
// the error, and /healthz and /readyz with 503 naming it, so that a
// supervisor restarts the process.
var ErrUnavailable = errors.New("serve: model unavailable")

// ErrClosed is returned by Reload and the serving helpers once the Server is
// closed.
var ErrClosed = errors.New("serve: server closed")

// Model scores images. Implementations need not be safe for concurrent use:
// the server serialises calls to one Model unless its Info says Concurrent.
type Model interface {
	// Score preprocesses one decoded image to the model's input and
	// returns its novelty score (higher = more novel) with per-stage
	// timings. Unsuitable images give an error that wraps ErrBadImage. ctx
	// is the request's context. The server has decoded the image (PNG or
	// JPEG) and checked its size against Options.MaxImagePixels.
	Score(ctx context.Context, img image.Image) (Result, error)
	// Info describes the model. The server calls it once, after Load, and
	// keeps the answer.
	Info() ModelInfo
	// Close frees the model. The server calls it exactly once, after the
	// model's last Score call has returned.
	Close() error
}

// Checker is implemented by Models that can become unable to score: Check
// returns nil while the model can score, else an error wrapping
// ErrUnavailable that says why not. It must be cheap and safe for
// concurrent use: /healthz and every /score call it.
type Checker interface {
	Check() error
}

// ModelInfo describes a loaded model for responses, /healthz and /metrics.
type ModelInfo struct {
	// Version is the model version string (e.g. a training run name).
	Version string
	// ID identifies the installed bundle (e.g. a content hash).
	ID string
	// Threshold is the decision threshold: score >= Threshold is "novel".
	Threshold float64
	// Device names where the model runs (e.g. the GPU); optional, reported
	// by /healthz.
	Device string
	// InputSize is the side, in pixels, of the model's square input (0 if
	// unknown); the server never caps images below it.
	InputSize int
	// Concurrent says that Score is safe for concurrent use; the server then
	// lets up to Options.MaxConcurrent calls run at once on this model
	// instead of one at a time.
	Concurrent bool
}

// Result is the outcome of one Score call.
type Result struct {
	// Score is the novelty score (reconstruction error); higher = more novel.
	Score float64
	// Stages are the timings of the model's steps, in order, e.g.
	// preprocess, upload, forward, download. Repeated names are summed.
	Stages []Stage
}

// Stage is the time one step of scoring took.
type Stage struct {
	Name     string
	Duration time.Duration
}

// Source yields the installed model.
type Source interface {
	// Current returns the identifier of the installed model. It is cheap
	// and polled; the identifier changes when a new model is installed
	// (e.g. the resolved target of an install root's "current" symlink).
	Current() (id string, err error)
	// Load opens the model that Current named with id.
	Load(id string) (Model, error)
}
