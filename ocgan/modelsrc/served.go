package modelsrc

import (
	"context"
	"fmt"
	"image"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/serve"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/backend"
)

// Served is a serve.Model: it scores single decoded images with a batch-1
// scoring program, through the same preprocessing as ocgan score and eval.
type Served struct {
	m      *Model
	scorer *train.Scorer
	dev    *sharedDevice
}

// NewServed builds the batch-1 scorer of m on the backend be, whose name
// (for /healthz and logs) is deviceName.
func NewServed(m *Model, be backend.Backend, deviceName string) (*Served, error) {
	return newServed(m, &sharedDevice{be: be, name: deviceName})
}

// newServed builds the batch-1 scorer of m on dev.
func newServed(m *Model, dev *sharedDevice) (*Served, error) {
	dev.mu.Lock()
	defer dev.mu.Unlock()
	sc, err := NewScorer(dev.be, m.Checkpoint, 1)
	if err != nil {
		dev.note(err)
		return nil, err
	}
	return &Served{m: m, scorer: sc, dev: dev}, nil
}

// Score preprocesses img to the model's input and scores it. Images the
// preprocessing refuses give an error wrapping serve.ErrBadImage; once the
// device is lost every call fails with an error wrapping
// serve.ErrUnavailable.
func (s *Served) Score(ctx context.Context, img image.Image) (serve.Result, error) {
	t0 := time.Now()
	geo := s.m.Checkpoint.Geometry
	x, err := dataset.Preprocess(img, s.m.Checkpoint.Preprocessing().Options())
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
	if err := s.Check(); err != nil {
		return serve.Result{}, err
	}
	s.dev.mu.Lock()
	scores, st, err := s.scorer.ScoresTimed(ds)
	s.dev.note(err)
	s.dev.mu.Unlock()
	if err != nil {
		if uerr := s.Check(); uerr != nil {
			return serve.Result{}, uerr
		}
		return serve.Result{}, err
	}
	return serve.Result{Score: scores[0], Stages: []serve.Stage{
		{Name: "preprocess", Duration: t1.Sub(t0)},
		{Name: "upload", Duration: st.Upload}, {Name: "forward", Duration: st.Forward}, {Name: "download", Duration: st.Download},
	}}, nil
}

// Check returns nil while the model's device works, else an error wrapping
// serve.ErrUnavailable naming the device loss (serve.Checker).
func (s *Served) Check() error { return s.dev.check() }

// Info describes the model for serve.
func (s *Served) Info() serve.ModelInfo {
	return serve.ModelInfo{Version: s.m.Version, ID: s.m.ID, Threshold: s.m.Threshold, Device: s.dev.name,
		InputSize: s.m.Checkpoint.Geometry.ImageSize}
}

// Model is the model being served.
func (s *Served) Model() *Model { return s.m }

// Close frees the scoring program.
func (s *Served) Close() error {
	s.dev.mu.Lock()
	defer s.dev.mu.Unlock()
	s.scorer.Free()
	return nil
}
