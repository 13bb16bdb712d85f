package serve

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg"
	_ "image/png"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeModel scores an image by its mean gray level in [0, 1] and refuses
// images larger than 64x64 with ErrBadImage. It records how it is used so tests can check the
// server's promises: serialised calls, no Score after Close, Close once and
// only when idle.
type fakeModel struct {
	modelSpec

	calls     atomic.Int64
	active    atomic.Int64
	maxActive atomic.Int64
	closes    atomic.Int64
	lost      atomic.Bool // mode "lost": its device was lost

	mu         sync.Mutex
	violations []string
}

func (m *fakeModel) violate(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.violations = append(m.violations, fmt.Sprintf(format, args...))
}

func (m *fakeModel) Score(ctx context.Context, img image.Image) (Result, error) {
	n := m.active.Add(1)
	defer m.active.Add(-1)
	for {
		old := m.maxActive.Load()
		if n <= old || m.maxActive.CompareAndSwap(old, n) {
			break
		}
	}
	if m.closes.Load() > 0 {
		m.violate("%s: Score after Close", m.version)
	}
	if !m.concurrent && n > 1 {
		m.violate("%s: %d concurrent Score calls on a serial model", m.version, n)
	}
	m.calls.Add(1)
	if m.block != nil {
		select {
		case <-m.block:
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
	}
	if m.delay > 0 {
		time.Sleep(m.delay)
	}
	switch m.mode {
	case "panic":
		panic("fake model exploded")
	case "error":
		return Result{}, errors.New("fake device lost")
	case "nan":
		return Result{Score: nan()}, nil
	case "lost":
		m.lost.Store(true)
		return Result{}, m.Check()
	}
	t1 := time.Now()
	if b := img.Bounds(); b.Dx() > 64 || b.Dy() > 64 {
		return Result{}, fmt.Errorf("%w: image %dx%d larger than 64x64", ErrBadImage, b.Dx(), b.Dy())
	}
	b := img.Bounds()
	if b.Empty() {
		return Result{}, fmt.Errorf("%w: empty image", ErrBadImage)
	}
	var sum float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			sum += float64(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y) / 255
		}
	}
	score := sum / float64(b.Dx()*b.Dy())
	t2 := time.Now()
	return Result{Score: score, Stages: []Stage{
		{"preprocess", 0}, {"upload", 0}, {"forward", t2.Sub(t1)}, {"download", 0},
	}}, nil
}

// Check reports the device loss of mode "lost" after its first Score call.
func (m *fakeModel) Check() error {
	if m.lost.Load() {
		return fmt.Errorf("%w: fake device lost", ErrUnavailable)
	}
	return nil
}

func nan() float64 { var z float64; return z / z }

func (m *fakeModel) Info() ModelInfo {
	return ModelInfo{Version: m.version, ID: "bundle-" + m.version, Threshold: m.threshold, Device: "fake", Concurrent: m.concurrent, InputSize: 28}
}

func (m *fakeModel) Close() error {
	if n := m.closes.Add(1); n > 1 {
		m.violate("%s: Close called %d times", m.version, n)
	}
	if a := m.active.Load(); a > 0 {
		m.violate("%s: Close with %d Score calls running", m.version, a)
	}
	return m.closeErr
}

func (m *fakeModel) check(t testing.TB) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.violations {
		t.Error(v)
	}
}

// modelSpec configures a fakeModel.
type modelSpec struct {
	version    string
	threshold  float64
	concurrent bool
	delay      time.Duration   // sleep per Score
	block      <-chan struct{} // if set, Score waits for it to close
	mode       string          // "", "panic", "error", "nan", "lost"
	closeErr   error
}

// fakeSource installs models by id; Load builds a fresh fakeModel from the
// id's template and remembers every model it built.
type fakeSource struct {
	mu         sync.Mutex
	id         string
	currentErr error
	loadErr    map[string]error
	loadPanic  map[string]bool
	loadNil    map[string]bool
	templates  map[string]modelSpec // by id; default: version id, threshold 0.5
	loaded     []*fakeModel
	loads      atomic.Int64
}

func newFakeSource(id string) *fakeSource {
	return &fakeSource{id: id, loadErr: map[string]error{}, loadPanic: map[string]bool{},
		loadNil: map[string]bool{}, templates: map[string]modelSpec{}}
}

func (s *fakeSource) set(id string) {
	s.mu.Lock()
	s.id = id
	s.mu.Unlock()
}

func (s *fakeSource) Current() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id, s.currentErr
}

func (s *fakeSource) Load(id string) (Model, error) {
	s.loads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadErr[id]; err != nil {
		return nil, err
	}
	if s.loadPanic[id] {
		panic("fake loader exploded")
	}
	if s.loadNil[id] {
		return nil, nil
	}
	spec, ok := s.templates[id]
	if !ok {
		spec = modelSpec{version: id, threshold: 0.5}
	}
	m := &fakeModel{modelSpec: spec}
	s.loaded = append(s.loaded, m)
	return m, nil
}

// models returns the models loaded so far.
func (s *fakeSource) models() []*fakeModel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*fakeModel(nil), s.loaded...)
}
