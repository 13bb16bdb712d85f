package kernels

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

var denseCases = []struct {
	name string
	p    DenseParams
}{
	{"1x1x1", DenseParams{N: 1, In: 1, Out: 1, Bias: true}},
	{"n3_in13_out5", DenseParams{N: 3, In: 13, Out: 5, Bias: true}},
	{"n2_in16_out7_nobias", DenseParams{N: 2, In: 16, Out: 7}},
	{"n1_in256_out16", DenseParams{N: 1, In: 256, Out: 16, Bias: true}},
}

type denseData struct{ x, w, b, dy []float32 }

func newDenseData(seed int64, p DenseParams) denseData {
	r := kerneltest.NewRand(seed)
	d := denseData{
		x:  randn(r, p.N*p.In, 0, 1),
		w:  randn(r, p.Out*p.In, 0, 1),
		dy: randn(r, p.N*p.Out, 0, 1),
	}
	if p.Bias {
		d.b = randn(r, p.Out, 0, 1)
	}
	return d
}

// A dense layer is a 1×1 convolution on a 1×1 image with C = In, K = Out and
// the same weight layout [Out, In]; all four references must agree with the
// conv2d ones (which are verified against im2col).
func TestDenseMatchesConv1x1(t *testing.T) {
	for i, c := range denseCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			d := newDenseData(int64(800+i), p)
			cp := Conv2DParams{N: p.N, C: p.In, H: 1, W: 1, K: p.Out, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Bias: p.Bias}

			y, err := DenseForward(p, d.x, d.w, d.b)
			mustNoErr(t, "forward", err)
			if got := p.OutputShape(); got != [2]int{p.N, p.Out} || len(y) != p.N*p.Out {
				t.Fatalf("output shape %v, %d elements", got, len(y))
			}
			cy, err := Conv2DForward(cp, d.x, d.w, d.b)
			mustNoErr(t, "conv forward", err)
			assertClose(t, "forward", y, widen(cy), exactRTol, exactATol)

			dx, err := DenseBackwardInput(p, d.w, d.dy)
			mustNoErr(t, "grad input", err)
			cdx, err := Conv2DBackwardInput(cp, d.w, d.dy)
			mustNoErr(t, "conv grad input", err)
			assertClose(t, "grad input", dx, widen(cdx), exactRTol, exactATol)

			dw, err := DenseBackwardWeight(p, d.x, d.dy)
			mustNoErr(t, "grad weight", err)
			cdw, err := Conv2DBackwardWeight(cp, d.x, d.dy)
			mustNoErr(t, "conv grad weight", err)
			assertClose(t, "grad weight", dw, widen(cdw), exactRTol, exactATol)

			if p.Bias {
				db, err := DenseBackwardBias(p, d.dy)
				mustNoErr(t, "grad bias", err)
				cdb, err := Conv2DBackwardBias(cp, d.dy)
				mustNoErr(t, "conv grad bias", err)
				assertClose(t, "grad bias", db, widen(cdb), exactRTol, exactATol)
			}
		})
	}
}

func TestDenseForwardDirect(t *testing.T) {
	// y = x·Wᵀ + b with x = [[1, 2]], W = [[3, 4], [5, 6], [7, 8]], b = [0.5, -1, 2].
	p := DenseParams{N: 1, In: 2, Out: 3, Bias: true}
	y, err := DenseForward(p, []float32{1, 2}, []float32{3, 4, 5, 6, 7, 8}, []float32{0.5, -1, 2})
	mustNoErr(t, "forward", err)
	kerneltest.BitEqual(t, "forward", y, []float32{11.5, 16, 25})
}

func TestDenseBackwardFiniteDifferences(t *testing.T) {
	for i, c := range denseCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			d := newDenseData(int64(900+i), p)
			r := kerneltest.NewRand(int64(950 + i))
			x, w, b := widen(d.x), widen(d.w), widen(d.b)
			if !p.Bias {
				b = nil
			}
			loss := func() float64 { return weightedSum(d.dy, denseForward(p, x, w, b)) }

			dx, err := DenseBackwardInput(p, d.w, d.dy)
			mustNoErr(t, "grad input", err)
			fdCheck(t, "grad input", x, dx, loss, r)

			dw, err := DenseBackwardWeight(p, d.x, d.dy)
			mustNoErr(t, "grad weight", err)
			fdCheck(t, "grad weight", w, dw, loss, r)

			if p.Bias {
				db, err := DenseBackwardBias(p, d.dy)
				mustNoErr(t, "grad bias", err)
				fdCheck(t, "grad bias", b, db, loss, r)
			}
		})
	}
}

func TestDenseValidation(t *testing.T) {
	good := DenseParams{N: 2, In: 3, Out: 4, Bias: true}
	d := newDenseData(1, good)
	noBias := good
	noBias.Bias = false
	cases := []struct {
		name  string
		call  func() error
		wants []string
	}{
		{"zero_N", func() error { return DenseParams{N: 0, In: 3, Out: 4}.Validate() }, []string{"dense: N must be >= 1, got 0"}},
		{"zero_In", func() error { _, err := DenseForward(DenseParams{N: 2, In: 0, Out: 4}, nil, nil, nil); return err }, []string{"dense: In must be >= 1"}},
		{"negative_Out", func() error { return DenseParams{N: 2, In: 3, Out: -4}.Validate() }, []string{"dense: Out must be >= 1, got -4"}},
		{"forward_bad_x", func() error { _, err := DenseForward(good, d.x[:5], d.w, d.b); return err },
			[]string{"dense: input has 5 elements, want 6 (N*In = 2*3)"}},
		{"forward_bad_w", func() error { _, err := DenseForward(good, d.x, d.w[:11], d.b); return err },
			[]string{"dense: weight has 11 elements, want 12 (Out*In = 4*3)"}},
		{"forward_bad_b", func() error { _, err := DenseForward(good, d.x, d.w, d.b[:3]); return err },
			[]string{"dense: bias has 3 elements, want 4 (Out = 4)"}},
		{"forward_unexpected_b", func() error { _, err := DenseForward(noBias, d.x, d.w, d.b); return err },
			[]string{"dense: bias has 4 elements but Bias is false"}},
		{"grad_input_bad_dy", func() error { _, err := DenseBackwardInput(good, d.w, d.dy[1:]); return err },
			[]string{"dense: grad output has 7 elements, want 8 (N*Out = 2*4)"}},
		{"grad_input_bad_w", func() error { _, err := DenseBackwardInput(good, d.x, d.dy); return err },
			[]string{"dense: weight has 6 elements"}},
		{"grad_weight_bad_x", func() error { _, err := DenseBackwardWeight(good, d.w, d.dy); return err },
			[]string{"dense: input has 12 elements"}},
		{"grad_weight_bad_dy", func() error { _, err := DenseBackwardWeight(good, d.x, d.x); return err },
			[]string{"dense: grad output has 6 elements"}},
		{"grad_bias_without_bias", func() error { _, err := DenseBackwardBias(noBias, d.dy); return err },
			[]string{"dense: bias gradient requested but Bias is false"}},
		{"grad_bias_bad_dy", func() error { _, err := DenseBackwardBias(good, nil); return err },
			[]string{"dense: grad output has 0 elements"}},
	}
	for _, c := range cases {
		kerneltest.WantErr(t, c.name, c.call(), c.wants...)
	}
}
