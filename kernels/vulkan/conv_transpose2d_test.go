package vulkan

import (
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// ocganDeconvs are the exact transposed-conv layers of OCGAN's decoder, all 5x5
// stride 2, at batch n.
func ocganDeconvs(n int) map[string]kernels.ConvTranspose2DParams {
	l := func(c, k, h, pad, outPad int, bias bool) kernels.ConvTranspose2DParams {
		return kernels.ConvTranspose2DParams{N: n, C: c, H: h, W: h, K: k, KH: 5, KW: 5, StrideH: 2, StrideW: 2,
			PadH: pad, PadW: pad, OutPadH: outPad, OutPadW: outPad, Bias: bias}
	}
	return map[string]kernels.ConvTranspose2DParams{
		"dec1_16to256_1":  l(16, 256, 1, 1, 1, false),
		"dec2_256to128_4": l(256, 128, 4, 2, 0, false),
		"dec3_128to64_7":  l(128, 64, 7, 2, 1, false),
		"dec4_64to1_14":   l(64, 1, 14, 2, 1, true),
	}
}

// convT2dGPUCases are the shapes the transposed-conv GPU bindings are tested on,
// as conv2dGPUCases, with output padding, plus the OCGAN decoder at batch 2.
func convT2dGPUCases() map[string]kernels.ConvTranspose2DParams {
	cases := map[string]kernels.ConvTranspose2DParams{
		"b1_1x1_everything":     {N: 1, C: 1, H: 1, W: 1, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Bias: true},
		"b3_13ch_5x7_k5s2p2op1": {N: 3, C: 13, H: 5, W: 7, K: 11, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, OutPadH: 1, OutPadW: 1, Bias: true},
		"b3_13ch_5x7_k5s2p0":    {N: 3, C: 13, H: 5, W: 7, K: 9, KH: 5, KW: 5, StrideH: 2, StrideW: 2},
		"b1_13to67_5x7_k5s2p2":  {N: 1, C: 13, H: 5, W: 7, K: 67, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2},
		"b2_k3x2_s2x3_op1x2":    {N: 2, C: 5, H: 4, W: 6, K: 7, KH: 3, KW: 2, StrideH: 2, StrideW: 3, PadH: 1, PadW: 0, OutPadH: 1, OutPadW: 2},
		"b3_1x1_spatial_k3":     {N: 3, C: 6, H: 1, W: 1, K: 10, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, Bias: true},
		"b2_stride3_gt_kernel2": {N: 2, C: 3, H: 3, W: 4, K: 5, KH: 2, KW: 2, StrideH: 3, StrideW: 3, OutPadH: 2},
		"b3_70to33_3x3_k5s2p1":  {N: 3, C: 70, H: 3, W: 3, K: 33, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, OutPadH: 1},
	}
	for name, p := range ocganDeconvs(2) {
		cases["ocgan_"+name] = p
	}
	return cases
}

func TestConvTranspose2DMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	for name, p := range convT2dGPUCases() {
		t.Run(name, func(t *testing.T) { checkConvTranspose2D(t, ctx, lib, name, p) })
	}
}

// checkConvTranspose2D runs every conv_transpose2d method on random data and
// compares it with the reference.
func checkConvTranspose2D(t *testing.T, ctx *vk.Context, lib *Library, name string, p kernels.ConvTranspose2DParams) {
	t.Helper()
	if p.N == 0 {
		t.Fatalf("no case %q", name)
	}
	o := p.OutputShape()
	nb := 0
	if p.Bias {
		nb = p.K
	}
	convT2DOp.check(t, ctx, lib, p, p.N*p.C*p.H*p.W, p.C*p.K*p.KH*p.KW, o[0]*o[1]*o[2]*o[3], nb, int64(len(name)*104729+p.C*17+p.K))
}

func TestConvTranspose2DRejectsBadArguments(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	seq := newSequence(t, ctx)
	p := kernels.ConvTranspose2DParams{N: 2, C: 3, H: 4, W: 5, K: 4, KH: 3, KW: 3, StrideH: 2, StrideW: 1, PadH: 1, PadW: 1, OutPadH: 1, Bias: true}
	o := p.OutputShape()
	buf := func(n int) *vk.Buffer { return upload(t, ctx, make([]float32, n)) }
	nx, nw, ny := p.N*p.C*p.H*p.W, p.C*p.K*p.KH*p.KW, o[0]*o[1]*o[2]*o[3]
	x, w, b, y := buf(nx), buf(nw), buf(p.K), buf(ny)
	bad := buf(ny + 1)
	noBias := p
	noBias.Bias = false
	badP := p
	badP.OutPadH = 2
	cases := []struct {
		name, want string
		err        error
	}{
		{"fwd input", "input", lib.ConvTranspose2DForward(seq, p, bad, w, b, y)},
		{"fwd weight", "weight", lib.ConvTranspose2DForward(seq, p, x, bad, b, y)},
		{"fwd bias", "bias", lib.ConvTranspose2DForward(seq, p, x, w, bad, y)},
		{"fwd nil bias", "bias", lib.ConvTranspose2DForward(seq, p, x, w, nil, y)},
		{"fwd output", "output", lib.ConvTranspose2DForward(seq, p, x, w, b, bad)},
		{"fwd params", "OutPadH", lib.ConvTranspose2DForward(seq, badP, x, w, b, y)},
		{"bwd input weight", "weight", lib.ConvTranspose2DBackwardInput(seq, p, bad, y, x)},
		{"bwd input dy", "grad output", lib.ConvTranspose2DBackwardInput(seq, p, w, bad, x)},
		{"bwd input dx", "grad input", lib.ConvTranspose2DBackwardInput(seq, p, w, y, bad)},
		{"bwd input params", "OutPadH", lib.ConvTranspose2DBackwardInput(seq, badP, w, y, x)},
		{"bwd weight x", "input", lib.ConvTranspose2DBackwardWeight(seq, p, bad, y, w)},
		{"bwd weight dy", "grad output", lib.ConvTranspose2DBackwardWeight(seq, p, x, bad, w)},
		{"bwd weight dw", "grad weight", lib.ConvTranspose2DBackwardWeight(seq, p, x, y, bad)},
		{"bwd weight nil dw", "grad weight", lib.ConvTranspose2DBackwardWeight(seq, p, x, y, nil)},
		{"bwd weight params", "OutPadH", lib.ConvTranspose2DBackwardWeight(seq, badP, x, y, w)},
		{"bwd bias dy", "grad output", lib.ConvTranspose2DBackwardBias(seq, p, bad, b)},
		{"bwd bias db", "grad bias", lib.ConvTranspose2DBackwardBias(seq, p, y, bad)},
		{"bwd bias without bias", "Bias is false", lib.ConvTranspose2DBackwardBias(seq, noBias, y, b)},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		} else if !strings.Contains(c.err.Error(), c.want) || !strings.HasPrefix(c.err.Error(), "conv_transpose2d") {
			t.Errorf("%s: error %q does not name the op and %q", c.name, c.err, c.want)
		}
	}
	if err := lib.ConvTranspose2DForward(seq, noBias, x, w, nil, y); err != nil {
		t.Errorf("forward without bias: %v", err)
	}
	if n := seq.Stats().Dispatches; n != 1 {
		t.Errorf("%d dispatches recorded, want only the valid one", n)
	}
}
