package graph

import "github.com/ocgan-vk/ocgan/kernels"

// Conv2DOp is kernels.Conv2DForward: inputs x [N,C,H,W], w [K,C,KH,KW] and,
// when P.Bias, b [K]; output y [N,K,OH,OW].
type Conv2DOp struct{ P kernels.Conv2DParams }

// Conv2DBackwardInputOp is kernels.Conv2DBackwardInput: inputs w, dy; output dx.
type Conv2DBackwardInputOp struct{ P kernels.Conv2DParams }

// Conv2DBackwardWeightOp is kernels.Conv2DBackwardWeight: inputs x, dy; output dw.
type Conv2DBackwardWeightOp struct{ P kernels.Conv2DParams }

// Conv2DBackwardBiasOp is kernels.Conv2DBackwardBias: input dy; output db.
type Conv2DBackwardBiasOp struct{ P kernels.Conv2DParams }

// ConvTranspose2DOp is kernels.ConvTranspose2DForward: inputs x [N,C,H,W],
// w [C,K,KH,KW] and, when P.Bias, b [K]; output y [N,K,OH,OW].
type ConvTranspose2DOp struct{ P kernels.ConvTranspose2DParams }

// ConvTranspose2DBackwardInputOp is kernels.ConvTranspose2DBackwardInput: inputs w, dy; output dx.
type ConvTranspose2DBackwardInputOp struct{ P kernels.ConvTranspose2DParams }

// ConvTranspose2DBackwardWeightOp is kernels.ConvTranspose2DBackwardWeight: inputs x, dy; output dw.
type ConvTranspose2DBackwardWeightOp struct{ P kernels.ConvTranspose2DParams }

// ConvTranspose2DBackwardBiasOp is kernels.ConvTranspose2DBackwardBias: input dy; output db.
type ConvTranspose2DBackwardBiasOp struct{ P kernels.ConvTranspose2DParams }

// Kind implementations.
func (Conv2DOp) Kind() string                        { return "conv2d" }
func (Conv2DBackwardInputOp) Kind() string           { return "conv2d_backward_input" }
func (Conv2DBackwardWeightOp) Kind() string          { return "conv2d_backward_weight" }
func (Conv2DBackwardBiasOp) Kind() string            { return "conv2d_backward_bias" }
func (ConvTranspose2DOp) Kind() string               { return "conv_transpose2d" }
func (ConvTranspose2DBackwardInputOp) Kind() string  { return "conv_transpose2d_backward_input" }
func (ConvTranspose2DBackwardWeightOp) Kind() string { return "conv_transpose2d_backward_weight" }
func (ConvTranspose2DBackwardBiasOp) Kind() string   { return "conv_transpose2d_backward_bias" }

// Conv2D returns the 2-D cross-correlation of x [N,C,H,W] with w [K,C,KH,KW]
// plus b [K] (b may be nil), with the same stride and zero padding in both
// directions (kernels.Conv2DParams). The node is named after w
// ("enc.conv1.weight" gives "enc.conv1").
func (g *Graph) Conv2D(x, w, b *Tensor, stride, pad int) *Tensor {
	const kind = "conv2d"
	name, ok := g.beginWeighted(kind, x, w, b, 4, 1, "channels", "")
	if !ok {
		return g.placeholder()
	}
	p := kernels.Conv2DParams{N: x.shape[0], C: x.shape[1], H: x.shape[2], W: x.shape[3],
		K: w.shape[0], KH: w.shape[2], KW: w.shape[3],
		StrideH: stride, StrideW: stride, PadH: pad, PadW: pad, Bias: b != nil}
	return g.addWeighted(kind, name, Conv2DOp{P: p}, p, p.K, x, w, b, func() []int { o := p.OutputShape(); return o[:] })
}

// ConvTranspose2D returns the transposed convolution of x [N,C,H,W] with
// w [C,K,KH,KW] plus b [K] (b may be nil), with the same stride, padding and
// output padding in both directions (kernels.ConvTranspose2DParams).
func (g *Graph) ConvTranspose2D(x, w, b *Tensor, stride, pad, outPad int) *Tensor {
	const kind = "conv_transpose2d"
	name, ok := g.beginWeighted(kind, x, w, b, 4, 0, "channels", "")
	if !ok {
		return g.placeholder()
	}
	p := kernels.ConvTranspose2DParams{N: x.shape[0], C: x.shape[1], H: x.shape[2], W: x.shape[3],
		K: w.shape[1], KH: w.shape[2], KW: w.shape[3],
		StrideH: stride, StrideW: stride, PadH: pad, PadW: pad, OutPadH: outPad, OutPadW: outPad, Bias: b != nil}
	return g.addWeighted(kind, name, ConvTranspose2DOp{P: p}, p, p.K, x, w, b, func() []int { o := p.OutputShape(); return o[:] })
}

func (op Conv2DOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	return weightedGradient(b, n, dy, need, Conv2DBackwardInputOp(op), Conv2DBackwardWeightOp(op), Conv2DBackwardBiasOp(op))
}

func (op ConvTranspose2DOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	return weightedGradient(b, n, dy, need, ConvTranspose2DBackwardInputOp(op), ConvTranspose2DBackwardWeightOp(op), ConvTranspose2DBackwardBiasOp(op))
}
