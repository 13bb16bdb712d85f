package main

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// layers are the shapes kbench times for one OCGAN geometry and batch, taken
// from the networks as ocgan/model builds them.
type layers struct {
	// enc and dv are the convolutions of En (whose shapes C shares but for
	// its one-logit head) and Dv, dec the transposed convolutions of De, dl
	// the dense layers of Dl.
	enc, dv []kernels.Conv2DParams
	dec     []kernels.ConvTranspose2DParams
	dl      []kernels.DenseParams
	// bn are batch-norm inputs [N, C, H, W]: En's hidden blocks, De's last
	// block and Dl's first layer (as H = W = 1).
	bn [][4]int
	// image is the values of one input image, act those of En's first
	// activation (the largest), dropout those of De's dropout (0: none).
	image, act, dropout int
	// encParams is the number of En's convolution weights and biases.
	encParams int
}

// modelLayers builds the networks of geo at batch n (Eval graphs, which
// any batch builds) and reads their layers.
func modelLayers(geo model.Geometry, n int) (layers, error) {
	m, err := model.New(geo)
	if err != nil {
		return layers{}, err
	}
	l := layers{image: geo.Channels * geo.ImageSize * geo.ImageSize}
	for _, net := range []model.Net{model.NetEncoder, model.NetVisualDisc, model.NetDecoder, model.NetLatentDisc} {
		g := graph.New(graph.NewParamSet(), graph.Eval)
		if _, err := m.Build(g, net, n); err != nil {
			return layers{}, err
		}
		var bn [][4]int
		for _, node := range g.Nodes() {
			switch op := node.Op().(type) {
			case graph.Conv2DOp:
				if net == model.NetEncoder {
					l.enc = append(l.enc, op.P)
				} else {
					l.dv = append(l.dv, op.P)
				}
			case graph.ConvTranspose2DOp:
				l.dec = append(l.dec, op.P)
			case graph.DenseOp:
				l.dl = append(l.dl, op.P)
			case graph.BatchNormEvalOp:
				s := append(node.Inputs()[0].Shape(), 1, 1)
				bn = append(bn, [4]int{s[0], s[1], s[2], s[3]})
			}
		}
		switch net {
		case model.NetEncoder:
			l.bn = append(l.bn, bn[:len(bn)-1]...) // the hidden blocks, not the 1x1 latent
		case model.NetDecoder:
			l.bn = append(l.bn, bn[len(bn)-1])
			if b := geo.DropoutBlock; b > 0 && geo.DropoutP > 0 { // Train graphs drop out after this block's batch norm
				s := bn[b-1]
				l.dropout = s[0] * s[1] * s[2] * s[3]
			}
		case model.NetLatentDisc:
			l.bn = append(l.bn, bn[0])
		}
	}
	o := l.enc[0].OutputShape()
	l.act = o[0] * o[1] * o[2] * o[3]
	for _, p := range l.enc {
		l.encParams += p.K * p.C * p.KH * p.KW
		if p.Bias {
			l.encParams += p.K
		}
	}
	return l, nil
}

// ocganCases lists the network kernels at the layer shapes l: the encoder
// (and classifier) convs, the decoder's transposed convs and the visual
// discriminator's convs, each forward and backward.
func ocganCases(l layers) []benchCase {
	var cases []benchCase
	for _, net := range []struct {
		label string
		ps    []kernels.Conv2DParams
	}{{"enc", l.enc}, {"dv", l.dv}} {
		for i, p := range net.ps {
			cases = append(cases, convCases(fmt.Sprintf("%s%d", net.label, i+1), p)...)
		}
	}
	for i, p := range l.dec {
		cases = append(cases, convTCases(fmt.Sprintf("dec%d", i+1), p)...)
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
	return withConvShapes(vulkan.Conv2DShapes(q), []benchCase{
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
	})
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
	return withConvShapes(vulkan.ConvTranspose2DShapes(q), []benchCase{
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
	})
}

// withConvShapes sets the conv kernel call of each case: shapes[i] for cases[i]
// (forward, backward input, backward weight).
func withConvShapes(shapes []vulkan.ConvShape, cases []benchCase) []benchCase {
	for i := range cases {
		cases[i].conv = &shapes[i]
	}
	return cases
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
