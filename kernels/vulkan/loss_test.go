package vulkan

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// gpuLoss is one loss's GPU methods and references.
type gpuLoss struct {
	name        string
	value       func(*Library, *vk.Sequence, kernels.LossParams, *vk.Buffer, *vk.Buffer, *vk.Buffer) error
	perSample   func(*Library, *vk.Sequence, kernels.LossParams, *vk.Buffer, *vk.Buffer, *vk.Buffer) error
	grad        func(*Library, *vk.Sequence, kernels.LossParams, *vk.Buffer, *vk.Buffer, *vk.Buffer) error
	sampleGrad  func(*Library, *vk.Sequence, kernels.LossParams, *vk.Buffer, *vk.Buffer, *vk.Buffer, *vk.Buffer) error
	refValue    func(kernels.LossParams, []float32, []float32) (float32, error)
	refSample   func(kernels.LossParams, []float32, []float32) ([]float32, error)
	refGrad     func(kernels.LossParams, []float32, []float32) ([]float32, error)
	refSampleGr func(kernels.LossParams, []float32, []float32, []float32) ([]float32, error)
}

var gpuLosses = []gpuLoss{
	{"mse", (*Library).MSELoss, (*Library).MSELossPerSample, (*Library).MSELossGrad, (*Library).MSELossPerSampleGrad,
		kernels.MSELoss, kernels.MSELossPerSample, kernels.MSELossGrad, kernels.MSELossPerSampleGrad},
	{"bce", (*Library).BCEWithLogitsLoss, (*Library).BCEWithLogitsLossPerSample, (*Library).BCEWithLogitsLossGrad,
		(*Library).BCEWithLogitsLossPerSampleGrad,
		kernels.BCEWithLogitsLoss, kernels.BCEWithLogitsLossPerSample, kernels.BCEWithLogitsLossGrad, kernels.BCEWithLogitsLossPerSampleGrad},
}

// lossTargets returns the targets of a case: for BCE the constant 0 and 1 vectors of
// OCGAN and uniform [0, 1) soft targets; for MSE normal values.
func lossTargets(rng *rand.Rand, loss string, n int) map[string][]float32 {
	if loss == "mse" {
		return map[string][]float32{"normal": kerneltest.RandVec(rng, n)}
	}
	zeros, ones, soft := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range ones {
		ones[i] = 1
		soft[i] = rng.Float32()
	}
	return map[string][]float32{"zeros": zeros, "ones": ones, "soft": soft}
}

// lossPred returns n predictions/logits: normal, scaled by 3, with every 13th at ±30.
func lossPred(rng *rand.Rand, n int) []float32 {
	x := kerneltest.RandVec(rng, n)
	for i := range x {
		x[i] *= 3
		if i%13 == 7 {
			x[i] = 30
			if i%2 == 0 {
				x[i] = -30
			}
		}
	}
	return x
}

func TestLossMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(31))
	var shapes []kernels.LossParams
	for _, n := range []int{1, 3, 64} {
		for _, f := range []int{1, 784, 5, 13} {
			shapes = append(shapes, kernels.LossParams{N: n, F: f})
		}
	}
	shapes = append(shapes, kernels.LossParams{N: 4099, F: 3}, kernels.LossParams{N: 2, F: 40000})
	for _, L := range gpuLosses {
		for _, p := range shapes {
			pred, dloss := lossPred(rng, p.N*p.F), kerneltest.RandVec(rng, p.N)
			for tname, target := range lossTargets(rng, L.name, p.N*p.F) {
				name := fmt.Sprintf("%s N=%d F=%d %s", L.name, p.N, p.F, tname)
				xb, yb, db := upload(t, ctx, pred), upload(t, ctx, target), upload(t, ctx, dloss)
				mean, per := upload(t, ctx, kerneltest.Poisoned(1)), upload(t, ctx, kerneltest.Poisoned(p.N))
				g, sg := upload(t, ctx, kerneltest.Poisoned(p.N*p.F)), upload(t, ctx, kerneltest.Poisoned(p.N*p.F))
				runOne(t, ctx, func(s *vk.Sequence) error {
					if err := L.value(lib, s, p, xb, yb, mean); err != nil {
						return err
					}
					if err := L.perSample(lib, s, p, xb, yb, per); err != nil {
						return err
					}
					if err := L.grad(lib, s, p, xb, yb, g); err != nil {
						return err
					}
					return L.sampleGrad(lib, s, p, xb, yb, db, sg)
				})
				want, err := L.refValue(p, pred, target)
				if err != nil {
					t.Fatal(err)
				}
				expectClose(t, name+" mean", mean, []float32{want})
				wantV, _ := L.refSample(p, pred, target)
				expectClose(t, name+" per sample", per, wantV)
				wantV, _ = L.refGrad(p, pred, target)
				expectClose(t, name+" grad", g, wantV)
				wantV, _ = L.refSampleGr(p, pred, target, dloss)
				expectClose(t, name+" per-sample grad", sg, wantV)
			}
		}
	}
}

// TestLossMeanAccuracy sums many terms: similar ones, and a few large terms (the
// first ones every lane adds) followed by many tiny ones, which a plain float32
// running sum would drop (a 7e-5 relative error).
func TestLossMeanAccuracy(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(32))
	p := kernels.LossParams{N: 64, F: 3 * 64 * 64}
	pred, target := make([]float32, p.N*p.F), make([]float32, p.N*p.F)
	for i := range pred {
		pred[i] = 3 + 0.01*float32(rng.NormFloat64())
		target[i] = float32(rng.Intn(2))
	}
	tiny, zeros := make([]float32, p.N*p.F), make([]float32, p.N*p.F)
	for i := range tiny {
		tiny[i] = 1e4
		if i >= 1024 {
			tiny[i] = -6.907 // BCE term ≈ 1e-3 against target 0
		}
	}
	for _, L := range gpuLosses {
		if L.name == "mse" {
			for i := range tiny {
				tiny[i] = 100
				if i >= 1024 {
					tiny[i] = 0.0316 // MSE term ≈ 1e-3 against target 0
				}
			}
		}
		for name, data := range map[string][2][]float32{"similar": {pred, target}, "large then tiny": {tiny, zeros}} {
			out := upload(t, ctx, kerneltest.Poisoned(1))
			runOne(t, ctx, func(s *vk.Sequence) error {
				return L.value(lib, s, p, upload(t, ctx, data[0]), upload(t, ctx, data[1]), out)
			})
			want, _ := L.refValue(p, data[0], data[1])
			expectClose(t, L.name+" mean of 786432 "+name, out, []float32{want})
		}
	}
}

// TestLossGradInPlace writes each gradient over its prediction buffer.
func TestLossGradInPlace(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(33))
	p := kernels.LossParams{N: 3, F: 13}
	pred, dloss := lossPred(rng, p.N*p.F), kerneltest.RandVec(rng, p.N)
	for _, L := range gpuLosses {
		for _, target := range lossTargets(rng, L.name, p.N*p.F) {
			a, b := upload(t, ctx, pred), upload(t, ctx, pred)
			yb := upload(t, ctx, target)
			runOne(t, ctx, func(s *vk.Sequence) error {
				if err := L.grad(lib, s, p, a, yb, a); err != nil {
					return err
				}
				return L.sampleGrad(lib, s, p, b, yb, upload(t, ctx, dloss), b)
			})
			want, _ := L.refGrad(p, pred, target)
			expectClose(t, L.name+" grad in place", a, want)
			want, _ = L.refSampleGr(p, pred, target, dloss)
			expectClose(t, L.name+" per-sample grad in place", b, want)
		}
	}
}

func TestLossRejectsBadArguments(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	seq := newSequence(t, ctx)
	buf := func(n int) *vk.Buffer { return upload(t, ctx, make([]float32, n)) }
	p := kernels.LossParams{N: 2, F: 3}
	x, y, one, two, g := buf(6), buf(6), buf(1), buf(2), buf(6)
	for _, L := range gpuLosses {
		cases := []struct {
			name string
			err  error
		}{
			{"N=0", L.value(lib, seq, kernels.LossParams{N: 0, F: 3}, x, y, one)},
			{"F=0", L.grad(lib, seq, kernels.LossParams{N: 2, F: 0}, x, y, g)},
			{"short pred", L.value(lib, seq, p, buf(5), y, one)},
			{"long target", L.perSample(lib, seq, p, x, buf(7), two)},
			{"nil target", L.grad(lib, seq, p, x, nil, g)},
			{"mean into 2", L.value(lib, seq, p, x, y, two)},
			{"per-sample into 1", L.perSample(lib, seq, p, x, y, one)},
			{"short grad", L.grad(lib, seq, p, x, y, buf(5))},
			{"short dloss", L.sampleGrad(lib, seq, p, x, y, one, g)},
			{"nil dloss", L.sampleGrad(lib, seq, p, x, y, nil, g)},
			{"short per-sample grad", L.sampleGrad(lib, seq, p, x, y, two, buf(7))},
		}
		for _, c := range cases {
			if c.err == nil {
				t.Errorf("%s %s: no error", L.name, c.name)
			} else if !strings.HasPrefix(c.err.Error(), L.name) && !strings.HasPrefix(c.err.Error(), "bce") {
				t.Errorf("%s %s: error %q does not name the op", L.name, c.name, c.err)
			}
		}
	}
	expectNothingRecorded(t, seq)
}
