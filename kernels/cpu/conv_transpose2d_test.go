package cpu

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
)

// convT2DTestCases are awkward shapes (odd C, K and N, 1 channel, batch 1,
// strides 1 to 3, paddings 0 to 2, output paddings, non-square kernels and
// strides, strides larger than the kernel, 1×1 inputs, some run as dense
// layers: see convTranspose2dAsDense) and the OCGAN 28×28 decoder layers at
// batch 2 (and dec1 at 11, where it runs as a dense layer).
var convT2DTestCases = []struct {
	name string
	p    kernels.ConvTranspose2DParams
}{
	{"1x1_everything", kernels.ConvTranspose2DParams{N: 1, C: 1, H: 1, W: 1, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Bias: true}},
	{"n3_c13_5x7_k5s2p2_op1", kernels.ConvTranspose2DParams{N: 3, C: 13, H: 5, W: 7, K: 4, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, OutPadH: 1, OutPadW: 1, Bias: true}},
	{"n1_1x1spatial_k5s2p1_op1", kernels.ConvTranspose2DParams{N: 1, C: 3, H: 1, W: 1, K: 13, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, OutPadH: 1, OutPadW: 1, Bias: true}},
	{"nonsquare_k3x2_s2x3_p1x0_op1x2", kernels.ConvTranspose2DParams{N: 2, C: 4, H: 3, W: 4, K: 5, KH: 3, KW: 2, StrideH: 2, StrideW: 3, PadH: 1, PadW: 0, OutPadH: 1, OutPadW: 2, Bias: true}},
	{"stride1_k3p1_nobias", kernels.ConvTranspose2DParams{N: 3, C: 2, H: 5, W: 7, K: 3, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}},
	{"n2_c13_k5s2p0", kernels.ConvTranspose2DParams{N: 2, C: 13, H: 2, W: 3, K: 2, KH: 5, KW: 5, StrideH: 2, StrideW: 2, Bias: true}},
	{"stride_gt_kernel_k2x1_s3x2", kernels.ConvTranspose2DParams{N: 2, C: 3, H: 3, W: 4, K: 2, KH: 2, KW: 1, StrideH: 3, StrideW: 2, OutPadH: 2, OutPadW: 1}},
	{"c1_n5_k3s3p2_op2", kernels.ConvTranspose2DParams{N: 5, C: 1, H: 4, W: 6, K: 7, KH: 3, KW: 4, StrideH: 3, StrideW: 3, PadH: 2, PadW: 1, OutPadH: 2, OutPadW: 0, Bias: true}},
	{"n1_c9_k1_1to1", kernels.ConvTranspose2DParams{N: 1, C: 9, H: 3, W: 5, K: 11, KH: 1, KW: 1, StrideH: 1, StrideW: 1}},
	{"in1x1_k5p2_out1x1", kernels.ConvTranspose2DParams{N: 1, C: 2, H: 1, W: 1, K: 3, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}},
	{"in1x1_k3x4_p0x1_op1_n7", kernels.ConvTranspose2DParams{N: 7, C: 5, H: 1, W: 1, K: 3, KH: 3, KW: 4, StrideH: 2, StrideW: 3, PadH: 0, PadW: 1, OutPadH: 1, OutPadW: 2, Bias: true}},
	{"dec1_16to256_1to4_n11", kernels.ConvTranspose2DParams{N: 11, C: 16, H: 1, W: 1, K: 256, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, OutPadH: 1, OutPadW: 1}},
	{"dec1_16to256_1to4_n2", kernels.ConvTranspose2DParams{N: 2, C: 16, H: 1, W: 1, K: 256, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, OutPadH: 1, OutPadW: 1}},
	{"dec2_256to128_4to7_n2", kernels.ConvTranspose2DParams{N: 2, C: 256, H: 4, W: 4, K: 128, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2}},
	{"dec3_128to64_7to14_n2", kernels.ConvTranspose2DParams{N: 2, C: 128, H: 7, W: 7, K: 64, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, OutPadH: 1, OutPadW: 1}},
	{"dec3_128to64_7to14_n1", kernels.ConvTranspose2DParams{N: 1, C: 128, H: 7, W: 7, K: 64, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, OutPadH: 1, OutPadW: 1, Bias: true}},
	{"dec4_64to1_14to28_n2", kernels.ConvTranspose2DParams{N: 2, C: 64, H: 14, W: 14, K: 1, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, OutPadH: 1, OutPadW: 1, Bias: true}},
}

func TestConvTranspose2DAsDenseCases(t *testing.T) {
	// The table must exercise both methods of 1×1-input convolutions.
	var dense, cols int
	for _, c := range convT2DTestCases {
		if c.p.H == 1 && c.p.W == 1 {
			if convTranspose2dAsDense(c.p) {
				dense++
			} else {
				cols++
			}
		}
	}
	if dense < 3 || cols < 1 {
		t.Errorf("1x1-input cases: %d dense, %d im2col; want >= 3 and >= 1", dense, cols)
	}
}

func TestConvTranspose2DPerImageCases(t *testing.T) {
	// The table must have batches over one run both ways: one SGEMM per
	// image and one over the batch.
	var split, whole int
	for _, c := range convT2DTestCases {
		p := c.p
		if p.N > 1 && !convTranspose2dAsDense(p) {
			if perImage(p.N, 2*float64(p.K*p.KH*p.KW*p.H*p.W*p.C)) {
				split++
			} else {
				whole++
			}
		}
	}
	if split < 3 || whole < 2 {
		t.Errorf("batches over one: %d per image, %d whole; want >= 3 and >= 2", split, whole)
	}
}

func TestConvTranspose2D(t *testing.T) {
	devs := openGemmDevices(t)
	for i, c := range convT2DTestCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			o := p.OutputShape()
			nb := 0
			if p.Bias {
				nb = p.K
			}
			convT2DOp.check(t, devs, p, p.N*p.C*p.H*p.W, p.C*p.K*p.KH*p.KW, o[0]*o[1]*o[2]*o[3], nb, int64(200+i))
		})
	}
}

func TestConvTranspose2DErrors(t *testing.T) {
	d := openGemmDevices(t)[0]
	// Output 2*2-2*1+3+1 = 6.
	p := kernels.ConvTranspose2DParams{N: 2, C: 3, H: 3, W: 3, K: 4, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, OutPadH: 1, OutPadW: 1, Bias: true}
	x, w, b, y := make([]float32, 2*3*3*3), make([]float32, 3*4*3*3), make([]float32, 4), make([]float32, 2*4*6*6)
	short := func(v []float32) []float32 { return v[:len(v)-1] }
	bad := p
	bad.OutPadH = 2
	nb := p
	nb.Bias = false
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"forward params", d.ConvTranspose2DForward(bad, x, w, b, y), "conv_transpose2d: OutPadH=2 must be smaller than StrideH=2"},
		{"forward input", d.ConvTranspose2DForward(p, short(x), w, b, y), "conv_transpose2d: input has 53 elements, want 54 (N*C*H*W = 2*3*3*3)"},
		{"forward weight", d.ConvTranspose2DForward(p, x, short(w), b, y), "conv_transpose2d: weight has 107 elements, want 108 (C*K*KH*KW = 3*4*3*3)"},
		{"forward bias", d.ConvTranspose2DForward(p, x, w, short(b), y), "conv_transpose2d: bias has 3 elements, want 4 (K = 4)"},
		{"forward bias without Bias", d.ConvTranspose2DForward(nb, x, w, b, y), "conv_transpose2d: bias has 4 elements but Bias is false"},
		{"forward output", d.ConvTranspose2DForward(p, x, w, b, short(y)), "conv_transpose2d: output has 287 elements, want 288 (N*K*OH*OW = 2*4*6*6)"},
		{"grad input params", d.ConvTranspose2DBackwardInput(bad, w, y, x), "conv_transpose2d: OutPadH"},
		{"grad input weight", d.ConvTranspose2DBackwardInput(p, short(w), y, x), "conv_transpose2d: weight has 107"},
		{"grad input dy", d.ConvTranspose2DBackwardInput(p, w, short(y), x), "conv_transpose2d: grad output has 287"},
		{"grad input dx", d.ConvTranspose2DBackwardInput(p, w, y, short(x)), "conv_transpose2d: grad input has 53"},
		{"grad weight params", d.ConvTranspose2DBackwardWeight(bad, x, y, w), "conv_transpose2d: OutPadH"},
		{"grad weight x", d.ConvTranspose2DBackwardWeight(p, short(x), y, w), "conv_transpose2d: input has 53"},
		{"grad weight dy", d.ConvTranspose2DBackwardWeight(p, x, short(y), w), "conv_transpose2d: grad output has 287"},
		{"grad weight dw", d.ConvTranspose2DBackwardWeight(p, x, y, short(w)), "conv_transpose2d: grad weight has 107"},
		{"grad bias params", d.ConvTranspose2DBackwardBias(bad, y, b), "conv_transpose2d: OutPadH"},
		{"grad bias without Bias", d.ConvTranspose2DBackwardBias(nb, y, b), "conv_transpose2d: bias gradient requested but Bias is false"},
		{"grad bias dy", d.ConvTranspose2DBackwardBias(p, short(y), b), "conv_transpose2d: grad output has 287"},
		{"grad bias db", d.ConvTranspose2DBackwardBias(p, y, short(b)), "conv_transpose2d: grad bias has 3 elements, want 4 (K = 4)"},
	} {
		expectErr(t, tc.name, tc.err, tc.want)
	}
}
