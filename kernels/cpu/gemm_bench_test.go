package cpu

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// The OCGAN 28×28 layers (kernel 5, stride 2) as the benchmarks run them.
func ocganConv(n, c, h, k, pad int, bias bool) kernels.Conv2DParams {
	return kernels.Conv2DParams{N: n, C: c, H: h, W: h, K: k, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: pad, PadW: pad, Bias: bias}
}

func ocganConvT(n, c, h, k, pad, outPad int, bias bool) kernels.ConvTranspose2DParams {
	return kernels.ConvTranspose2DParams{N: n, C: c, H: h, W: h, K: k, KH: 5, KW: 5, StrideH: 2, StrideW: 2,
		PadH: pad, PadW: pad, OutPadH: outPad, OutPadW: outPad, Bias: bias}
}

var benchEncoder = []struct {
	name string
	p    func(n int) kernels.Conv2DParams
}{
	{"enc1", func(n int) kernels.Conv2DParams { return ocganConv(n, 1, 28, 64, 2, true) }},
	{"enc2", func(n int) kernels.Conv2DParams { return ocganConv(n, 64, 14, 128, 2, false) }},
	{"enc3", func(n int) kernels.Conv2DParams { return ocganConv(n, 128, 7, 256, 2, false) }},
	{"enc4", func(n int) kernels.Conv2DParams { return ocganConv(n, 256, 4, 16, 1, false) }},
}

var benchDecoder = []struct {
	name string
	p    func(n int) kernels.ConvTranspose2DParams
}{
	{"dec1", func(n int) kernels.ConvTranspose2DParams { return ocganConvT(n, 16, 1, 256, 1, 1, false) }},
	{"dec2", func(n int) kernels.ConvTranspose2DParams { return ocganConvT(n, 256, 4, 128, 2, 0, false) }},
	{"dec3", func(n int) kernels.ConvTranspose2DParams { return ocganConvT(n, 128, 7, 64, 2, 1, false) }},
	{"dec4", func(n int) kernels.ConvTranspose2DParams { return ocganConvT(n, 64, 14, 1, 2, 1, true) }},
}

// gemmShape is the SGEMM call a kernel makes.
type gemmShape struct {
	transA, transB bool
	m, n, k        int
}

func (s gemmShape) flops() float64 { return 2 * float64(s.m) * float64(s.n) * float64(s.k) }

// benchKernel times op and, interleaved with it, the bare SGEMM of shape s
// on the same device, and reports the op's rate, the SGEMM's rate and their
// ratio in percent, all counted in the SGEMM's floating-point operations.
// s is the SGEMM op makes, or for a layer run one image at a time (see
// perImage) the single SGEMM over the batch that it replaces.
func benchKernel(b *testing.B, d *Device, s gemmShape, op func() error) {
	b.Helper()
	rng := rand.New(rand.NewSource(1))
	ra, ca := s.m, s.k
	if s.transA {
		ra, ca = s.k, s.m
	}
	rb, cb := s.k, s.n
	if s.transB {
		rb, cb = s.n, s.k
	}
	ga, gb, gc := kerneltest.RandVec(rng, ra*ca), kerneltest.RandVec(rng, rb*cb), make([]float32, s.m*s.n)
	raw := func() error {
		return d.gemm.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, ga, ca, gb, cb, 0, gc, s.n)
	}
	for _, f := range []func() error{op, raw} { // warm up
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
	var opT, rawT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		opT += time.Since(t0)
		b.StopTimer()
		t0 = time.Now()
		if err := raw(); err != nil {
			b.Fatal(err)
		}
		rawT += time.Since(t0)
		b.StartTimer()
	}
	opRate := s.flops() * float64(b.N) / opT.Seconds() / 1e9
	rawRate := s.flops() * float64(b.N) / rawT.Seconds() / 1e9
	b.ReportMetric(opRate, "GFLOP/s")
	b.ReportMetric(rawRate, "sgemm-GFLOP/s")
	b.ReportMetric(100*opRate/rawRate, "%sgemm")
}

func benchDevice(b *testing.B) *Device {
	d := openGemmDevices(b)[0]
	b.Logf("BLAS: %s", d.BLAS())
	return d
}

// BenchmarkConv2D runs the OCGAN encoder convolutions (without bias, which
// is its own kernel) in every direction at batch 64 and 1.
func BenchmarkConv2D(b *testing.B) {
	d := benchDevice(b)
	for _, batch := range []int{64, 1} {
		for _, l := range benchEncoder {
			p := l.p(batch)
			p.Bias = false
			o := p.OutputShape()
			rng := rand.New(rand.NewSource(2))
			x, w := kerneltest.RandVec(rng, p.N*p.C*p.H*p.W), kerneltest.RandVec(rng, p.K*p.C*p.KH*p.KW)
			dy := kerneltest.RandVec(rng, o[0]*o[1]*o[2]*o[3])
			y, dx, dw := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
			ckk, cols := p.C*p.KH*p.KW, p.N*o[2]*o[3]
			fwd, gin, gw := gemmShape{false, false, p.K, cols, ckk}, gemmShape{true, false, ckk, cols, p.K}, gemmShape{false, true, p.K, ckk, cols}
			if conv2dAsDense(p) {
				chw := p.C * p.H * p.W
				fwd, gin, gw = gemmShape{false, true, p.N, p.K, chw}, gemmShape{false, false, p.N, chw, p.K}, gemmShape{true, false, p.K, chw, p.N}
			}
			name := fmt.Sprintf("%s/b%d", l.name, batch)
			b.Run(name+"/fwd", func(b *testing.B) {
				benchKernel(b, d, fwd, func() error { return d.Conv2DForward(p, x, w, nil, y) })
			})
			b.Run(name+"/grad_input", func(b *testing.B) {
				benchKernel(b, d, gin, func() error { return d.Conv2DBackwardInput(p, w, dy, dx) })
			})
			b.Run(name+"/grad_weight", func(b *testing.B) {
				benchKernel(b, d, gw, func() error { return d.Conv2DBackwardWeight(p, x, dy, dw) })
			})
		}
	}
}

// BenchmarkConvTranspose2D runs the OCGAN decoder's transposed convolutions
// (without bias) in every direction at batch 64 and 1.
func BenchmarkConvTranspose2D(b *testing.B) {
	d := benchDevice(b)
	for _, batch := range []int{64, 1} {
		for _, l := range benchDecoder {
			p := l.p(batch)
			p.Bias = false
			o := p.OutputShape()
			rng := rand.New(rand.NewSource(3))
			x, w := kerneltest.RandVec(rng, p.N*p.C*p.H*p.W), kerneltest.RandVec(rng, p.C*p.K*p.KH*p.KW)
			dy := kerneltest.RandVec(rng, o[0]*o[1]*o[2]*o[3])
			y, dx, dw := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
			kkk, cols := p.K*p.KH*p.KW, p.N*p.H*p.W
			fwd, gin, gw := gemmShape{true, false, kkk, cols, p.C}, gemmShape{false, false, p.C, cols, kkk}, gemmShape{false, true, p.C, kkk, cols}
			if convTranspose2dAsDense(p) {
				kohw := p.K * o[2] * o[3]
				fwd, gin, gw = gemmShape{false, false, p.N, kohw, p.C}, gemmShape{false, true, p.N, p.C, kohw}, gemmShape{true, false, p.C, kohw, p.N}
			} else if p.N == 1 {
				fwd = gemmShape{true, false, cols, kkk, p.C} // transposed columns
			}
			name := fmt.Sprintf("%s/b%d", l.name, batch)
			b.Run(name+"/fwd", func(b *testing.B) {
				benchKernel(b, d, fwd, func() error { return d.ConvTranspose2DForward(p, x, w, nil, y) })
			})
			b.Run(name+"/grad_input", func(b *testing.B) {
				benchKernel(b, d, gin, func() error { return d.ConvTranspose2DBackwardInput(p, w, dy, dx) })
			})
			b.Run(name+"/grad_weight", func(b *testing.B) {
				benchKernel(b, d, gw, func() error { return d.ConvTranspose2DBackwardWeight(p, x, dy, dw) })
			})
		}
	}
}

// BenchmarkDense runs the latent discriminator's first layer (16→128) in
// every direction at batch 64.
func BenchmarkDense(b *testing.B) {
	d := benchDevice(b)
	p := kernels.DenseParams{N: 64, In: 16, Out: 128}
	rng := rand.New(rand.NewSource(4))
	x, w, dy := kerneltest.RandVec(rng, p.N*p.In), kerneltest.RandVec(rng, p.Out*p.In), kerneltest.RandVec(rng, p.N*p.Out)
	y, dx, dw := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
	b.Run("dl1/b64/fwd", func(b *testing.B) {
		benchKernel(b, d, gemmShape{false, true, p.N, p.Out, p.In}, func() error { return d.DenseForward(p, x, w, nil, y) })
	})
	b.Run("dl1/b64/grad_input", func(b *testing.B) {
		benchKernel(b, d, gemmShape{false, false, p.N, p.In, p.Out}, func() error { return d.DenseBackwardInput(p, w, dy, dx) })
	})
	b.Run("dl1/b64/grad_weight", func(b *testing.B) {
		benchKernel(b, d, gemmShape{true, false, p.Out, p.In, p.N}, func() error { return d.DenseBackwardWeight(p, x, dy, dw) })
	})
}

// BenchmarkOCGANBatch1 runs the encoder's four convolutions and the
// decoder's four transposed convolutions forward at batch 1, as scoring one
// image does (batch norm and activations are other kernels), and reports
// the time of the eight.
func BenchmarkOCGANBatch1(b *testing.B) {
	benchBatch1(b, benchDevice(b))
}

func benchBatch1(b *testing.B, d *Device) {
	rng := rand.New(rand.NewSource(5))
	type step func() error
	var steps []step
	act := kerneltest.RandVec(rng, 28*28)
	for _, l := range benchEncoder {
		p := l.p(1)
		w := kerneltest.RandVec(rng, p.K*p.C*p.KH*p.KW)
		var bias []float32
		if p.Bias {
			bias = kerneltest.RandVec(rng, p.K)
		}
		o := p.OutputShape()
		in, out := act, make([]float32, o[1]*o[2]*o[3])
		steps = append(steps, func() error { return d.Conv2DForward(p, in, w, bias, out) })
		act = out
	}
	for _, l := range benchDecoder {
		p := l.p(1)
		w := kerneltest.RandVec(rng, p.C*p.K*p.KH*p.KW)
		var bias []float32
		if p.Bias {
			bias = kerneltest.RandVec(rng, p.K)
		}
		o := p.OutputShape()
		in, out := act, make([]float32, o[1]*o[2]*o[3])
		steps = append(steps, func() error { return d.ConvTranspose2DForward(p, in, w, bias, out) })
		act = out
	}
	run := func() {
		for _, s := range steps {
			if err := s(); err != nil {
				b.Fatal(err)
			}
		}
	}
	run()
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/pass")
}
