package main

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// ocganCases lists the network kernels at the OCGAN 28x28 shapes (batch given):
// the encoder (and classifier) convs, the decoder's transposed convs, the visual
// discriminator's convs, and the latent discriminator's dense layers.
func ocganCases(batch int) []benchCase {
	conv := func(c, h, k, pad int, bias bool) kernels.Conv2DParams {
		return kernels.Conv2DParams{N: batch, C: c, H: h, W: h, K: k, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: pad, PadW: pad, Bias: bias}
	}
	convT := func(c, h, k, pad, outPad int, bias bool) kernels.ConvTranspose2DParams {
		return kernels.ConvTranspose2DParams{N: batch, C: c, H: h, W: h, K: k, KH: 5, KW: 5, StrideH: 2, StrideW: 2,
			PadH: pad, PadW: pad, OutPadH: outPad, OutPadW: outPad, Bias: bias}
	}
	var cases []benchCase
	for _, l := range []struct {
		label string
		p     kernels.Conv2DParams
	}{
		{"enc1", conv(1, 28, 64, 2, true)},
		{"enc2", conv(64, 14, 128, 2, false)},
		{"enc3", conv(128, 7, 256, 2, false)},
		{"enc4", conv(256, 4, 16, 1, false)},
		{"dv1", conv(1, 28, 12, 2, true)},
		{"dv2", conv(12, 14, 24, 2, false)},
		{"dv3", conv(24, 7, 48, 2, false)},
		{"dv4", conv(48, 4, 1, 1, true)},
	} {
		cases = append(cases, convCases(l.label, l.p)...)
	}
	for _, l := range []struct {
		label string
		p     kernels.ConvTranspose2DParams
	}{
		{"dec1", convT(16, 1, 256, 1, 1, false)},
		{"dec2", convT(256, 4, 128, 2, 0, false)},
		{"dec3", convT(128, 7, 64, 2, 1, false)},
		{"dec4", convT(64, 14, 1, 2, 1, true)},
	} {
		cases = append(cases, convTCases(l.label, l.p)...)
	}
	return cases
}

func convName(label, dir string, n, c, h, k, oh int) string {
	return fmt.Sprintf("%s %s %dx%dx%dx%d->%dx%d", label, dir, n, c, h, h, k, oh)
}

// convCases lists forward and backward kernels of one conv2d layer.
func convCases(label string, p kernels.Conv2DParams) []benchCase {
	o := p.OutputShape()
	xn, wn, yn := p.N*p.C*p.H*p.W, p.K*p.C*p.KH*p.KW, o[0]*o[1]*o[2]*o[3]
	flops := 2 * float64(yn) * float64(p.C*p.KH*p.KW)
	bytes := 4 * float64(xn+wn+yn)
	tp := map[string]int{"N": p.N, "C": p.C, "H": p.H, "W": p.W, "K": p.K, "KH": p.KH, "KW": p.KW, "S": p.StrideH, "P": p.PadH}
	// The CPU kernels' SGEMM over the im2col matrix of the whole batch,
	// [C·KH·KW, N·OH·OW] (kernels/cpu/conv2d.go).
	rows, cols := p.C*p.KH*p.KW, p.N*o[2]*o[3]
	mk := func(dir string, out int, g gemmShape, k threeBufferKernel) benchCase {
		c := threeBufferCase(convName(label, "conv2d_"+dir, p.N, p.C, p.H, p.K, o[2]), "conv2d_"+dir, flops, bytes, xn, wn, yn, out, g, k)
		c.torch = &torchCase{Op: "conv2d_" + dir, Params: tp}
		return c
	}
	q := p
	q.Bias = false // bias is a separate kernel; time the GEMM-shaped work
	return []benchCase{
		mk("fwd", 2, gemmShape{m: p.K, n: cols, k: rows}, threeBufferKernel{
			record: func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
				return lib.Conv2DForward(s, q, x, w, nil, y)
			},
			cpu: func(d *cpu.Device, x, w, y []float32) error { return d.Conv2DForward(q, x, w, nil, y) },
			ref: func(x, w, y []float32) ([]float32, error) { return kernels.Conv2DForward(q, x, w, nil) },
		}),
		mk("bwd_data", 0, gemmShape{transA: true, m: rows, n: cols, k: p.K}, threeBufferKernel{
			record: func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
				return lib.Conv2DBackwardInput(s, q, w, y, x)
			},
			cpu: func(d *cpu.Device, x, w, y []float32) error { return d.Conv2DBackwardInput(q, w, y, x) },
			ref: func(x, w, y []float32) ([]float32, error) { return kernels.Conv2DBackwardInput(q, w, y) },
		}),
		mk("bwd_filter", 1, gemmShape{transB: true, m: p.K, n: rows, k: cols}, threeBufferKernel{
			record: func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
				return lib.Conv2DBackwardWeight(s, q, x, y, w)
			},
			cpu: func(d *cpu.Device, x, w, y []float32) error { return d.Conv2DBackwardWeight(q, x, y, w) },
			ref: func(x, w, y []float32) ([]float32, error) { return kernels.Conv2DBackwardWeight(q, x, y) },
		}),
	}
}

// convTCases lists forward and backward kernels of one transposed-conv layer.
func convTCases(label string, p kernels.ConvTranspose2DParams) []benchCase {
	o := p.OutputShape()
	xn, wn, yn := p.N*p.C*p.H*p.W, p.C*p.K*p.KH*p.KW, o[0]*o[1]*o[2]*o[3]
	flops := 2 * float64(xn) * float64(p.K*p.KH*p.KW)
	bytes := 4 * float64(xn+wn+yn)
	tp := map[string]int{"N": p.N, "C": p.C, "H": p.H, "W": p.W, "K": p.K, "KH": p.KH, "KW": p.KW, "S": p.StrideH, "P": p.PadH, "OP": p.OutPadH}
	// The CPU kernels' SGEMM over the im2col matrix of the output batch,
	// [K·KH·KW, N·H·W] (kernels/cpu/conv_transpose2d.go).
	rows, cols := p.K*p.KH*p.KW, p.N*p.H*p.W
	mk := func(dir string, out int, g gemmShape, k threeBufferKernel) benchCase {
		c := threeBufferCase(convName(label, "convT_"+dir, p.N, p.C, p.H, p.K, o[2]), "conv_transpose2d_"+dir, flops, bytes, xn, wn, yn, out, g, k)
		c.torch = &torchCase{Op: "conv_transpose2d_" + dir, Params: tp}
		return c
	}
	q := p
	q.Bias = false
	return []benchCase{
		mk("fwd", 2, gemmShape{transA: true, m: rows, n: cols, k: p.C}, threeBufferKernel{
			record: func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
				return lib.ConvTranspose2DForward(s, q, x, w, nil, y)
			},
			cpu: func(d *cpu.Device, x, w, y []float32) error { return d.ConvTranspose2DForward(q, x, w, nil, y) },
			ref: func(x, w, y []float32) ([]float32, error) { return kernels.ConvTranspose2DForward(q, x, w, nil) },
		}),
		mk("bwd_data", 0, gemmShape{m: p.C, n: cols, k: rows}, threeBufferKernel{
			record: func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
				return lib.ConvTranspose2DBackwardInput(s, q, w, y, x)
			},
			cpu: func(d *cpu.Device, x, w, y []float32) error { return d.ConvTranspose2DBackwardInput(q, w, y, x) },
			ref: func(x, w, y []float32) ([]float32, error) { return kernels.ConvTranspose2DBackwardInput(q, w, y) },
		}),
		mk("bwd_filter", 1, gemmShape{transB: true, m: p.C, n: rows, k: cols}, threeBufferKernel{
			record: func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
				return lib.ConvTranspose2DBackwardWeight(s, q, x, y, w)
			},
			cpu: func(d *cpu.Device, x, w, y []float32) error { return d.ConvTranspose2DBackwardWeight(q, x, y, w) },
			ref: func(x, w, y []float32) ([]float32, error) { return kernels.ConvTranspose2DBackwardWeight(q, x, y) },
		}),
	}
}

// threeBufferKernel is a kernel over an input x, a weight w and an output y,
// on each backend; ref returns the reference value of the array the kernel writes.
type threeBufferKernel struct {
	record func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error
	cpu    func(d *cpu.Device, x, w, y []float32) error
	ref    func(x, w, y []float32) ([]float32, error)
}

// threeBufferCase is a GEMM-shaped kernel over arrays x, w and y of the given
// sizes that writes array out (0: x, 1: w, 2: y) with one SGEMM call g on the CPU.
func threeBufferCase(name, op string, flops, bytes float64, xn, wn, yn, out int, g gemmShape, k threeBufferKernel) benchCase {
	return benchCase{name: name, op: op, flops: flops, bytes: bytes, sizes: []int{xn, wn, yn}, out: out,
		gemms: []gemmShape{g},
		record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
			return k.record(lib, s, b[0], b[1], b[2])
		},
		cpu: func(d *cpu.Device, h [][]float32) error { return k.cpu(d, h[0], h[1], h[2]) },
		ref: func(h [][]float32) ([]float32, error) { return k.ref(h[0], h[1], h[2]) },
	}
}
