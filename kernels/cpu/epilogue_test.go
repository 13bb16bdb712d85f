package cpu

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// testEpilogues are the epilogue kinds the forward tests rotate through, so
// that every kind runs on several of the tables' code paths (dense 1×1,
// per-image, whole batch, batch-invariant devices).
var testEpilogues = []kernels.Epilogue{
	{Act: kernels.LeakyReLU, Slope: 0.2},
	{Act: kernels.ReLU},
	{Act: kernels.Tanh},
	{Act: kernels.Sigmoid},
	{Act: kernels.LeakyReLU, Slope: -0.3},
}

// epilogueCase runs one forward with an epilogue on every device against
// the reference.
func epilogueCase(t *testing.T, devs []*Device, name string, want func() ([]float32, error), run func(d *Device, y []float32) error) {
	t.Helper()
	wantY, err := want()
	if err != nil {
		t.Fatal(err)
	}
	for di, d := range devs {
		y := kerneltest.Poisoned(len(wantY))
		if err := run(d, y); err != nil {
			t.Fatal(err)
		}
		kerneltest.ExpectClose(t, fmt.Sprintf("%s device %d", name, di), y, wantY)
	}
}

func TestForwardEpilogues(t *testing.T) {
	devs := openGemmDevices(t)
	for i, c := range conv2dTestCases {
		p := c.p
		p.Epilogue = testEpilogues[i%len(testEpilogues)]
		t.Run("conv2d/"+c.name+"/"+p.Epilogue.String(), func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(300 + i)))
			x := kerneltest.RandVec(rng, p.N*p.C*p.H*p.W)
			w := kerneltest.RandVec(rng, p.K*p.C*p.KH*p.KW)
			var b []float32
			if p.Bias {
				b = kerneltest.RandVec(rng, p.K)
			}
			epilogueCase(t, devs, "forward", func() ([]float32, error) { return kernels.Conv2DForward(p, x, w, b) },
				func(d *Device, y []float32) error { return d.Conv2DForward(p, x, w, b, y) })
		})
	}
	for i, c := range convT2DTestCases {
		p := c.p
		p.Epilogue = testEpilogues[i%len(testEpilogues)]
		t.Run("conv_transpose2d/"+c.name+"/"+p.Epilogue.String(), func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(400 + i)))
			x := kerneltest.RandVec(rng, p.N*p.C*p.H*p.W)
			w := kerneltest.RandVec(rng, p.C*p.K*p.KH*p.KW)
			var b []float32
			if p.Bias {
				b = kerneltest.RandVec(rng, p.K)
			}
			epilogueCase(t, devs, "forward", func() ([]float32, error) { return kernels.ConvTranspose2DForward(p, x, w, b) },
				func(d *Device, y []float32) error { return d.ConvTranspose2DForward(p, x, w, b, y) })
		})
	}
	for i, c := range denseTestCases {
		p := c.p
		p.Epilogue = testEpilogues[i%len(testEpilogues)]
		t.Run("dense/"+c.name+"/"+p.Epilogue.String(), func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(500 + i)))
			x := kerneltest.RandVec(rng, p.N*p.In)
			w := kerneltest.RandVec(rng, p.Out*p.In)
			var b []float32
			if p.Bias {
				b = kerneltest.RandVec(rng, p.Out)
			}
			epilogueCase(t, devs, "forward", func() ([]float32, error) { return kernels.DenseForward(p, x, w, b) },
				func(d *Device, y []float32) error { return d.DenseForward(p, x, w, b, y) })
		})
	}
}

func TestForwardEpilogueRefused(t *testing.T) {
	d := openGemmDevices(t)[0]
	bad := kernels.Epilogue{Act: 9}
	y := make([]float32, 4)
	for name, err := range map[string]error{
		"conv2d": d.Conv2DForward(kernels.Conv2DParams{N: 1, C: 1, H: 2, W: 2, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Epilogue: bad},
			make([]float32, 4), make([]float32, 1), nil, y),
		"conv_transpose2d": d.ConvTranspose2DForward(kernels.ConvTranspose2DParams{N: 1, C: 1, H: 2, W: 2, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Epilogue: bad},
			make([]float32, 4), make([]float32, 1), nil, y),
		"dense": d.DenseForward(kernels.DenseParams{N: 4, In: 1, Out: 1, Epilogue: bad}, make([]float32, 4), make([]float32, 1), nil, y),
	} {
		var ee *kernels.EpilogueError
		if !errors.As(err, &ee) || ee.Epilogue.Act != bad.Act {
			t.Errorf("%s: got %v, want an *EpilogueError for kind %d", name, err, int(bad.Act))
		}
	}
}
