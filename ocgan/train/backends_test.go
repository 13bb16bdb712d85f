package train

import (
	"math"
	"sort"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/refprogram"
)

// equivalenceSteps is the number of Algorithm-1 iterations the backends are
// compared over (with mining from the first).
const equivalenceSteps = 6

// paramNoiseFloor is the absolute difference a parameter element may show
// when its relative L2 difference exceeds kerneltest.Tolerance: batch-norm
// channels whose gradient is zero up to rounding end near ±1e-8 on every
// backend, which is relatively far apart but 1/2000 of one Adam step of
// learning rate 2e-4.
const paramNoiseFloor = 1e-7

// maxAbsDiff returns the largest |a[i] − b[i]|.
func maxAbsDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// trainLosses runs steps iterations of cfg on be, iteration i on the i-th
// Batch images of images, and returns every iteration's losses and the
// final parameters.
func trainLosses(t *testing.T, be backend.Backend, cfg Config, images []float32, steps int) ([]map[string]float64, map[string][]float32) {
	t.Helper()
	tr := newTrainer(t, be, cfg)
	n := cfg.Batch * tr.imgLen
	if len(images) < steps*n {
		t.Fatalf("%d image values for %d iterations of %d", len(images), steps, n)
	}
	var losses []map[string]float64
	for i := 0; i < steps; i++ {
		l, err := tr.Step(images[i*n:(i+1)*n], true)
		if err != nil {
			t.Fatalf("%s: %s: iteration %d: %v", be.Device().Backend, cfg.Geometry.Name, i, err)
		}
		losses = append(losses, l)
	}
	snap, err := tr.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return losses, snap
}

// equivalenceConfig is cfg with Adam's eps at 1e-3, not 1e-8: several
// gradients are zero up to rounding (a bias right before batch norm, whose
// output ignores a shift), and with eps 1e-8 Adam moves such a parameter by
// ±lr whatever the sign of the rounding noise, so its value would be a coin
// flip on every backend, the reference included. With eps 1e-3 the step is
// proportional to the gradient below 1e-3, so rounding noise moves nothing
// measurably, while the real gradients of this model (1e-2 and above) train
// as usual.
func equivalenceConfig(cfg Config) Config {
	cfg.Eps = 1e-3
	return cfg
}

// trainAlike trains steps iterations of cfg on images from the same seed on
// the references and on each of backends, and compares every loss of every
// iteration and every final parameter and running statistic with the
// reference's, within the one kernel tolerance.
func trainAlike(t *testing.T, cfg Config, images []float32, steps int, backends ...backend.Backend) {
	t.Helper()
	cfg = equivalenceConfig(cfg)
	refLosses, refParams := trainLosses(t, refprogram.Backend{}, cfg, images, steps)
	for _, be := range backends {
		losses, params := trainLosses(t, be, cfg, images, steps)
		compareTraining(t, be.Device().Backend+" "+cfg.Geometry.Name, refLosses, refParams, losses, params)
	}
}

// compareTraining compares every loss of every iteration and every final
// parameter and running statistic of a run (name) with those of a reference
// run, within the one kernel tolerance.
func compareTraining(t *testing.T, name string, refLosses []map[string]float64, refParams map[string][]float32,
	losses []map[string]float64, params map[string][]float32) {
	t.Helper()
	worst := 0.0
	for i := range refLosses {
		keys := make([]string, 0, len(refLosses[i]))
		for k := range refLosses[i] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			want, got := refLosses[i][k], losses[i][k]
			d := math.Abs(got-want) / math.Max(math.Abs(want), 1e-3)
			worst = math.Max(worst, d)
			if !(d <= kerneltest.Tolerance) {
				t.Errorf("%s: iteration %d: %s = %.7g, reference %.7g (relative %.3g > %g)", name, i, k, got, want, d, kerneltest.Tolerance)
			}
		}
	}
	worstP := 0.0
	for k, want := range refParams {
		e, nanAt := kerneltest.RelErr(params[k], want)
		worstP = math.Max(worstP, e)
		if nanAt < 0 && e <= kerneltest.Tolerance {
			continue
		}
		if d := maxAbsDiff(params[k], want); nanAt >= 0 || !(d <= paramNoiseFloor) {
			t.Errorf("%s: %s after %d iterations: relative L2 difference %.3g > %g, largest difference %.3g > %g (NaN at %d)",
				name, k, len(refLosses), e, kerneltest.Tolerance, d, paramNoiseFloor, nanAt)
		}
	}
	t.Logf("%s: worst relative loss difference %.3g, worst parameter difference %.3g over %d iterations", name, worst, worstP, len(refLosses))
}

// TestBackendsTrainAlike trains the same Algorithm-1 iterations from the same
// seed on the references, the native CPU backend and the Vulkan device, and
// compares every loss of every iteration and every final parameter and
// running statistic with the reference's, within the one kernel tolerance.
func TestBackendsTrainAlike(t *testing.T) {
	cfg := tinyConfig(t)
	data := synthetic(t, 0, cfg.Batch*equivalenceSteps, 500)
	trainAlike(t, cfg, data.Pixels(), equivalenceSteps, newCPUBackend(t), newBackend(t))
}

// TestModelScoresAlikeOnEveryBackend trains on the CPU backend, then scores
// the same images with the trained parameters on the CPU, on the Vulkan
// device and on the references: a model is backend-free.
func TestModelScoresAlikeOnEveryBackend(t *testing.T) {
	c := newCPUBackend(t)
	cfg := tinyConfig(t)
	tr := newTrainer(t, c, cfg)
	data := synthetic(t, 0, cfg.Batch*3, 700)
	n := cfg.Batch * tr.imgLen
	for i := 0; i < 3; i++ {
		if _, err := tr.Step(data.Pixels()[i*n:(i+1)*n], true); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := tr.Params()
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Concat(synthetic(t, 0, 7, 900), synthetic(t, 1, 6, 950))
	if err != nil {
		t.Fatal(err)
	}
	score := func(be backend.Backend) []float32 {
		s, err := NewScorer(be, cfg.Geometry, 5, ps)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Free()
		v, err := s.Scores(test)
		if err != nil {
			t.Fatal(err)
		}
		return toFloat32(v)
	}
	want := score(refprogram.Backend{})
	kerneltest.ExpectClose(t, "cpu scores", score(c), want)
	kerneltest.ExpectClose(t, "vulkan scores", score(newBackend(t)), want)
}
