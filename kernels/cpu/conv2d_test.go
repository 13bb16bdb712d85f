package cpu

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
)

// conv2dTestCases are awkward shapes (odd C, K and N, 1 channel, batch 1,
// strides 1 to 3, paddings 0 to 2, non-square kernels and strides, strides
// larger than the kernel, 1×1 outputs, some run as dense layers: see
// conv2dAsDense) and the OCGAN 28×28 layers at batch 2 (and enc4 at 11, where
// it runs as a dense layer).
var conv2dTestCases = []struct {
	name string
	p    kernels.Conv2DParams
}{
	{"1x1_everything", kernels.Conv2DParams{N: 1, C: 1, H: 1, W: 1, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Bias: true}},
	{"n3_c13_5x7_k5s2p2", kernels.Conv2DParams{N: 3, C: 13, H: 5, W: 7, K: 4, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}},
	{"n3_c13_5x7_k5s2p0_nobias", kernels.Conv2DParams{N: 3, C: 13, H: 5, W: 7, K: 3, KH: 5, KW: 5, StrideH: 2, StrideW: 2}},
	{"n1_1x1spatial_k5s2p2", kernels.Conv2DParams{N: 1, C: 13, H: 1, W: 1, K: 3, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}},
	{"nonsquare_k2x4_s1x3_p1x0", kernels.Conv2DParams{N: 2, C: 3, H: 6, W: 9, K: 5, KH: 2, KW: 4, StrideH: 1, StrideW: 3, PadH: 1, PadW: 0, Bias: true}},
	{"stride_gt_kernel_k2x1_s3x2", kernels.Conv2DParams{N: 2, C: 2, H: 7, W: 5, K: 3, KH: 2, KW: 1, StrideH: 3, StrideW: 2}},
	{"c1_n5_k3s1p1", kernels.Conv2DParams{N: 5, C: 1, H: 9, W: 11, K: 7, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, Bias: true}},
	{"n1_c7_k3x5_s3x1_p2x1", kernels.Conv2DParams{N: 1, C: 7, H: 13, W: 10, K: 9, KH: 3, KW: 5, StrideH: 3, StrideW: 1, PadH: 2, PadW: 1, Bias: true}},
	{"k1_1x1conv_n3", kernels.Conv2DParams{N: 3, C: 5, H: 4, W: 3, K: 7, KH: 1, KW: 1, StrideH: 1, StrideW: 1}},
	{"pad_ge_kernel_k2s2p2", kernels.Conv2DParams{N: 2, C: 3, H: 3, W: 4, K: 2, KH: 2, KW: 3, StrideH: 2, StrideW: 3, PadH: 2, PadW: 2, Bias: true}},
	{"out1x1_partial_k3s3_n6", kernels.Conv2DParams{N: 6, C: 3, H: 5, W: 5, K: 2, KH: 3, KW: 3, StrideH: 3, StrideW: 3, Bias: true}},
	{"out1x1_only_padding_k1s3p1", kernels.Conv2DParams{N: 3, C: 2, H: 1, W: 1, K: 2, KH: 1, KW: 1, StrideH: 3, StrideW: 3, PadH: 1, PadW: 1, Bias: true}},
	{"n3_c33_15x15_k3s1p1_k70", kernels.Conv2DParams{N: 3, C: 33, H: 15, W: 15, K: 70, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, Bias: true}},
	{"enc1_1to64_28to14_n2", kernels.Conv2DParams{N: 2, C: 1, H: 28, W: 28, K: 64, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}},
	{"enc2_64to128_14to7_n2", kernels.Conv2DParams{N: 2, C: 64, H: 14, W: 14, K: 128, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2}},
	{"enc3_128to256_7to4_n2", kernels.Conv2DParams{N: 2, C: 128, H: 7, W: 7, K: 256, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2}},
	{"enc4_256to16_4to1_n2", kernels.Conv2DParams{N: 2, C: 256, H: 4, W: 4, K: 16, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
	{"enc4_256to16_4to1_n11", kernels.Conv2DParams{N: 11, C: 256, H: 4, W: 4, K: 16, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
	{"dv4_48to1_4to1_n2", kernels.Conv2DParams{N: 2, C: 48, H: 4, W: 4, K: 1, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, Bias: true}},
}

func TestConv2DAsDenseCases(t *testing.T) {
	// The table must exercise both methods of 1×1-output convolutions.
	var dense, cols int
	for _, c := range conv2dTestCases {
		if o := c.p.OutputShape(); o[2] == 1 && o[3] == 1 {
			if conv2dAsDense(c.p) {
				dense++
			} else {
				cols++
			}
		}
	}
	if dense < 3 || cols < 1 {
		t.Errorf("1x1-output cases: %d dense, %d im2col; want >= 3 and >= 1", dense, cols)
	}
}

func TestConv2DPerImageCases(t *testing.T) {
	// The table must have batches over one run both ways: one SGEMM per
	// image and one over the batch.
	var split, whole int
	for _, c := range conv2dTestCases {
		p := c.p
		if o := p.OutputShape(); p.N > 1 && !conv2dAsDense(p) {
			if perImage(p.N, 2*float64(p.K*o[2]*o[3]*p.C*p.KH*p.KW)) {
				split++
			} else {
				whole++
			}
		}
	}
	if split < 3 || whole < 3 {
		t.Errorf("batches over one: %d per image, %d whole; want >= 3 of each", split, whole)
	}
}

func TestConv2D(t *testing.T) {
	devs := openGemmDevices(t)
	for i, c := range conv2dTestCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			o := p.OutputShape()
			nb := 0
			if p.Bias {
				nb = p.K
			}
			conv2DOp.check(t, devs, p, p.N*p.C*p.H*p.W, p.K*p.C*p.KH*p.KW, o[0]*o[1]*o[2]*o[3], nb, int64(100+i))
		})
	}
}

func TestConv2DErrors(t *testing.T) {
	d := openGemmDevices(t)[0]
	p := kernels.Conv2DParams{N: 2, C: 3, H: 5, W: 5, K: 4, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, Bias: true}
	x, w, b, y := make([]float32, 2*3*5*5), make([]float32, 4*3*3*3), make([]float32, 4), make([]float32, 2*4*3*3)
	short := func(v []float32) []float32 { return v[:len(v)-1] }
	bad := p
	bad.StrideW = 0
	nb := p
	nb.Bias = false
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"forward params", d.Conv2DForward(bad, x, w, b, y), "conv2d: StrideW must be >= 1, got 0"},
		{"forward input", d.Conv2DForward(p, short(x), w, b, y), "conv2d: input has 149 elements, want 150 (N*C*H*W = 2*3*5*5)"},
		{"forward weight", d.Conv2DForward(p, x, short(w), b, y), "conv2d: weight has 107 elements, want 108 (K*C*KH*KW = 4*3*3*3)"},
		{"forward bias", d.Conv2DForward(p, x, w, short(b), y), "conv2d: bias has 3 elements, want 4 (K = 4)"},
		{"forward bias without Bias", d.Conv2DForward(nb, x, w, b, y), "conv2d: bias has 4 elements but Bias is false"},
		{"forward output", d.Conv2DForward(p, x, w, b, short(y)), "conv2d: output has 71 elements, want 72 (N*K*OH*OW = 2*4*3*3)"},
		{"grad input params", d.Conv2DBackwardInput(bad, w, y, x), "conv2d: StrideW"},
		{"grad input weight", d.Conv2DBackwardInput(p, short(w), y, x), "conv2d: weight has 107"},
		{"grad input dy", d.Conv2DBackwardInput(p, w, short(y), x), "conv2d: grad output has 71"},
		{"grad input dx", d.Conv2DBackwardInput(p, w, y, short(x)), "conv2d: grad input has 149"},
		{"grad weight params", d.Conv2DBackwardWeight(bad, x, y, w), "conv2d: StrideW"},
		{"grad weight x", d.Conv2DBackwardWeight(p, short(x), y, w), "conv2d: input has 149"},
		{"grad weight dy", d.Conv2DBackwardWeight(p, x, short(y), w), "conv2d: grad output has 71"},
		{"grad weight dw", d.Conv2DBackwardWeight(p, x, y, short(w)), "conv2d: grad weight has 107"},
		{"grad bias params", d.Conv2DBackwardBias(bad, y, b), "conv2d: StrideW"},
		{"grad bias without Bias", d.Conv2DBackwardBias(nb, y, b), "conv2d: bias gradient requested but Bias is false"},
		{"grad bias dy", d.Conv2DBackwardBias(p, short(y), b), "conv2d: grad output has 71"},
		{"grad bias db", d.Conv2DBackwardBias(p, y, short(b)), "conv2d: grad bias has 3 elements, want 4 (K = 4)"},
	} {
		expectErr(t, tc.name, tc.err, tc.want)
	}
}
