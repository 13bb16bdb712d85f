package vulkan

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// The register tiles order their rows by window position (pixels of many
// images, taps of many channels) and skip the reduction indices that only
// read padding for every row of a tile (tileBox in conv_common.glsl). These
// shapes give tiles of one window position (batches and channel counts of 16
// and 17 against tiles of 8 to 32 rows), tiles that straddle two, and
// padding wider than the kernel, so that some outputs have no valid tap.
func windowConvCases() map[string]kernels.Conv2DParams {
	return map[string]kernels.Conv2DParams{
		"b17_6to9_7x5_k5s2p2":        {N: 17, C: 6, H: 7, W: 5, K: 9, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true},
		"b16_17to5_4x3_k2x3_s1x2_p3": {N: 16, C: 17, H: 4, W: 3, K: 5, KH: 2, KW: 3, StrideH: 1, StrideW: 2, PadH: 3, PadW: 3},
	}
}

func windowDeconvCases() map[string]kernels.ConvTranspose2DParams {
	return map[string]kernels.ConvTranspose2DParams{
		"b17_9to6_4x3_k5s2p2op1": {N: 17, C: 9, H: 4, W: 3, K: 6, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, OutPadH: 1, OutPadW: 1, Bias: true},
		"b16_16to3_5x6_k3x2_p2":  {N: 16, C: 16, H: 5, W: 6, K: 3, KH: 3, KW: 2, StrideH: 1, StrideW: 1, PadH: 2, PadW: 1},
	}
}

// TestConvWindowBoxesMatchReference forces register tiles of every operand
// sharing and 8 to 32 rows (1 to 4 per lane) on the window cases and checks
// each direction against the reference.
func TestConvWindowBoxesMatchReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	defer func() { convTuneHook = nil }()
	tiles := []convTune{
		{local: 64, ppl: 1, tc: 4, sg: convShareLoad},
		{local: 64, ppl: 4, tc: 8, sg: convShareLoad},
		{local: 64, ppl: 2, tc: 8, sg: convShareBroadcast},
		{local: 64, ppl: 4, tc: 4, sg: convShareBroadcast},
		{local: 64, ppl: 1, tc: 4, sg: convShareSolo},
		{local: 64, ppl: 2, tc: 8, sg: convShareSolo},
	}
	for _, v := range tiles {
		if err := lib.convTuneValid(v); err != nil {
			t.Logf("skipping %+v: %v", v, err)
			continue
		}
		convTuneHook = func(convDir, convGeom, convTune) convTune { return v }
		name := fmt.Sprintf("sg%d_ppl%d_tc%d", v.sg, v.ppl, v.tc)
		for c, p := range windowConvCases() {
			t.Run(name+"/conv2d_"+c, func(t *testing.T) { checkConv2D(t, ctx, lib, c, p) })
		}
		for c, p := range windowDeconvCases() {
			t.Run(name+"/conv_transpose2d_"+c, func(t *testing.T) { checkConvTranspose2D(t, ctx, lib, c, p) })
		}
	}
}

// TestConvBatchInvariant checks that an image's outputs are the same, bit
// for bit, alone and in a batch of 17: the batch's tiles skip other padding
// taps than the single image's, and a skipped tap adds nothing.
func TestConvBatchInvariant(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	const n, pick = 17, 5
	conv := windowConvCases()["b17_6to9_7x5_k5s2p2"]
	deconv := windowDeconvCases()["b17_9to6_4x3_k5s2p2op1"]
	rng := rand.New(rand.NewSource(17))
	type run func(s *vk.Sequence, batch int, x, w, b, y *vk.Buffer) error
	cases := []struct {
		name            string
		inPer, outPer   int // values per image
		weights, biases int
		run             run
	}{
		{"conv2d forward", conv.C * conv.H * conv.W, conv.K * convOut(conv), conv.K * conv.C * conv.KH * conv.KW, conv.K,
			func(s *vk.Sequence, batch int, x, w, b, y *vk.Buffer) error {
				p := conv
				p.N = batch
				return lib.Conv2DForward(s, p, x, w, b, y)
			}},
		{"conv2d backward input", conv.K * convOut(conv), conv.C * conv.H * conv.W, conv.K * conv.C * conv.KH * conv.KW, 0,
			func(s *vk.Sequence, batch int, dy, w, _, dx *vk.Buffer) error {
				p := conv
				p.N = batch
				return lib.Conv2DBackwardInput(s, p, w, dy, dx)
			}},
		{"conv_transpose2d forward", deconv.C * deconv.H * deconv.W, deconv.K * deconvOut(deconv), deconv.C * deconv.K * deconv.KH * deconv.KW, deconv.K,
			func(s *vk.Sequence, batch int, x, w, b, y *vk.Buffer) error {
				p := deconv
				p.N = batch
				return lib.ConvTranspose2DForward(s, p, x, w, b, y)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := kerneltest.RandVec(rng, n*c.inPer)
			wb := upload(t, ctx, kerneltest.RandVec(rng, c.weights))
			var bb *vk.Buffer
			if c.biases > 0 {
				bb = upload(t, ctx, kerneltest.RandVec(rng, c.biases))
			}
			outputs := func(batch int, in []float32) []float32 {
				y := upload(t, ctx, kerneltest.Poisoned(batch*c.outPer))
				xb := upload(t, ctx, in)
				runOne(t, ctx, func(s *vk.Sequence) error { return c.run(s, batch, xb, wb, bb, y) })
				return download(t, y)
			}
			all := outputs(n, x)[pick*c.outPer : (pick+1)*c.outPer]
			one := outputs(1, x[pick*c.inPer:(pick+1)*c.inPer])
			for i := range one {
				if math.Float32bits(one[i]) != math.Float32bits(all[i]) {
					t.Fatalf("output %d of image %d: %v alone, %v in a batch of %d", i, pick, one[i], all[i], n)
				}
			}
		})
	}
}

func convOut(p kernels.Conv2DParams) int {
	o := p.OutputShape()
	return o[2] * o[3]
}

func deconvOut(p kernels.ConvTranspose2DParams) int {
	o := p.OutputShape()
	return o[2] * o[3]
}
