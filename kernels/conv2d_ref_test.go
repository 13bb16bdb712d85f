package kernels

import (
	"fmt"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// Small, awkward conv2d shapes: batch 1 and 3, 13 channels, 5×7 images,
// kernel 5 stride 2 with padding 0 and 2, 1×1 spatial, non-square kernels and
// strides, strides larger than the kernel (uncovered input positions).
var conv2dCases = []struct {
	name string
	p    Conv2DParams
}{
	{"1x1_everything", Conv2DParams{N: 1, C: 1, H: 1, W: 1, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Bias: true}},
	{"n3_c13_5x7_k5s2p2", Conv2DParams{N: 3, C: 13, H: 5, W: 7, K: 4, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}},
	{"n3_c13_5x7_k5s2p0_nobias", Conv2DParams{N: 3, C: 13, H: 5, W: 7, K: 3, KH: 5, KW: 5, StrideH: 2, StrideW: 2}},
	{"n1_1x1spatial_k5s2p2", Conv2DParams{N: 1, C: 13, H: 1, W: 1, K: 3, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}},
	{"nonsquare_k2x4_s1x3_p1x0", Conv2DParams{N: 2, C: 3, H: 6, W: 9, K: 5, KH: 2, KW: 4, StrideH: 1, StrideW: 3, PadH: 1, PadW: 0, Bias: true}},
	{"stride_gt_kernel_k2x1_s3x2", Conv2DParams{N: 2, C: 2, H: 7, W: 5, K: 3, KH: 2, KW: 1, StrideH: 3, StrideW: 2}},
	{"ocgan_last_small_k5s2p1", Conv2DParams{N: 3, C: 6, H: 4, W: 4, K: 5, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, Bias: true}},
}

// OCGAN 28×28 encoder layers (PyTorch: Conv2d(in, out, 5, 2, pad)).
var ocganEncoder = []struct {
	name   string
	p      Conv2DParams
	oh, ow int
}{
	{"enc1_1to64_28to14", Conv2DParams{N: 2, C: 1, H: 28, W: 28, K: 64, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}, 14, 14},
	{"enc2_64to128_14to7", Conv2DParams{N: 2, C: 64, H: 14, W: 14, K: 128, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}, 7, 7},
	{"enc3_128to256_7to4", Conv2DParams{N: 2, C: 128, H: 7, W: 7, K: 256, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}, 4, 4},
	{"enc4_256to16_4to1", Conv2DParams{N: 2, C: 256, H: 4, W: 4, K: 16, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, Bias: true}, 1, 1},
}

type conv2dData struct {
	x, w, b, dy []float32
}

func newConv2DData(r interface {
	NormFloat64() float64
}, p Conv2DParams) conv2dData {
	o := p.OutputShape()
	gen := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	d := conv2dData{
		x:  gen(p.N * p.C * p.H * p.W),
		w:  gen(p.K * p.C * p.KH * p.KW),
		dy: gen(o[0] * o[1] * o[2] * o[3]),
	}
	if p.Bias {
		d.b = gen(p.K)
	}
	return d
}

// im2col returns cols[j][col] with j = (c·KH + ky)·KW + kx and
// col = (n·OH + oy)·OW + ox: the input value under kernel tap j of output
// position col (0 in the padding).
func im2col(p Conv2DParams, x []float32) [][]float64 {
	o := p.OutputShape()
	oh, ow := o[2], o[3]
	cols := make([][]float64, p.C*p.KH*p.KW)
	for c := 0; c < p.C; c++ {
		for ky := 0; ky < p.KH; ky++ {
			for kx := 0; kx < p.KW; kx++ {
				j := (c*p.KH+ky)*p.KW + kx
				cols[j] = make([]float64, p.N*oh*ow)
				for n := 0; n < p.N; n++ {
					for oy := 0; oy < oh; oy++ {
						for ox := 0; ox < ow; ox++ {
							iy, ix := oy*p.StrideH-p.PadH+ky, ox*p.StrideW-p.PadW+kx
							if iy >= 0 && iy < p.H && ix >= 0 && ix < p.W {
								cols[j][(n*oh+oy)*ow+ox] = float64(x[((n*p.C+c)*p.H+iy)*p.W+ix])
							}
						}
					}
				}
			}
		}
	}
	return cols
}

// conv2dIm2col computes forward, grad input, grad weight and grad bias by the
// matrix formulation: Y = W·cols (+b), dW = dY·colsᵀ, dcols = Wᵀ·dY scattered
// back by col2im, db = row sums of dY, with W as a [K, C·KH·KW] matrix and Y,
// dY as [K, N·OH·OW] matrices.
func conv2dIm2col(p Conv2DParams, d conv2dData) (y, dx, dw, db []float64) {
	o := p.OutputShape()
	oh, ow := o[2], o[3]
	cols := im2col(p, d.x)
	J, P := len(cols), p.N*oh*ow
	dyAt := func(k, col int) float64 { // dY[k][col] from NCHW
		n, s := col/(oh*ow), col%(oh*ow)
		return float64(d.dy[(n*p.K+k)*oh*ow+s])
	}
	y = make([]float64, p.N*p.K*oh*ow)
	dw = make([]float64, p.K*J)
	db = make([]float64, p.K)
	dcols := make([][]float64, J)
	for j := range dcols {
		dcols[j] = make([]float64, P)
	}
	for k := 0; k < p.K; k++ {
		for col := 0; col < P; col++ {
			s := 0.0
			if p.Bias {
				s = float64(d.b[k])
			}
			for j := 0; j < J; j++ {
				s += float64(d.w[k*J+j]) * cols[j][col]
			}
			n, sp := col/(oh*ow), col%(oh*ow)
			y[(n*p.K+k)*oh*ow+sp] = s
			g := dyAt(k, col)
			db[k] += g
			for j := 0; j < J; j++ {
				dw[k*J+j] += g * cols[j][col]
				dcols[j][col] += float64(d.w[k*J+j]) * g
			}
		}
	}
	dx = make([]float64, p.N*p.C*p.H*p.W)
	for c := 0; c < p.C; c++ {
		for ky := 0; ky < p.KH; ky++ {
			for kx := 0; kx < p.KW; kx++ {
				j := (c*p.KH+ky)*p.KW + kx
				for n := 0; n < p.N; n++ {
					for oy := 0; oy < oh; oy++ {
						for ox := 0; ox < ow; ox++ {
							iy, ix := oy*p.StrideH-p.PadH+ky, ox*p.StrideW-p.PadW+kx
							if iy >= 0 && iy < p.H && ix >= 0 && ix < p.W {
								dx[((n*p.C+c)*p.H+iy)*p.W+ix] += dcols[j][(n*oh+oy)*ow+ox]
							}
						}
					}
				}
			}
		}
	}
	return y, dx, dw, db
}

func TestConv2DOutputShape(t *testing.T) {
	cases := []struct {
		name string
		p    Conv2DParams
		want [4]int
	}{
		{"5x7_k5s2p2", conv2dCases[1].p, [4]int{3, 4, 3, 4}},
		{"5x7_k5s2p0", conv2dCases[2].p, [4]int{3, 3, 1, 2}},
		{"1x1_k5s2p2", conv2dCases[3].p, [4]int{1, 3, 1, 1}},
		{"nonsquare", conv2dCases[4].p, [4]int{2, 5, 7, 2}},
		{"stride_gt_kernel", conv2dCases[5].p, [4]int{2, 3, 2, 3}},
	}
	for _, e := range ocganEncoder {
		cases = append(cases, struct {
			name string
			p    Conv2DParams
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

// The oracle agrees with the independent im2col + matrix-multiply formulation
// for the forward pass and all three gradients.
func TestConv2DMatchesIm2col(t *testing.T) {
	for i, c := range conv2dCases {
		t.Run(c.name, func(t *testing.T) {
			r := kerneltest.NewRand(int64(100 + i))
			d := newConv2DData(r, c.p)
			y, dx, dw, db := conv2dIm2col(c.p, d)

			gotY, err := Conv2DForward(c.p, d.x, d.w, d.b)
			mustNoErr(t, "forward", err)
			assertClose(t, "forward", gotY, y, exactRTol, exactATol)
			// The exported result is exactly the float64 body rounded once.
			kerneltest.BitEqual(t, "forward rounding", gotY, round32(conv2dForward(c.p, d.x, d.w, d.b)))

			gotDx, err := Conv2DBackwardInput(c.p, d.w, d.dy)
			mustNoErr(t, "grad input", err)
			assertClose(t, "grad input", gotDx, dx, exactRTol, exactATol)

			gotDw, err := Conv2DBackwardWeight(c.p, d.x, d.dy)
			mustNoErr(t, "grad weight", err)
			assertClose(t, "grad weight", gotDw, dw, exactRTol, exactATol)

			if c.p.Bias {
				gotDb, err := Conv2DBackwardBias(c.p, d.dy)
				mustNoErr(t, "grad bias", err)
				assertClose(t, "grad bias", gotDb, db, exactRTol, exactATol)
			}
		})
	}
}

func TestConv2DBackwardFiniteDifferences(t *testing.T) {
	for i, c := range conv2dCases {
		t.Run(c.name, func(t *testing.T) {
			r := kerneltest.NewRand(int64(200 + i))
			d := newConv2DData(r, c.p)
			x, w, b := widen(d.x), widen(d.w), widen(d.b)
			if !c.p.Bias {
				b = nil
			}
			loss := func() float64 { return weightedSum(d.dy, conv2dForward(c.p, x, w, b)) }

			dx, err := Conv2DBackwardInput(c.p, d.w, d.dy)
			mustNoErr(t, "grad input", err)
			fdCheck(t, "grad input", x, dx, loss, r)

			dw, err := Conv2DBackwardWeight(c.p, d.x, d.dy)
			mustNoErr(t, "grad weight", err)
			fdCheck(t, "grad weight", w, dw, loss, r)

			if c.p.Bias {
				db, err := Conv2DBackwardBias(c.p, d.dy)
				mustNoErr(t, "grad bias", err)
				fdCheck(t, "grad bias", b, db, loss, r)
			}
		})
	}
}

// sampleIndices returns count flat indices spread over [0, n), including the
// first and last element.
func sampleIndices(r interface{ Intn(int) int }, n, count int) []int {
	idx := []int{0, n - 1}
	for len(idx) < count {
		idx = append(idx, r.Intn(n))
	}
	return idx
}

// The OCGAN encoder layers at batch 2: output shapes, plus a few elements of
// the forward pass and of each gradient computed directly from the definition
// (gather form, independent of the oracle's loops).
func TestConv2DOCGANShapes(t *testing.T) {
	for i, e := range ocganEncoder {
		t.Run(e.name, func(t *testing.T) {
			p := e.p
			r := kerneltest.NewRand(int64(300 + i))
			d := newConv2DData(r, p)
			o := p.OutputShape()
			oh, ow := o[2], o[3]

			y, err := Conv2DForward(p, d.x, d.w, d.b)
			mustNoErr(t, "forward", err)
			if want := 2 * p.K * e.oh * e.ow; len(y) != want {
				t.Fatalf("forward: %d elements, want %d", len(y), want)
			}
			for _, i := range sampleIndices(r, len(y), 8) {
				n, k, oy, ox := i/(p.K*oh*ow), i/(oh*ow)%p.K, i/ow%oh, i%ow
				s := float64(d.b[k])
				for c := 0; c < p.C; c++ {
					for ky := 0; ky < p.KH; ky++ {
						for kx := 0; kx < p.KW; kx++ {
							iy, ix := oy*p.StrideH-p.PadH+ky, ox*p.StrideW-p.PadW+kx
							if iy >= 0 && iy < p.H && ix >= 0 && ix < p.W {
								s += float64(d.x[((n*p.C+c)*p.H+iy)*p.W+ix]) * float64(d.w[((k*p.C+c)*p.KH+ky)*p.KW+kx])
							}
						}
					}
				}
				assertClose(t, fmt.Sprintf("forward[%d]", i), y[i:i+1], []float64{s}, exactRTol, exactATol)
			}

			dx, err := Conv2DBackwardInput(p, d.w, d.dy)
			mustNoErr(t, "grad input", err)
			if len(dx) != len(d.x) {
				t.Fatalf("grad input: %d elements, want %d", len(dx), len(d.x))
			}
			for _, i := range sampleIndices(r, len(dx), 8) {
				n, c, iy, ix := i/(p.C*p.H*p.W), i/(p.H*p.W)%p.C, i/p.W%p.H, i%p.W
				s := 0.0
				for k := 0; k < p.K; k++ {
					for ky := 0; ky < p.KH; ky++ {
						ty := iy + p.PadH - ky // = oy·StrideH
						if ty < 0 || ty%p.StrideH != 0 || ty/p.StrideH >= oh {
							continue
						}
						for kx := 0; kx < p.KW; kx++ {
							tx := ix + p.PadW - kx
							if tx < 0 || tx%p.StrideW != 0 || tx/p.StrideW >= ow {
								continue
							}
							s += float64(d.dy[((n*p.K+k)*oh+ty/p.StrideH)*ow+tx/p.StrideW]) * float64(d.w[((k*p.C+c)*p.KH+ky)*p.KW+kx])
						}
					}
				}
				assertClose(t, fmt.Sprintf("grad input[%d]", i), dx[i:i+1], []float64{s}, exactRTol, exactATol)
			}

			dw, err := Conv2DBackwardWeight(p, d.x, d.dy)
			mustNoErr(t, "grad weight", err)
			if len(dw) != len(d.w) {
				t.Fatalf("grad weight: %d elements, want %d", len(dw), len(d.w))
			}
			cols := im2col(p, d.x) // only the sampled rows are used
			for _, i := range sampleIndices(r, len(dw), 8) {
				k, j := i/(p.C*p.KH*p.KW), i%(p.C*p.KH*p.KW)
				s := 0.0
				for col := range cols[j] {
					n, sp := col/(oh*ow), col%(oh*ow)
					s += float64(d.dy[(n*p.K+k)*oh*ow+sp]) * cols[j][col]
				}
				assertClose(t, fmt.Sprintf("grad weight[%d]", i), dw[i:i+1], []float64{s}, exactRTol, exactATol)
			}

			db, err := Conv2DBackwardBias(p, d.dy)
			mustNoErr(t, "grad bias", err)
			if len(db) != p.K {
				t.Fatalf("grad bias: %d elements, want %d", len(db), p.K)
			}
		})
	}
}

func TestConv2DValidation(t *testing.T) {
	good := Conv2DParams{N: 2, C: 3, H: 5, W: 7, K: 4, KH: 3, KW: 3, StrideH: 1, StrideW: 2, PadH: 1, PadW: 0, Bias: true}
	mod := func(f func(p *Conv2DParams)) Conv2DParams { p := good; f(&p); return p }
	params := []struct {
		name  string
		p     Conv2DParams
		wants []string
	}{
		{"zero_N", mod(func(p *Conv2DParams) { p.N = 0 }), []string{"conv2d", "N must be >= 1"}},
		{"negative_C", mod(func(p *Conv2DParams) { p.C = -1 }), []string{"conv2d", "C must be >= 1"}},
		{"zero_K", mod(func(p *Conv2DParams) { p.K = 0 }), []string{"K must be >= 1"}},
		{"zero_KW", mod(func(p *Conv2DParams) { p.KW = 0 }), []string{"KW must be >= 1"}},
		{"zero_stride", mod(func(p *Conv2DParams) { p.StrideH = 0 }), []string{"StrideH must be >= 1"}},
		{"negative_pad", mod(func(p *Conv2DParams) { p.PadW = -1 }), []string{"PadW must be >= 0"}},
		{"kernel_too_tall", mod(func(p *Conv2DParams) { p.KH = 8 }), []string{"KH=8", "H+2*PadH=7"}},
		{"kernel_too_wide", mod(func(p *Conv2DParams) { p.KW = 8 }), []string{"KW=8", "W+2*PadW=7"}},
	}
	for _, c := range params {
		kerneltest.WantErr(t, c.name+"/Validate", c.p.Validate(), c.wants...)
		_, err := Conv2DForward(c.p, nil, nil, nil)
		kerneltest.WantErr(t, c.name+"/Forward", err, c.wants...)
	}

	r := kerneltest.NewRand(1)
	d := newConv2DData(r, good)
	noBias := good
	noBias.Bias = false
	lengths := []struct {
		name  string
		call  func() error
		wants []string
	}{
		{"forward_short_input", func() error { _, err := Conv2DForward(good, d.x[1:], d.w, d.b); return err },
			[]string{"conv2d: input has 209 elements, want 210 (N*C*H*W = 2*3*5*7)"}},
		{"forward_weight_for_4_channels", func() error {
			p := good
			p.C = 4
			_, err := Conv2DForward(p, randUniform(r, 2*4*5*7, -1, 1), d.w, d.b)
			return err
		}, []string{"conv2d: weight has 108 elements, want 144 (K*C*KH*KW = 4*4*3*3)"}},
		{"forward_missing_bias", func() error { _, err := Conv2DForward(good, d.x, d.w, nil); return err },
			[]string{"conv2d: bias has 0 elements, want 4"}},
		{"forward_unexpected_bias", func() error { _, err := Conv2DForward(noBias, d.x, d.w, d.b); return err },
			[]string{"conv2d: bias has 4 elements but Bias is false"}},
		{"grad_input_bad_dy", func() error { _, err := Conv2DBackwardInput(good, d.w, d.dy[:5]); return err },
			[]string{"conv2d: grad output has 5 elements", "N*K*OH*OW"}},
		{"grad_input_bad_w", func() error { _, err := Conv2DBackwardInput(good, d.w[:5], d.dy); return err },
			[]string{"conv2d: weight has 5 elements"}},
		{"grad_weight_bad_x", func() error { _, err := Conv2DBackwardWeight(good, d.x[:5], d.dy); return err },
			[]string{"conv2d: input has 5 elements"}},
		{"grad_weight_bad_dy", func() error { _, err := Conv2DBackwardWeight(good, d.x, nil); return err },
			[]string{"conv2d: grad output has 0 elements"}},
		{"grad_bias_without_bias", func() error { _, err := Conv2DBackwardBias(noBias, d.dy); return err },
			[]string{"conv2d: bias gradient requested but Bias is false"}},
		{"grad_bias_bad_dy", func() error { _, err := Conv2DBackwardBias(good, d.dy[1:]); return err },
			[]string{"conv2d: grad output has"}},
	}
	for _, c := range lengths {
		kerneltest.WantErr(t, c.name, c.call(), c.wants...)
	}
}
