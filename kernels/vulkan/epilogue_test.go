package vulkan

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// testEpilogues are the epilogues the forward tests rotate through: every
// kind, OCGAN's leaky slope and a negative one.
var testEpilogues = []kernels.Epilogue{
	{Act: kernels.LeakyReLU, Slope: 0.2},
	{Act: kernels.ReLU},
	{Act: kernels.Tanh},
	{Act: kernels.Sigmoid},
	{Act: kernels.LeakyReLU, Slope: -0.3},
}

// epilogueConvs and epilogueDeconvs are the conv2dGPUCases and
// convT2dGPUCases the epilogue tests run (odd shapes, bias or not, 1 and 67
// output channels, an OCGAN layer).
var (
	epilogueConvs   = []string{"b1_1ch_5x7_k3p1_bias", "b3_13ch_5x7_k5s2p2", "b1_13to67_7x5_k5s2p2", "b2_k3x2_s2x1_p1x0", "ocgan_enc1_1to64_28"}
	epilogueDeconvs = []string{"b3_13ch_5x7_k5s2p2op1", "b2_k3x2_s2x3_op1x2", "b3_70to33_3x3_k5s2p1", "b1_13to67_5x7_k5s2p2", "ocgan_dec4_64to1_14"}
)

// TestForwardEpiloguesMatchReference runs the conv2d and conv_transpose2d
// forwards with every epilogue kind through every conv variant: this
// device's tiles, the GPU register tiles, shared-memory tiles (small ones
// that leave partial tiles on every side, and the default) and split-K with
// 2 and 3 slices (where the epilogue runs after the reduction).
func TestForwardEpiloguesMatchReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	defer func() { convTuneHook = nil }()
	tiled := func(c convTile) func(convDir, convGeom, convTune) convTune {
		return func(convDir, convGeom, convTune) convTune { return convTune{tiled: &c} }
	}
	variants := []struct {
		name string
		hook func(convDir, convGeom, convTune) convTune
	}{
		{"device", nil},
		{"gpu_register", func(dir convDir, g convGeom, _ convTune) convTune { return convTuneForDevice(false, false, dir, g) }},
		{"tiled_16x8x4_2x2", tiled(convTile{bm: 16, bn: 8, bk: 4, tm: 2, tn: 2})},
		{"tiled_default", func(dir convDir, g convGeom, _ convTune) convTune {
			c, _ := lib.convTileFor(dir, g)
			return convTune{tiled: &c}
		}},
		{"tiled_split2", tiled(convTile{bm: 16, bn: 8, bk: 4, tm: 2, tn: 2, split: 2})},
		{"tiled_split3", tiled(convTile{bm: 32, bn: 16, bk: 8, tm: 4, tn: 2, split: 3})},
	}
	convs, deconvs := conv2dGPUCases(), convT2dGPUCases()
	for vi, v := range variants {
		convTuneHook = v.hook
		for i, name := range epilogueConvs {
			p := convs[name]
			p.Epilogue = testEpilogues[(i+vi)%len(testEpilogues)]
			t.Run(fmt.Sprintf("%s/conv2d_%s/%s", v.name, name, p.Epilogue), func(t *testing.T) {
				rng := rand.New(rand.NewSource(int64(1000*vi + i)))
				x, w := kerneltest.RandVec(rng, p.N*p.C*p.H*p.W), kerneltest.RandVec(rng, p.K*p.C*p.KH*p.KW)
				var b []float32
				if p.Bias {
					b = kerneltest.RandVec(rng, p.K)
				}
				want, err := kernels.Conv2DForward(p, x, w, b)
				if err != nil {
					t.Fatal(err)
				}
				xb, wb, bb := upload(t, ctx, x), upload(t, ctx, w), uploadOrNil(t, ctx, b)
				y := upload(t, ctx, kerneltest.Poisoned(len(want)))
				runOne(t, ctx, func(s *vk.Sequence) error { return lib.Conv2DForward(s, p, xb, wb, bb, y) })
				expectClose(t, "forward", y, want)
			})
		}
		for i, name := range epilogueDeconvs {
			p := deconvs[name]
			p.Epilogue = testEpilogues[(i+vi+2)%len(testEpilogues)]
			t.Run(fmt.Sprintf("%s/conv_transpose2d_%s/%s", v.name, name, p.Epilogue), func(t *testing.T) {
				rng := rand.New(rand.NewSource(int64(2000*vi + i)))
				x, w := kerneltest.RandVec(rng, p.N*p.C*p.H*p.W), kerneltest.RandVec(rng, p.C*p.K*p.KH*p.KW)
				var b []float32
				if p.Bias {
					b = kerneltest.RandVec(rng, p.K)
				}
				want, err := kernels.ConvTranspose2DForward(p, x, w, b)
				if err != nil {
					t.Fatal(err)
				}
				xb, wb, bb := upload(t, ctx, x), upload(t, ctx, w), uploadOrNil(t, ctx, b)
				y := upload(t, ctx, kerneltest.Poisoned(len(want)))
				runOne(t, ctx, func(s *vk.Sequence) error { return lib.ConvTranspose2DForward(s, p, xb, wb, bb, y) })
				expectClose(t, "forward", y, want)
			})
		}
	}
}

// TestDenseEpiloguesMatchReference runs the dense forward with every
// epilogue kind on odd shapes with every test tile.
func TestDenseEpiloguesMatchReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(23))
	shapes := []kernels.DenseParams{
		{N: 1, In: 1, Out: 1, Bias: true}, {N: 3, In: 13, Out: 5}, {N: 13, In: 7, Out: 9, Bias: true},
		{N: 37, In: 130, Out: 67, Bias: true}, {N: 2, In: 16, Out: 1, Bias: true}, {N: 64, In: 128, Out: 16},
	}
	for i, p := range shapes {
		for ti, tile := range denseTestTiles(lib) {
			p.Epilogue = testEpilogues[(i+ti)%len(testEpilogues)]
			t.Run(fmt.Sprintf("N%d_In%d_Out%d_bias%v/tile%dx%d/%s", p.N, p.In, p.Out, p.Bias, tile.tm, tile.tn, p.Epilogue), func(t *testing.T) {
				x, w := kerneltest.RandVec(rng, p.N*p.In), kerneltest.RandVec(rng, p.Out*p.In)
				var b []float32
				if p.Bias {
					b = kerneltest.RandVec(rng, p.Out)
				}
				want, err := kernels.DenseForward(p, x, w, b)
				if err != nil {
					t.Fatal(err)
				}
				xb, wb, bb := upload(t, ctx, x), upload(t, ctx, w), uploadOrNil(t, ctx, b)
				y := upload(t, ctx, kerneltest.Poisoned(len(want)))
				runOne(t, ctx, func(s *vk.Sequence) error { return lib.denseForwardTiled(s, tile, p, xb, wb, bb, y) })
				expectClose(t, "forward", y, want)
			})
		}
	}
}

// TestForwardEpilogueRefused checks that an unknown epilogue kind is refused
// before anything is recorded.
func TestForwardEpilogueRefused(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	bad := kernels.Epilogue{Act: 5}
	four, one := upload(t, ctx, make([]float32, 4)), upload(t, ctx, make([]float32, 1))
	y := upload(t, ctx, make([]float32, 4))
	for name, record := range map[string]func(*vk.Sequence) error{
		"conv2d": func(s *vk.Sequence) error {
			p := kernels.Conv2DParams{N: 1, C: 1, H: 2, W: 2, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Epilogue: bad}
			return lib.Conv2DForward(s, p, four, one, nil, y)
		},
		"conv_transpose2d": func(s *vk.Sequence) error {
			p := kernels.ConvTranspose2DParams{N: 1, C: 1, H: 2, W: 2, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Epilogue: bad}
			return lib.ConvTranspose2DForward(s, p, four, one, nil, y)
		},
		"dense": func(s *vk.Sequence) error {
			return lib.DenseForward(s, kernels.DenseParams{N: 4, In: 1, Out: 1, Epilogue: bad}, four, one, nil, y)
		},
	} {
		seq, err := ctx.NewSequence(vk.SequenceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		err = record(seq)
		var ee *kernels.EpilogueError
		if !errors.As(err, &ee) || ee.Epilogue.Act != bad.Act {
			t.Errorf("%s: got %v, want an *EpilogueError for kind %d", name, err, int(bad.Act))
		}
		if n := seq.Stats().Dispatches; n != 0 {
			t.Errorf("%s: %d dispatches recorded for a refused epilogue", name, n)
		}
		seq.Free()
	}
}

// uploadOrNil is upload, or nil for no data (an op without bias).
func uploadOrNil(t testing.TB, ctx *vk.Context, data []float32) *vk.Buffer {
	if data == nil {
		return nil
	}
	return upload(t, ctx, data)
}
