package cpu

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
)

// denseTestCases are awkward shapes and the OCGAN latent discriminator's
// layers (16→128→64→32→16→1) at batch 2.
var denseTestCases = []struct {
	name string
	p    kernels.DenseParams
}{
	{"1x1x1", kernels.DenseParams{N: 1, In: 1, Out: 1, Bias: true}},
	{"n3_in13_out5", kernels.DenseParams{N: 3, In: 13, Out: 5, Bias: true}},
	{"n2_in16_out7_nobias", kernels.DenseParams{N: 2, In: 16, Out: 7}},
	{"n1_in256_out16", kernels.DenseParams{N: 1, In: 256, Out: 16, Bias: true}},
	{"n37_in1_out9", kernels.DenseParams{N: 37, In: 1, Out: 9, Bias: true}},
	{"n65_in333_out1", kernels.DenseParams{N: 65, In: 333, Out: 1, Bias: true}},
	{"dl1_16to128_n2", kernels.DenseParams{N: 2, In: 16, Out: 128, Bias: true}},
	{"dl2_128to64_n2", kernels.DenseParams{N: 2, In: 128, Out: 64, Bias: true}},
	{"dl5_16to1_n2", kernels.DenseParams{N: 2, In: 16, Out: 1, Bias: true}},
}

func TestDense(t *testing.T) {
	devs := openGemmDevices(t)
	for i, c := range denseTestCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			nb := 0
			if p.Bias {
				nb = p.Out
			}
			denseOp.check(t, devs, p, p.N*p.In, p.Out*p.In, p.N*p.Out, nb, int64(300+i))
		})
	}
}

func TestDenseErrors(t *testing.T) {
	d := openGemmDevices(t)[0]
	p := kernels.DenseParams{N: 3, In: 5, Out: 4, Bias: true}
	x, w, b, y := make([]float32, 15), make([]float32, 20), make([]float32, 4), make([]float32, 12)
	short := func(v []float32) []float32 { return v[:len(v)-1] }
	bad := p
	bad.In = 0
	nb := p
	nb.Bias = false
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"forward params", d.DenseForward(bad, x, w, b, y), "dense: In must be >= 1, got 0"},
		{"forward input", d.DenseForward(p, short(x), w, b, y), "dense: input has 14 elements, want 15 (N*In = 3*5)"},
		{"forward weight", d.DenseForward(p, x, short(w), b, y), "dense: weight has 19 elements, want 20 (Out*In = 4*5)"},
		{"forward bias", d.DenseForward(p, x, w, short(b), y), "dense: bias has 3 elements, want 4 (Out = 4)"},
		{"forward bias without Bias", d.DenseForward(nb, x, w, b, y), "dense: bias has 4 elements but Bias is false"},
		{"forward output", d.DenseForward(p, x, w, b, short(y)), "dense: output has 11 elements, want 12 (N*Out = 3*4)"},
		{"grad input params", d.DenseBackwardInput(bad, w, y, x), "dense: In must be"},
		{"grad input weight", d.DenseBackwardInput(p, short(w), y, x), "dense: weight has 19"},
		{"grad input dy", d.DenseBackwardInput(p, w, short(y), x), "dense: grad output has 11"},
		{"grad input dx", d.DenseBackwardInput(p, w, y, short(x)), "dense: grad input has 14"},
		{"grad weight params", d.DenseBackwardWeight(bad, x, y, w), "dense: In must be"},
		{"grad weight x", d.DenseBackwardWeight(p, short(x), y, w), "dense: input has 14"},
		{"grad weight dy", d.DenseBackwardWeight(p, x, short(y), w), "dense: grad output has 11"},
		{"grad weight dw", d.DenseBackwardWeight(p, x, y, short(w)), "dense: grad weight has 19"},
		{"grad bias params", d.DenseBackwardBias(bad, y, b), "dense: In must be"},
		{"grad bias without Bias", d.DenseBackwardBias(nb, y, b), "dense: bias gradient requested but Bias is false"},
		{"grad bias dy", d.DenseBackwardBias(p, short(y), b), "dense: grad output has 11"},
		{"grad bias db", d.DenseBackwardBias(p, y, short(b)), "dense: grad bias has 3 elements, want 4 (Out = 4)"},
	} {
		expectErr(t, tc.name, tc.err, tc.want)
	}
}
