package vulkan

import (
	"errors"
	"math/rand"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// ocganConvs are the exact conv2d layers of OCGAN (encoder, classifier, visual
// discriminator), all 5x5 stride 2, at batch n.
func ocganConvs(n int) map[string]kernels.Conv2DParams {
	l := func(c, k, h, pad int, bias bool) kernels.Conv2DParams {
		return kernels.Conv2DParams{N: n, C: c, H: h, W: h, K: k, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: pad, PadW: pad, Bias: bias}
	}
	return map[string]kernels.Conv2DParams{
		"enc1_1to64_28":   l(1, 64, 28, 2, true),
		"enc2_64to128_14": l(64, 128, 14, 2, false),
		"enc3_128to256_7": l(128, 256, 7, 2, false),
		"enc4_256to16_4":  l(256, 16, 4, 1, false),
		"cls_256to1_4":    l(256, 1, 4, 1, true),
		"disc1_1to12_28":  l(1, 12, 28, 2, false),
		"disc2_12to24_14": l(12, 24, 14, 2, false),
		"disc3_24to48_7":  l(24, 48, 7, 2, false),
		"disc4_48to1_4":   l(48, 1, 4, 1, false),
	}
}

// conv2dGPUCases are the shapes the GPU bindings are tested on: awkward small ones
// (batch 1 and 3, 13 channels, 5x7 images, kernel 5 stride 2 with padding 0 and
// 2, non-square kernels and strides, 1x1 spatial, strides larger than the kernel,
// channel counts that are not multiples of the tiles) and the OCGAN layers at batch 2.
func conv2dGPUCases() map[string]kernels.Conv2DParams {
	cases := map[string]kernels.Conv2DParams{
		"b1_1ch_5x7_k3p1_bias":  {N: 1, C: 1, H: 5, W: 7, K: 1, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, Bias: true},
		"b3_13ch_5x7_k5s2p0":    {N: 3, C: 13, H: 5, W: 7, K: 13, KH: 5, KW: 5, StrideH: 2, StrideW: 2},
		"b3_13ch_5x7_k5s2p2":    {N: 3, C: 13, H: 5, W: 7, K: 17, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true},
		"b1_13to67_7x5_k5s2p2":  {N: 1, C: 13, H: 7, W: 5, K: 67, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2},
		"b2_k3x2_s2x1_p1x0":     {N: 2, C: 5, H: 9, W: 6, K: 11, KH: 3, KW: 2, StrideH: 2, StrideW: 1, PadH: 1, PadW: 0, Bias: true},
		"b3_1x1_spatial_k1":     {N: 3, C: 7, H: 1, W: 1, K: 9, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Bias: true},
		"b2_1x1_spatial_k3p1":   {N: 2, C: 6, H: 1, W: 1, K: 5, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1},
		"b2_stride3_gt_kernel2": {N: 2, C: 3, H: 8, W: 7, K: 5, KH: 2, KW: 2, StrideH: 3, StrideW: 3},
		"b1_k1x4_s1x3_p0x2":     {N: 1, C: 9, H: 3, W: 11, K: 70, KH: 1, KW: 4, StrideH: 1, StrideW: 3, PadH: 0, PadW: 2},
		"b3_33to130_6x6_k5s2p2": {N: 3, C: 33, H: 6, W: 6, K: 130, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2},
	}
	for name, p := range ocganConvs(2) {
		cases["ocgan_"+name] = p
	}
	return cases
}

func TestConv2DMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	for name, p := range conv2dGPUCases() {
		t.Run(name, func(t *testing.T) { checkConv2D(t, ctx, lib, name, p) })
	}
}

// TestConvGPUTilesMatchReference runs the tiles chosen for GPUs (every lane
// loads its own operands; solo lanes for one output channel) on this device, so
// that their code paths are tested where no GPU is at hand.
func TestConvGPUTilesMatchReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	convTuneHook = func(dir convDir, g convGeom, _ convTune) convTune {
		return convTuneForDevice(false, false, dir, g)
	}
	defer func() { convTuneHook = nil }()
	convs := conv2dGPUCases()
	for _, name := range []string{"b3_13ch_5x7_k5s2p2", "b3_33to130_6x6_k5s2p2", "b2_k3x2_s2x1_p1x0", "ocgan_disc4_48to1_4"} {
		t.Run("conv2d_"+name, func(t *testing.T) { checkConv2D(t, ctx, lib, name, convs[name]) })
	}
	deconvs := convT2dGPUCases()
	for _, name := range []string{"b3_13ch_5x7_k5s2p2op1", "b2_k3x2_s2x3_op1x2", "b3_70to33_3x3_k5s2p1", "ocgan_dec4_64to1_14"} {
		t.Run("conv_transpose2d_"+name, func(t *testing.T) { checkConvTranspose2D(t, ctx, lib, name, deconvs[name]) })
	}
}

// checkConv2D runs every conv2d method on random data and compares it with the reference.
func checkConv2D(t *testing.T, ctx *vk.Context, lib *Library, name string, p kernels.Conv2DParams) {
	t.Helper()
	if p.N == 0 {
		t.Fatalf("no case %q", name)
	}
	o := p.OutputShape()
	nb := 0
	if p.Bias {
		nb = p.K
	}
	conv2DOp.check(t, ctx, lib, p, p.N*p.C*p.H*p.W, p.K*p.C*p.KH*p.KW, o[0]*o[1]*o[2]*o[3], nb, int64(len(name)*7919+p.C*31+p.K))
}

// TestConv2DInOneSequence records all directions into one sequence, so the
// bindings' access flags must make the sequence insert the right barriers.
func TestConv2DInOneSequence(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	p := kernels.Conv2DParams{N: 2, C: 13, H: 9, W: 7, K: 19, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}
	rng := rand.New(rand.NewSource(3))
	o := p.OutputShape()
	x, w, b := kerneltest.RandVec(rng, p.N*p.C*p.H*p.W), kerneltest.RandVec(rng, p.K*p.C*p.KH*p.KW), kerneltest.RandVec(rng, p.K)
	xb, wb, bb := upload(t, ctx, x), upload(t, ctx, w), upload(t, ctx, b)
	y := upload(t, ctx, kerneltest.Poisoned(o[0]*o[1]*o[2]*o[3]))
	dx := upload(t, ctx, kerneltest.Poisoned(len(x)))
	dw := upload(t, ctx, kerneltest.Poisoned(len(w)))
	db := upload(t, ctx, kerneltest.Poisoned(p.K))
	// y is used as the output gradient: each backward reads what the forward wrote.
	runOne(t, ctx, func(s *vk.Sequence) error {
		return convFirstErr(lib.Conv2DForward(s, p, xb, wb, bb, y),
			lib.Conv2DBackwardInput(s, p, wb, y, dx),
			lib.Conv2DBackwardWeight(s, p, xb, y, dw),
			lib.Conv2DBackwardBias(s, p, y, db))
	})
	yv, _ := kernels.Conv2DForward(p, x, w, b)
	expectClose(t, "forward", y, yv)
	want, _ := kernels.Conv2DBackwardInput(p, w, yv)
	expectClose(t, "backward input", dx, want)
	want, _ = kernels.Conv2DBackwardWeight(p, x, yv)
	expectClose(t, "backward weight", dw, want)
	want, _ = kernels.Conv2DBackwardBias(p, yv)
	expectClose(t, "backward bias", db, want)
}

func TestConv2DRejectsBadArguments(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	seq := newSequence(t, ctx)
	p := kernels.Conv2DParams{N: 2, C: 3, H: 6, W: 5, K: 4, KH: 3, KW: 3, StrideH: 2, StrideW: 1, PadH: 1, PadW: 1, Bias: true}
	o := p.OutputShape()
	buf := func(n int) *vk.Buffer { return upload(t, ctx, make([]float32, n)) }
	nx, nw, ny := p.N*p.C*p.H*p.W, p.K*p.C*p.KH*p.KW, o[0]*o[1]*o[2]*o[3]
	x, w, b, y := buf(nx), buf(nw), buf(p.K), buf(ny)
	bad := buf(nx + 1)
	noBias := p
	noBias.Bias = false
	badP := p
	badP.StrideW = 0
	cases := []struct {
		name, want string
		err        error
	}{
		{"fwd input", "input", lib.Conv2DForward(seq, p, bad, w, b, y)},
		{"fwd weight", "weight", lib.Conv2DForward(seq, p, x, bad, b, y)},
		{"fwd bias", "bias", lib.Conv2DForward(seq, p, x, w, bad, y)},
		{"fwd nil bias", "bias", lib.Conv2DForward(seq, p, x, w, nil, y)},
		{"fwd output", "output", lib.Conv2DForward(seq, p, x, w, b, bad)},
		{"fwd params", "StrideW", lib.Conv2DForward(seq, badP, x, w, b, y)},
		{"bwd input weight", "weight", lib.Conv2DBackwardInput(seq, p, bad, y, x)},
		{"bwd input dy", "grad output", lib.Conv2DBackwardInput(seq, p, w, bad, x)},
		{"bwd input dx", "grad input", lib.Conv2DBackwardInput(seq, p, w, y, bad)},
		{"bwd input nil dx", "grad input", lib.Conv2DBackwardInput(seq, p, w, y, nil)},
		{"bwd input params", "StrideW", lib.Conv2DBackwardInput(seq, badP, w, y, x)},
		{"bwd weight x", "input", lib.Conv2DBackwardWeight(seq, p, bad, y, w)},
		{"bwd weight dy", "grad output", lib.Conv2DBackwardWeight(seq, p, x, bad, w)},
		{"bwd weight dw", "grad weight", lib.Conv2DBackwardWeight(seq, p, x, y, bad)},
		{"bwd weight params", "StrideW", lib.Conv2DBackwardWeight(seq, badP, x, y, w)},
		{"bwd bias dy", "grad output", lib.Conv2DBackwardBias(seq, p, bad, b)},
		{"bwd bias db", "grad bias", lib.Conv2DBackwardBias(seq, p, y, bad)},
		{"bwd bias without bias", "Bias is false", lib.Conv2DBackwardBias(seq, noBias, y, b)},
		{"bwd bias params", "StrideW", lib.Conv2DBackwardBias(seq, badP, y, b)},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		} else if !strings.Contains(c.err.Error(), c.want) || !strings.HasPrefix(c.err.Error(), "conv2d") {
			t.Errorf("%s: error %q does not name the op and %q", c.name, c.err, c.want)
		}
	}
	// Without bias, the bias argument may be nil.
	if err := lib.Conv2DForward(seq, noBias, x, w, nil, y); err != nil {
		t.Errorf("forward without bias: %v", err)
	}
	if n := seq.Stats().Dispatches; n != 1 {
		t.Errorf("%d dispatches recorded, want only the valid one", n)
	}
}

// TestConvErrorMessages pins the full wording of the conv entry points'
// errors, which name the layer, the direction, the buffer and its shape.
func TestConvErrorMessages(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	seq := newSequence(t, ctx)
	buf := func(n int) *vk.Buffer { return upload(t, ctx, make([]float32, n)) }
	p := kernels.Conv2DParams{N: 2, C: 3, H: 6, W: 5, K: 4, KH: 3, KW: 3, StrideH: 2, StrideW: 1, PadH: 1, PadW: 1, Bias: true}
	tp := kernels.ConvTranspose2DParams{N: 2, C: 3, H: 4, W: 5, K: 4, KH: 3, KW: 3, StrideH: 2, StrideW: 1, PadH: 1, PadW: 1, OutPadH: 1, Bias: true}
	o, to := p.OutputShape(), tp.OutputShape()
	x, w, b, y := buf(2*3*6*5), buf(4*3*3*3), buf(4), buf(o[0]*o[1]*o[2]*o[3])
	tx, tw, ty := buf(2*3*4*5), buf(3*4*3*3), buf(to[0]*to[1]*to[2]*to[3])
	bad := buf(7)
	noBias, tNoBias := p, tp
	noBias.Bias, tNoBias.Bias = false, false
	badP := p
	badP.StrideW = 0
	cases := []struct {
		err   error
		want  string
		shape bool
	}{
		{lib.Conv2DForward(seq, p, x, w, b, bad), "conv2d forward: output has 7 elements, want 120 (N*K*OH*OW = 2*4*3*5)", true},
		{lib.Conv2DForward(seq, p, x, w, nil, y), "conv2d forward: bias buffer is nil", false},
		{lib.Conv2DBackwardInput(seq, p, w, y, bad), "conv2d backward input: grad input has 7 elements, want 180 (N*C*H*W = 2*3*6*5)", true},
		{lib.Conv2DBackwardWeight(seq, p, x, y, bad), "conv2d backward weight: grad weight has 7 elements, want 108 (K*C*KH*KW = 4*3*3*3)", true},
		{lib.Conv2DBackwardBias(seq, p, y, bad), "conv2d backward bias: grad bias has 7 elements, want 4 (K = 4)", true},
		{lib.Conv2DBackwardBias(seq, noBias, y, b), "conv2d backward bias: bias gradient requested but Bias is false", false},
		{lib.Conv2DForward(seq, badP, x, w, b, y), badP.Validate().Error(), false},
		{lib.ConvTranspose2DForward(seq, tp, tx, bad, b, ty), "conv_transpose2d forward: weight has 7 elements, want 108 (C*K*KH*KW = 3*4*3*3)", true},
		{lib.ConvTranspose2DBackwardInput(seq, tp, tw, bad, tx), "conv_transpose2d backward input: grad output has 7 elements, want 320 (N*K*OH*OW = 2*4*8*5)", true},
		{lib.ConvTranspose2DBackwardWeight(seq, tp, tx, ty, nil), "conv_transpose2d backward weight: grad weight buffer is nil", false},
		{lib.ConvTranspose2DBackwardBias(seq, tNoBias, ty, b), "conv_transpose2d backward bias: bias gradient requested but Bias is false", false},
	}
	for i, c := range cases {
		if c.err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		var se *kernels.ShapeError
		if got := errors.As(c.err, &se); got != c.shape {
			t.Errorf("case %d: %q is a ShapeError: %v, want %v", i, c.err, got, c.shape)
		}
		if c.err.Error() != c.want {
			t.Errorf("case %d: error %q, want %q", i, c.err, c.want)
		}
	}
}
