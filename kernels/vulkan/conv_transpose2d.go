package vulkan

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// geom returns the conv2d geometry whose adjoint this transposed convolution is:
// the correlation maps [N, K, OH, OW] to [N, C, H, W] with the weight
// [C, K, KH, KW] read as a conv2d weight (K'=C output channels, C'=K input
// channels). Its output size is exactly H×W because OutPad < Stride.
func convTranspose2DGeom(p kernels.ConvTranspose2DParams) convGeom {
	o := p.OutputShape()
	return convGeom{N: p.N, C: p.K, H: o[2], W: o[3], K: p.C, OH: p.H, OW: p.W,
		KH: p.KH, KW: p.KW, SH: p.StrideH, SW: p.StrideW, PH: p.PadH, PW: p.PadW}
}

// ConvTranspose2DForward records y = conv_transpose2d(x, w) + b, then
// p.Epilogue at the store (see the reference):
// x [N,C,H,W], w [C,K,KH,KW], b [K] (only when p.Bias; may be nil otherwise),
// y [N,K,OH,OW], overwritten. It runs the conv2d backward-data kernel.
func (l *Library) ConvTranspose2DForward(seq *vk.Sequence, p kernels.ConvTranspose2DParams, x, w, b, y *vk.Buffer) error {
	const op = "conv_transpose2d forward"
	if err := p.Validate(); err != nil {
		return err
	}
	o := p.OutputShape()
	if err := convFirstErr(
		checkBuf(op, "input", x, "N*C*H*W", p.N, p.C, p.H, p.W),
		checkBuf(op, "weight", w, "C*K*KH*KW", p.C, p.K, p.KH, p.KW),
		convCheckBias(op, p.Bias, b, p.K),
		checkBuf(op, "output", y, "N*K*OH*OW", o[0], o[1], o[2], o[3]),
	); err != nil {
		return err
	}
	return l.convBackwardData(seq, convTranspose2DGeom(p), p.Epilogue, x, w, convBiasOrNil(p.Bias, b), y)
}

// ConvTranspose2DBackwardInput records dx [N,C,H,W], the gradient w.r.t. the input,
// from w [C,K,KH,KW] and dy [N,K,OH,OW]: the conv2d forward of dy with w.
func (l *Library) ConvTranspose2DBackwardInput(seq *vk.Sequence, p kernels.ConvTranspose2DParams, w, dy, dx *vk.Buffer) error {
	const op = "conv_transpose2d backward input"
	if err := p.Validate(); err != nil {
		return err
	}
	o := p.OutputShape()
	if err := convFirstErr(
		checkBuf(op, "weight", w, "C*K*KH*KW", p.C, p.K, p.KH, p.KW),
		checkBuf(op, "grad output", dy, "N*K*OH*OW", o[0], o[1], o[2], o[3]),
		checkBuf(op, "grad input", dx, "N*C*H*W", p.N, p.C, p.H, p.W),
	); err != nil {
		return err
	}
	return l.convForward(seq, convTranspose2DGeom(p), kernels.Epilogue{}, dy, w, nil, dx)
}

// ConvTranspose2DBackwardWeight records dw [C,K,KH,KW], the gradient w.r.t. the
// weight, from x [N,C,H,W] and dy [N,K,OH,OW]: the conv2d weight gradient with
// the roles of input (dy) and output gradient (x) swapped.
func (l *Library) ConvTranspose2DBackwardWeight(seq *vk.Sequence, p kernels.ConvTranspose2DParams, x, dy, dw *vk.Buffer) error {
	const op = "conv_transpose2d backward weight"
	if err := p.Validate(); err != nil {
		return err
	}
	o := p.OutputShape()
	if err := convFirstErr(
		checkBuf(op, "input", x, "N*C*H*W", p.N, p.C, p.H, p.W),
		checkBuf(op, "grad output", dy, "N*K*OH*OW", o[0], o[1], o[2], o[3]),
		checkBuf(op, "grad weight", dw, "C*K*KH*KW", p.C, p.K, p.KH, p.KW),
	); err != nil {
		return err
	}
	return l.convBackwardFilter(seq, convTranspose2DGeom(p), dy, x, dw)
}

// ConvTranspose2DBackwardBias records db[k] = Σ_{n,oy,ox} dy[n,k,oy,ox]; p.Bias must be true.
func (l *Library) ConvTranspose2DBackwardBias(seq *vk.Sequence, p kernels.ConvTranspose2DParams, dy, db *vk.Buffer) error {
	const op = "conv_transpose2d backward bias"
	if err := p.Validate(); err != nil {
		return err
	}
	if !p.Bias {
		return fmt.Errorf("%s: bias gradient requested but Bias is false", op)
	}
	o := p.OutputShape()
	if err := convFirstErr(
		checkBuf(op, "grad output", dy, "N*K*OH*OW", o[0], o[1], o[2], o[3]),
		checkBuf(op, "grad bias", db, "K", p.K),
	); err != nil {
		return err
	}
	return l.convBiasGrad(seq, p.N, p.K, o[2]*o[3], dy, db)
}
