package kernels

import "fmt"

// ConvTranspose2DParams describes a 2-D transposed convolution with the
// semantics of PyTorch's torch.nn.functional.conv_transpose2d (dilation 1,
// groups 1):
//
//	input  x [N, C, H, W]
//	weight w [C, K, KH, KW]   (input channels first, as in PyTorch)
//	bias   b [K]              (only when Bias is true; otherwise pass nil)
//	output y [N, K, OH, OW]
//	OH = (H − 1)·StrideH − 2·PadH + KH + OutPadH
//	OW = (W − 1)·StrideW − 2·PadW + KW + OutPadW
//
// The forward pass is the adjoint (transpose) of Conv2DForward with the same
// weight, strides and paddings, mapping [N, C, H, W] to [N, K, OH, OW]; the
// output padding only adds rows/columns at the bottom/right so that OH, OW can
// be any of the sizes that a strided conv2d maps back to H, W.
type ConvTranspose2DParams struct {
	N, C, H, W       int // input batch, channels, height, width
	K                int // output channels
	KH, KW           int // kernel height and width
	StrideH, StrideW int
	PadH, PadW       int // implicit padding removed from both sides of the output
	OutPadH, OutPadW int // extra rows/columns at the bottom/right; must be < stride
	Bias             bool
	Epilogue         Epilogue // applied to every forward output after the bias
}

const opConvT2D = "conv_transpose2d"

// Validate reports the first invalid field: sizes and strides must be >= 1,
// paddings >= 0, 0 <= OutPad < Stride, and the output must be at least 1×1.
func (p ConvTranspose2DParams) Validate() error {
	const op = opConvT2D
	if err := p.Epilogue.Validate(op); err != nil {
		return err
	}
	if err := requirePositive(op,
		field{"N", p.N}, field{"C", p.C}, field{"H", p.H}, field{"W", p.W},
		field{"K", p.K}, field{"KH", p.KH}, field{"KW", p.KW},
		field{"StrideH", p.StrideH}, field{"StrideW", p.StrideW}); err != nil {
		return err
	}
	if err := requireNonNegative(op, field{"PadH", p.PadH}, field{"PadW", p.PadW},
		field{"OutPadH", p.OutPadH}, field{"OutPadW", p.OutPadW}); err != nil {
		return err
	}
	if p.OutPadH >= p.StrideH {
		return fmt.Errorf("%s: OutPadH=%d must be smaller than StrideH=%d", op, p.OutPadH, p.StrideH)
	}
	if p.OutPadW >= p.StrideW {
		return fmt.Errorf("%s: OutPadW=%d must be smaller than StrideW=%d", op, p.OutPadW, p.StrideW)
	}
	o := p.OutputShape()
	if o[2] < 1 {
		return fmt.Errorf("%s: output height (H-1)*StrideH-2*PadH+KH+OutPadH = %d is < 1 (PadH=%d too large)", op, o[2], p.PadH)
	}
	if o[3] < 1 {
		return fmt.Errorf("%s: output width (W-1)*StrideW-2*PadW+KW+OutPadW = %d is < 1 (PadW=%d too large)", op, o[3], p.PadW)
	}
	return nil
}

// InputShape returns [N, C, H, W].
func (p ConvTranspose2DParams) InputShape() [4]int { return [4]int{p.N, p.C, p.H, p.W} }

// WeightShape returns [C, K, KH, KW].
func (p ConvTranspose2DParams) WeightShape() [4]int { return [4]int{p.C, p.K, p.KH, p.KW} }

// OutputShape returns [N, K, OH, OW] (see ConvTranspose2DParams).
func (p ConvTranspose2DParams) OutputShape() [4]int {
	return [4]int{p.N, p.K,
		(p.H-1)*p.StrideH - 2*p.PadH + p.KH + p.OutPadH,
		(p.W-1)*p.StrideW - 2*p.PadW + p.KW + p.OutPadW}
}

// Flops returns the floating-point operations of the forward pass, two per
// multiply-add of the weights (bias additions not counted): every input
// value meets K·KH·KW weights.
func (p ConvTranspose2DParams) Flops() float64 {
	return 2 * float64(p.N) * float64(p.C*p.H*p.W) * float64(p.K*p.KH*p.KW)
}

// tensors returns the sizes of x, w and y; p must be valid.
func (p ConvTranspose2DParams) tensors() layerTensors {
	return layerTensors{op: opConvT2D,
		input:  size4("N*C*H*W", p.InputShape()),
		weight: size4("C*K*KH*KW", p.WeightShape()),
		output: size4("N*K*OH*OW", p.OutputShape()),
		bias:   p.Bias, biasDim: "K", biasLen: p.K}
}

// forEachProduct calls f(xi, wi, yi) for every product
// x[n,c,iy,ix]·w[c,k,ky,kx] in the sum of y[n,k,oy,ox], where
// oy = iy·StrideH − PadH + ky and ox = ix·StrideW − PadW + kx lie in the
// output (products that fall outside it are cropped away), in the order n,
// c, iy, ix, k, ky, kx.
//
// It walks the input and scatters into the output, from the definition of
// the transposed convolution, rather than reusing Conv2DParams'
// forEachProduct with the roles of x and y swapped: the two are independent
// statements of the same index relation, and the tests check each against
// the other (the adjoint test) as well as against finite differences.
func (p ConvTranspose2DParams) forEachProduct(f func(xi, wi, yi int)) {
	o := p.OutputShape()
	oh, ow := o[2], o[3]
	for n := 0; n < p.N; n++ {
		for c := 0; c < p.C; c++ {
			for iy := 0; iy < p.H; iy++ {
				for ix := 0; ix < p.W; ix++ {
					xi := ((n*p.C+c)*p.H+iy)*p.W + ix
					for k := 0; k < p.K; k++ {
						for ky := 0; ky < p.KH; ky++ {
							oy := iy*p.StrideH - p.PadH + ky
							if oy < 0 || oy >= oh {
								continue
							}
							for kx := 0; kx < p.KW; kx++ {
								ox := ix*p.StrideW - p.PadW + kx
								if ox < 0 || ox >= ow {
									continue
								}
								f(xi, ((c*p.K+k)*p.KH+ky)*p.KW+kx, ((n*p.K+k)*oh+oy)*ow+ox)
							}
						}
					}
				}
			}
		}
	}
}

// ConvTranspose2DForward returns y of shape [N, K, OH, OW] with
//
//	y[n,k,oy,ox] = b[k] + Σ x[n,c,iy,ix] · w[c,k,ky,kx]
//
// summed over all c, iy, ix, ky, kx with iy·StrideH − PadH + ky = oy and
// ix·StrideW − PadW + kx = ox (b[k] = 0 when Bias is false), then the
// epilogue's activation, if any.
func ConvTranspose2DForward(p ConvTranspose2DParams, x, w, b []float32) ([]float32, error) {
	if err := CheckForwardArgs(p, x, w, b); err != nil {
		return nil, err
	}
	return round32(p.Epilogue.apply(convTranspose2dForward(p, x, w, b))), nil
}

// convTranspose2dForward is the float64 body of ConvTranspose2DForward: the
// products in the order of forEachProduct, then the bias; arguments are
// assumed valid.
func convTranspose2dForward[T float](p ConvTranspose2DParams, x, w, b []T) []float64 {
	o := p.OutputShape()
	y := make([]float64, p.N*p.K*o[2]*o[3])
	p.forEachProduct(func(xi, wi, yi int) { y[yi] += float64(x[xi]) * float64(w[wi]) })
	if p.Bias {
		addChannelBias(y, b, p.N, p.K, o[2]*o[3])
	}
	return y
}

// ConvTranspose2DBackwardInput returns the gradient w.r.t. the input, dx of
// shape [N, C, H, W], given the output gradient dy [N, K, OH, OW]:
//
//	dx[n,c,iy,ix] = Σ_{k,ky,kx} dy[n, k, iy·StrideH − PadH + ky, ix·StrideW − PadW + kx] · w[c,k,ky,kx]
//
// with output positions outside [0,OH)×[0,OW) contributing zero. This is
// Conv2DForward of dy with the same weight, strides and paddings.
func ConvTranspose2DBackwardInput(p ConvTranspose2DParams, w, dy []float32) ([]float32, error) {
	return layerBackwardInput(p, w, dy)
}

// ConvTranspose2DBackwardWeight returns the gradient w.r.t. the weight, dw of
// shape [C, K, KH, KW], given the input x and the output gradient dy:
//
//	dw[c,k,ky,kx] = Σ_{n,iy,ix} x[n,c,iy,ix] · dy[n, k, iy·StrideH − PadH + ky, ix·StrideW − PadW + kx]
//
// with output positions outside [0,OH)×[0,OW) contributing zero.
func ConvTranspose2DBackwardWeight(p ConvTranspose2DParams, x, dy []float32) ([]float32, error) {
	return layerBackwardWeight(p, x, dy)
}

// ConvTranspose2DBackwardBias returns the gradient w.r.t. the bias, db of
// shape [K]: db[k] = Σ_{n,oy,ox} dy[n,k,oy,ox]. It is an error to call it
// when Bias is false.
func ConvTranspose2DBackwardBias(p ConvTranspose2DParams, dy []float32) ([]float32, error) {
	return layerBackwardBias(p, dy)
}
