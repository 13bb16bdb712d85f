package kernels

import (
	"fmt"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

var convT2DCases = []struct {
	name string
	p    ConvTranspose2DParams
}{
	{"1x1_everything", ConvTranspose2DParams{N: 1, C: 1, H: 1, W: 1, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Bias: true}},
	{"n3_c13_5x7_k5s2p2_op1", ConvTranspose2DParams{N: 3, C: 13, H: 5, W: 7, K: 4, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, OutPadH: 1, OutPadW: 1, Bias: true}},
	{"n1_1x1spatial_k5s2p1_op1", ConvTranspose2DParams{N: 1, C: 3, H: 1, W: 1, K: 13, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, OutPadH: 1, OutPadW: 1, Bias: true}},
	{"nonsquare_k3x2_s2x3_p1x0_op1x2", ConvTranspose2DParams{N: 2, C: 4, H: 3, W: 4, K: 5, KH: 3, KW: 2, StrideH: 2, StrideW: 3, PadH: 1, PadW: 0, OutPadH: 1, OutPadW: 2, Bias: true}},
	{"stride1_k3p1_nobias", ConvTranspose2DParams{N: 3, C: 2, H: 5, W: 7, K: 3, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}},
	{"n2_c13_k5s2p0", ConvTranspose2DParams{N: 2, C: 13, H: 2, W: 3, K: 2, KH: 5, KW: 5, StrideH: 2, StrideW: 2, Bias: true}},
	{"stride_gt_kernel_k2x1_s3x2", ConvTranspose2DParams{N: 2, C: 3, H: 3, W: 4, K: 2, KH: 2, KW: 1, StrideH: 3, StrideW: 2, OutPadH: 2, OutPadW: 1}},
}

// OCGAN 28×28 decoder layers (PyTorch: ConvTranspose2d(in, out, 5, 2, pad, outpad)).
var ocganDecoder = []struct {
	name   string
	p      ConvTranspose2DParams
	oh, ow int
}{
	{"dec1_16to256_1to4", ConvTranspose2DParams{N: 2, C: 16, H: 1, W: 1, K: 256, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, OutPadH: 1, OutPadW: 1, Bias: true}, 4, 4},
	{"dec2_256to128_4to7", ConvTranspose2DParams{N: 2, C: 256, H: 4, W: 4, K: 128, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}, 7, 7},
	{"dec3_128to64_7to14", ConvTranspose2DParams{N: 2, C: 128, H: 7, W: 7, K: 64, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, OutPadH: 1, OutPadW: 1, Bias: true}, 14, 14},
	{"dec4_64to1_14to28", ConvTranspose2DParams{N: 2, C: 64, H: 14, W: 14, K: 1, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, OutPadH: 1, OutPadW: 1, Bias: true}, 28, 28},
}

type convT2DData struct {
	x, w, b, dy []float32
}

func newConvT2DData(r interface{ NormFloat64() float64 }, p ConvTranspose2DParams) convT2DData {
	o := p.OutputShape()
	gen := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	d := convT2DData{
		x:  gen(p.N * p.C * p.H * p.W),
		w:  gen(p.C * p.K * p.KH * p.KW),
		dy: gen(o[0] * o[1] * o[2] * o[3]),
	}
	if p.Bias {
		d.b = gen(p.K)
	}
	return d
}

// adjointConv returns the conv2d whose input is the transposed conv's output
// and whose output is the transposed conv's input, with the same weight
// layout: conv2d weight [K=C_T, C=K_T, KH, KW] is convT weight [C_T, K_T, KH, KW].
func adjointConv(p ConvTranspose2DParams) Conv2DParams {
	o := p.OutputShape()
	return Conv2DParams{N: p.N, C: p.K, H: o[2], W: o[3], K: p.C, KH: p.KH, KW: p.KW,
		StrideH: p.StrideH, StrideW: p.StrideW, PadH: p.PadH, PadW: p.PadW}
}

// convT2DDirect computes one output element from the definition in gather
// form: oy = iy·S − P + ky  ⇔  iy = (oy + P − ky)/S when divisible.
func convT2DDirect(p ConvTranspose2DParams, d convT2DData, n, k, oy, ox int) float64 {
	s := 0.0
	if p.Bias {
		s = float64(d.b[k])
	}
	for c := 0; c < p.C; c++ {
		for ky := 0; ky < p.KH; ky++ {
			ty := oy + p.PadH - ky
			if ty < 0 || ty%p.StrideH != 0 || ty/p.StrideH >= p.H {
				continue
			}
			for kx := 0; kx < p.KW; kx++ {
				tx := ox + p.PadW - kx
				if tx < 0 || tx%p.StrideW != 0 || tx/p.StrideW >= p.W {
					continue
				}
				s += float64(d.x[((n*p.C+c)*p.H+ty/p.StrideH)*p.W+tx/p.StrideW]) * float64(d.w[((c*p.K+k)*p.KH+ky)*p.KW+kx])
			}
		}
	}
	return s
}

func TestConvTranspose2DOutputShape(t *testing.T) {
	cases := []struct {
		name string
		p    ConvTranspose2DParams
		want [4]int
	}{
		{"5x7_k5s2p2_op1", convT2DCases[1].p, [4]int{3, 4, 10, 14}},
		{"1x1_k5s2p1_op1", convT2DCases[2].p, [4]int{1, 13, 4, 4}},
		{"nonsquare", convT2DCases[3].p, [4]int{2, 5, 6, 13}},
		{"stride1", convT2DCases[4].p, [4]int{3, 3, 5, 7}},
		{"k5s2p0", convT2DCases[5].p, [4]int{2, 2, 7, 9}},
	}
	for _, e := range ocganDecoder {
		cases = append(cases, struct {
			name string
			p    ConvTranspose2DParams
			want [4]int
		}{e.name, e.p, [4]int{2, e.p.K, e.oh, e.ow}})
	}
	for _, c := range cases {
		if err := c.p.Validate(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if got := c.p.OutputShape(); got != c.want {
			t.Errorf("%s: OutputShape() = %v, want %v", c.name, got, c.want)
		}
	}
}

// Transposed convolution is the adjoint of conv2d with the same weight:
// <conv(y), x> = <y, convT(x)>; its forward equals conv2d's grad input, its
// grad input equals conv2d's forward, and its grad weight equals conv2d's
// grad weight with input and output gradient swapped.
func TestConvTranspose2DIsAdjointOfConv2D(t *testing.T) {
	for i, c := range convT2DCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			p.Bias = false
			cp := adjointConv(p)
			mustNoErr(t, "adjoint conv2d params", cp.Validate())
			if o := cp.OutputShape(); o != p.InputShape() {
				t.Fatalf("adjoint conv2d output shape %v, want the convT input shape %v", o, p.InputShape())
			}
			r := kerneltest.NewRand(int64(400 + i))
			d := newConvT2DData(r, p)
			x, y := d.x, d.dy // y lives in the convT output space

			// <conv(y), x> == <y, convT(x)> in float64.
			lhs := weightedSum(x, conv2dForward(cp, y, d.w, nil))
			rhs := weightedSum(y, convTranspose2dForward(p, x, d.w, nil))
			if diff := lhs - rhs; diff > 1e-12*(1+abs(lhs)) || -diff > 1e-12*(1+abs(lhs)) {
				t.Errorf("<conv(y), x> = %.15g, <y, convT(x)> = %.15g", lhs, rhs)
			}

			fwd, err := ConvTranspose2DForward(p, x, d.w, nil)
			mustNoErr(t, "convT forward", err)
			gi, err := Conv2DBackwardInput(cp, d.w, x)
			mustNoErr(t, "conv2d grad input", err)
			assertClose(t, "convT forward vs conv2d grad input", fwd, widen(gi), exactRTol, exactATol)

			dx, err := ConvTranspose2DBackwardInput(p, d.w, y)
			mustNoErr(t, "convT grad input", err)
			cf, err := Conv2DForward(cp, y, d.w, nil)
			mustNoErr(t, "conv2d forward", err)
			assertClose(t, "convT grad input vs conv2d forward", dx, widen(cf), exactRTol, exactATol)

			dw, err := ConvTranspose2DBackwardWeight(p, x, y)
			mustNoErr(t, "convT grad weight", err)
			cdw, err := Conv2DBackwardWeight(cp, y, x)
			mustNoErr(t, "conv2d grad weight", err)
			assertClose(t, "convT grad weight vs conv2d grad weight", dw, widen(cdw), exactRTol, exactATol)
		})
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestConvTranspose2DForwardDirect(t *testing.T) {
	for i, c := range convT2DCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			r := kerneltest.NewRand(int64(500 + i))
			d := newConvT2DData(r, p)
			y, err := ConvTranspose2DForward(p, d.x, d.w, d.b)
			mustNoErr(t, "forward", err)
			o := p.OutputShape()
			want := make([]float64, 0, len(y))
			for n := 0; n < o[0]; n++ {
				for k := 0; k < o[1]; k++ {
					for oy := 0; oy < o[2]; oy++ {
						for ox := 0; ox < o[3]; ox++ {
							want = append(want, convT2DDirect(p, d, n, k, oy, ox))
						}
					}
				}
			}
			assertClose(t, "forward", y, want, exactRTol, exactATol)
			kerneltest.BitEqual(t, "forward rounding", y, round32(convTranspose2dForward(p, d.x, d.w, d.b)))
		})
	}
}

func TestConvTranspose2DBackwardFiniteDifferences(t *testing.T) {
	for i, c := range convT2DCases {
		t.Run(c.name, func(t *testing.T) {
			r := kerneltest.NewRand(int64(600 + i))
			d := newConvT2DData(r, c.p)
			x, w, b := widen(d.x), widen(d.w), widen(d.b)
			if !c.p.Bias {
				b = nil
			}
			loss := func() float64 { return weightedSum(d.dy, convTranspose2dForward(c.p, x, w, b)) }

			dx, err := ConvTranspose2DBackwardInput(c.p, d.w, d.dy)
			mustNoErr(t, "grad input", err)
			fdCheck(t, "grad input", x, dx, loss, r)

			dw, err := ConvTranspose2DBackwardWeight(c.p, d.x, d.dy)
			mustNoErr(t, "grad weight", err)
			fdCheck(t, "grad weight", w, dw, loss, r)

			if c.p.Bias {
				db, err := ConvTranspose2DBackwardBias(c.p, d.dy)
				mustNoErr(t, "grad bias", err)
				fdCheck(t, "grad bias", b, db, loss, r)
			}
		})
	}
}

// The OCGAN decoder layers at batch 2: output shapes and sampled elements
// from the gather-form definition; gradients' shapes and sampled elements via
// the conv2d adjoint identities checked above on small shapes.
func TestConvTranspose2DOCGANShapes(t *testing.T) {
	for i, e := range ocganDecoder {
		t.Run(e.name, func(t *testing.T) {
			p := e.p
			r := kerneltest.NewRand(int64(700 + i))
			d := newConvT2DData(r, p)
			o := p.OutputShape()
			oh, ow := o[2], o[3]

			y, err := ConvTranspose2DForward(p, d.x, d.w, d.b)
			mustNoErr(t, "forward", err)
			if want := 2 * p.K * e.oh * e.ow; len(y) != want {
				t.Fatalf("forward: %d elements, want %d", len(y), want)
			}
			for _, i := range sampleIndices(r, len(y), 8) {
				n, k, oy, ox := i/(p.K*oh*ow), i/(oh*ow)%p.K, i/ow%oh, i%ow
				assertClose(t, fmt.Sprintf("forward[%d]", i), y[i:i+1], []float64{convT2DDirect(p, d, n, k, oy, ox)}, exactRTol, exactATol)
			}

			dx, err := ConvTranspose2DBackwardInput(p, d.w, d.dy)
			mustNoErr(t, "grad input", err)
			if len(dx) != len(d.x) {
				t.Fatalf("grad input: %d elements, want %d", len(dx), len(d.x))
			}
			for _, i := range sampleIndices(r, len(dx), 8) {
				n, c, iy, ix := i/(p.C*p.H*p.W), i/(p.H*p.W)%p.C, i/p.W%p.H, i%p.W
				s := 0.0
				for k := 0; k < p.K; k++ {
					for ky := 0; ky < p.KH; ky++ {
						for kx := 0; kx < p.KW; kx++ {
							oy, ox := iy*p.StrideH-p.PadH+ky, ix*p.StrideW-p.PadW+kx
							if oy >= 0 && oy < oh && ox >= 0 && ox < ow {
								s += float64(d.dy[((n*p.K+k)*oh+oy)*ow+ox]) * float64(d.w[((c*p.K+k)*p.KH+ky)*p.KW+kx])
							}
						}
					}
				}
				assertClose(t, fmt.Sprintf("grad input[%d]", i), dx[i:i+1], []float64{s}, exactRTol, exactATol)
			}

			dw, err := ConvTranspose2DBackwardWeight(p, d.x, d.dy)
			mustNoErr(t, "grad weight", err)
			if len(dw) != len(d.w) {
				t.Fatalf("grad weight: %d elements, want %d", len(dw), len(d.w))
			}
			for _, i := range sampleIndices(r, len(dw), 8) {
				c, k, ky, kx := i/(p.K*p.KH*p.KW), i/(p.KH*p.KW)%p.K, i/p.KW%p.KH, i%p.KW
				s := 0.0
				for n := 0; n < p.N; n++ {
					for iy := 0; iy < p.H; iy++ {
						for ix := 0; ix < p.W; ix++ {
							oy, ox := iy*p.StrideH-p.PadH+ky, ix*p.StrideW-p.PadW+kx
							if oy >= 0 && oy < oh && ox >= 0 && ox < ow {
								s += float64(d.x[((n*p.C+c)*p.H+iy)*p.W+ix]) * float64(d.dy[((n*p.K+k)*oh+oy)*ow+ox])
							}
						}
					}
				}
				assertClose(t, fmt.Sprintf("grad weight[%d]", i), dw[i:i+1], []float64{s}, exactRTol, exactATol)
			}

			db, err := ConvTranspose2DBackwardBias(p, d.dy)
			mustNoErr(t, "grad bias", err)
			if len(db) != p.K {
				t.Fatalf("grad bias: %d elements, want %d", len(db), p.K)
			}
		})
	}
}

func TestConvTranspose2DValidation(t *testing.T) {
	good := ConvTranspose2DParams{N: 2, C: 3, H: 4, W: 5, K: 2, KH: 5, KW: 3, StrideH: 2, StrideW: 2, PadH: 2, PadW: 1, OutPadH: 1, Bias: true}
	mod := func(f func(p *ConvTranspose2DParams)) ConvTranspose2DParams { p := good; f(&p); return p }
	params := []struct {
		name  string
		p     ConvTranspose2DParams
		wants []string
	}{
		{"zero_N", mod(func(p *ConvTranspose2DParams) { p.N = 0 }), []string{"conv_transpose2d", "N must be >= 1"}},
		{"zero_W", mod(func(p *ConvTranspose2DParams) { p.W = 0 }), []string{"W must be >= 1"}},
		{"zero_K", mod(func(p *ConvTranspose2DParams) { p.K = 0 }), []string{"K must be >= 1"}},
		{"zero_KH", mod(func(p *ConvTranspose2DParams) { p.KH = 0 }), []string{"KH must be >= 1"}},
		{"zero_stride", mod(func(p *ConvTranspose2DParams) { p.StrideW = 0 }), []string{"StrideW must be >= 1"}},
		{"negative_pad", mod(func(p *ConvTranspose2DParams) { p.PadH = -1 }), []string{"PadH must be >= 0"}},
		{"negative_outpad", mod(func(p *ConvTranspose2DParams) { p.OutPadW = -1 }), []string{"OutPadW must be >= 0"}},
		{"outpad_equals_stride", mod(func(p *ConvTranspose2DParams) { p.OutPadH = 2 }), []string{"OutPadH=2 must be smaller than StrideH=2"}},
		{"outpad_with_stride1", mod(func(p *ConvTranspose2DParams) { p.StrideW, p.OutPadW = 1, 1 }), []string{"OutPadW=1 must be smaller than StrideW=1"}},
		{"pad_too_large", mod(func(p *ConvTranspose2DParams) { p.H, p.PadH, p.OutPadH = 1, 3, 0 }), []string{"output height", "PadH=3"}},
		{"pad_too_large_w", mod(func(p *ConvTranspose2DParams) { p.W, p.PadW = 1, 2 }), []string{"output width", "PadW=2"}},
	}
	for _, c := range params {
		kerneltest.WantErr(t, c.name+"/Validate", c.p.Validate(), c.wants...)
		_, err := ConvTranspose2DForward(c.p, nil, nil, nil)
		kerneltest.WantErr(t, c.name+"/Forward", err, c.wants...)
	}

	r := kerneltest.NewRand(2)
	d := newConvT2DData(r, good)
	noBias := good
	noBias.Bias = false
	lengths := []struct {
		name  string
		call  func() error
		wants []string
	}{
		{"forward_short_input", func() error { _, err := ConvTranspose2DForward(good, d.x[1:], d.w, d.b); return err },
			[]string{"conv_transpose2d: input has 119 elements, want 120 (N*C*H*W = 2*3*4*5)"}},
		{"forward_weight_in_conv2d_layout", func() error {
			p := good
			p.C = 4 // weight was made for 3 input channels
			_, err := ConvTranspose2DForward(p, randUniform(r, 2*4*4*5, -1, 1), d.w, d.b)
			return err
		}, []string{"conv_transpose2d: weight has 90 elements, want 120 (C*K*KH*KW = 4*2*5*3)"}},
		{"forward_missing_bias", func() error { _, err := ConvTranspose2DForward(good, d.x, d.w, nil); return err },
			[]string{"conv_transpose2d: bias has 0 elements, want 2"}},
		{"forward_unexpected_bias", func() error { _, err := ConvTranspose2DForward(noBias, d.x, d.w, d.b); return err },
			[]string{"Bias is false"}},
		{"grad_input_bad_dy", func() error { _, err := ConvTranspose2DBackwardInput(good, d.w, d.dy[2:]); return err },
			[]string{"conv_transpose2d: grad output has", "N*K*OH*OW"}},
		{"grad_input_bad_w", func() error { _, err := ConvTranspose2DBackwardInput(good, nil, d.dy); return err },
			[]string{"conv_transpose2d: weight has 0 elements"}},
		{"grad_weight_bad_x", func() error { _, err := ConvTranspose2DBackwardWeight(good, d.dy, d.dy); return err },
			[]string{"conv_transpose2d: input has"}},
		{"grad_weight_bad_dy", func() error { _, err := ConvTranspose2DBackwardWeight(good, d.x, d.x); return err },
			[]string{"conv_transpose2d: grad output has"}},
		{"grad_bias_without_bias", func() error { _, err := ConvTranspose2DBackwardBias(noBias, d.dy); return err },
			[]string{"bias gradient requested but Bias is false"}},
		{"grad_bias_bad_dy", func() error { _, err := ConvTranspose2DBackwardBias(good, d.x); return err },
			[]string{"conv_transpose2d: grad output has"}},
	}
	for _, c := range lengths {
		kerneltest.WantErr(t, c.name, c.call(), c.wants...)
	}
}

// TestFlops checks the forward operation counts: the OCGAN enc2 layer by
// hand, and every transposed convolution against the convolution it is the
// input gradient of (the same multiply-adds, run the other way).
func TestFlops(t *testing.T) {
	enc2 := Conv2DParams{N: 1, C: 64, H: 14, W: 14, K: 128, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2}
	if got, want := enc2.Flops(), 2.0*128*7*7*64*5*5; got != want {
		t.Errorf("enc2: %v FLOP, want %v", got, want)
	}
	if got, want := (DenseParams{N: 3, In: 16, Out: 128}).Flops(), 2.0*3*16*128; got != want {
		t.Errorf("dense: %v FLOP, want %v", got, want)
	}
	for _, p := range []ConvTranspose2DParams{
		{N: 2, C: 256, H: 4, W: 4, K: 128, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2},
		{N: 1, C: 3, H: 5, W: 7, K: 4, KH: 3, KW: 2, StrideH: 2, StrideW: 1, PadH: 1, PadW: 0, OutPadH: 1},
		{N: 3, C: 16, H: 1, W: 1, K: 9, KH: 4, KW: 4, StrideH: 1, StrideW: 1},
	} {
		o := p.OutputShape()
		q := Conv2DParams{N: p.N, C: p.K, H: o[2], W: o[3], K: p.C, KH: p.KH, KW: p.KW,
			StrideH: p.StrideH, StrideW: p.StrideW, PadH: p.PadH, PadW: p.PadW}
		if q.OutputShape() != p.InputShape() {
			t.Fatalf("%+v: the convolution back is %v, not %v", p, q.OutputShape(), p.InputShape())
		}
		if p.Flops() != q.Flops() {
			t.Errorf("%+v: %v FLOP, the convolution it reverses %v", p, p.Flops(), q.Flops())
		}
	}
}
