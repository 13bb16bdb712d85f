package vulkan

import (
	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// convTranspose2DGeom returns the conv2d geometry whose adjoint this transposed convolution is:
// the correlation maps [N, K, OH, OW] to [N, C, H, W] with the weight
// [C, K, KH, KW] read as a conv2d weight (K'=C output channels, C'=K input
// channels). Its output size is exactly H×W because OutPad < Stride.
func convTranspose2DGeom(p kernels.ConvTranspose2DParams) convGeom {
	o := p.OutputShape()
	return convGeom{N: p.N, C: p.K, H: o[2], W: o[3], K: p.C, OH: p.H, OW: p.W,
		KH: p.KH, KW: p.KW, SH: p.StrideH, SW: p.StrideW, PH: p.PadH, PW: p.PadW}
}

// convTranspose2DLayer describes a conv_transpose2d layer's buffers and
// kernels: those of the adjoint of its correlation.
func convTranspose2DLayer(p kernels.ConvTranspose2DParams) convLayer {
	if err := p.Validate(); err != nil {
		return convLayer{invalid: err}
	}
	return convLayer{name: "conv_transpose2d", bias: p.Bias, in: p.InputShape(), weight: p.WeightShape(),
		weightFormula: "C*K*KH*KW", out: p.OutputShape(), g: convTranspose2DGeom(p), transposed: true}
}

// ConvTranspose2DForward records y = conv_transpose2d(x, w) + b, then
// p.Epilogue at the store (see the reference):
// x [N,C,H,W], w [C,K,KH,KW], b [K] (only when p.Bias; may be nil otherwise),
// y [N,K,OH,OW], overwritten. It runs the conv2d backward-data kernel.
func (l *Library) ConvTranspose2DForward(seq *vk.Sequence, p kernels.ConvTranspose2DParams, x, w, b, y *vk.Buffer) error {
	return l.convLayerForward(seq, convTranspose2DLayer(p), p.Epilogue, x, w, b, y)
}

// ConvTranspose2DBackwardInput records dx [N,C,H,W], the gradient w.r.t. the input,
// from w [C,K,KH,KW] and dy [N,K,OH,OW]: the conv2d forward of dy with w.
func (l *Library) ConvTranspose2DBackwardInput(seq *vk.Sequence, p kernels.ConvTranspose2DParams, w, dy, dx *vk.Buffer) error {
	return l.convLayerBackwardInput(seq, convTranspose2DLayer(p), w, dy, dx)
}

// ConvTranspose2DBackwardWeight records dw [C,K,KH,KW], the gradient w.r.t. the
// weight, from x [N,C,H,W] and dy [N,K,OH,OW]: the conv2d weight gradient with
// the roles of input (dy) and output gradient (x) swapped.
func (l *Library) ConvTranspose2DBackwardWeight(seq *vk.Sequence, p kernels.ConvTranspose2DParams, x, dy, dw *vk.Buffer) error {
	return l.convLayerBackwardWeight(seq, convTranspose2DLayer(p), x, dy, dw)
}

// ConvTranspose2DBackwardBias records db[k] = Σ_{n,oy,ox} dy[n,k,oy,ox]; p.Bias must be true.
func (l *Library) ConvTranspose2DBackwardBias(seq *vk.Sequence, p kernels.ConvTranspose2DParams, dy, db *vk.Buffer) error {
	return l.convLayerBackwardBias(seq, convTranspose2DLayer(p), dy, db)
}
