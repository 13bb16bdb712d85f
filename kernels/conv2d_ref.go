package kernels

import "fmt"

// Conv2DParams describes a 2-D cross-correlation with the semantics of
// PyTorch's torch.nn.functional.conv2d (dilation 1, groups 1, zero padding):
//
//	input  x [N, C, H, W]
//	weight w [K, C, KH, KW]
//	bias   b [K]            (only when Bias is true; otherwise pass nil)
//	output y [N, K, OH, OW]
//	OH = (H + 2·PadH − KH)/StrideH + 1,  OW = (W + 2·PadW − KW)/StrideW + 1
//
// where the divisions round down. Epilogue, when active, is applied to every
// output of the forward after the bias.
type Conv2DParams struct {
	N, C, H, W       int // input batch, channels, height, width
	K                int // output channels
	KH, KW           int // kernel height and width
	StrideH, StrideW int
	PadH, PadW       int // zero padding added on both sides
	Bias             bool
	Epilogue         Epilogue
}

// Validate reports the first invalid field: sizes and strides must be >= 1,
// paddings >= 0, the kernel must fit in the padded input and the epilogue
// must be valid.
func (p Conv2DParams) Validate() error {
	const op = "conv2d"
	if err := p.Epilogue.Validate(op); err != nil {
		return err
	}
	if err := requirePositive(op,
		field{"N", p.N}, field{"C", p.C}, field{"H", p.H}, field{"W", p.W},
		field{"K", p.K}, field{"KH", p.KH}, field{"KW", p.KW},
		field{"StrideH", p.StrideH}, field{"StrideW", p.StrideW}); err != nil {
		return err
	}
	if err := requireNonNegative(op, field{"PadH", p.PadH}, field{"PadW", p.PadW}); err != nil {
		return err
	}
	if p.KH > p.H+2*p.PadH {
		return fmt.Errorf("%s: KH=%d is larger than the padded input height H+2*PadH=%d", op, p.KH, p.H+2*p.PadH)
	}
	if p.KW > p.W+2*p.PadW {
		return fmt.Errorf("%s: KW=%d is larger than the padded input width W+2*PadW=%d", op, p.KW, p.W+2*p.PadW)
	}
	return nil
}

// InputShape returns [N, C, H, W].
func (p Conv2DParams) InputShape() [4]int { return [4]int{p.N, p.C, p.H, p.W} }

// WeightShape returns [K, C, KH, KW].
func (p Conv2DParams) WeightShape() [4]int { return [4]int{p.K, p.C, p.KH, p.KW} }

// OutputShape returns [N, K, OH, OW] (see Conv2DParams). It is meaningful only
// for parameters that pass Validate.
func (p Conv2DParams) OutputShape() [4]int {
	return [4]int{p.N, p.K,
		(p.H+2*p.PadH-p.KH)/p.StrideH + 1,
		(p.W+2*p.PadW-p.KW)/p.StrideW + 1}
}

// Flops returns the floating-point operations of the forward pass, two per
// multiply-add of the weights (bias additions not counted).
func (p Conv2DParams) Flops() float64 {
	o := p.OutputShape()
	return 2 * float64(p.N) * float64(p.K) * float64(o[2]*o[3]) * float64(p.C*p.KH*p.KW)
}

const OpConv2D = "conv2d"

// tensors returns the sizes of x, w and y; p must be valid.
func (p Conv2DParams) tensors() layerTensors {
	return layerTensors{op: OpConv2D,
		input:  size4("N*C*H*W", p.InputShape()),
		weight: size4("K*C*KH*KW", p.WeightShape()),
		output: size4("N*K*OH*OW", p.OutputShape()),
		bias:   p.Bias, biasDim: "K", biasLen: p.K}
}

// forEachProduct calls f(xi, wi, yi) for every product
// x[n,c,iy,ix]·w[k,c,ky,kx] in the sum of y[n,k,oy,ox], where
// iy = oy·StrideH − PadH + ky and ix = ox·StrideW − PadW + kx lie in the
// input (positions in the zero padding have none), in the order n, k, oy,
// ox, c, ky, kx.
func (p Conv2DParams) forEachProduct(f func(xi, wi, yi int)) {
	o := p.OutputShape()
	oh, ow := o[2], o[3]
	for n := 0; n < p.N; n++ {
		for k := 0; k < p.K; k++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					yi := ((n*p.K+k)*oh+oy)*ow + ox
					for c := 0; c < p.C; c++ {
						for ky := 0; ky < p.KH; ky++ {
							iy := oy*p.StrideH - p.PadH + ky
							if iy < 0 || iy >= p.H {
								continue
							}
							for kx := 0; kx < p.KW; kx++ {
								ix := ox*p.StrideW - p.PadW + kx
								if ix < 0 || ix >= p.W {
									continue
								}
								f(((n*p.C+c)*p.H+iy)*p.W+ix, ((k*p.C+c)*p.KH+ky)*p.KW+kx, yi)
							}
						}
					}
				}
			}
		}
	}
}

// Conv2DForward returns y of shape [N, K, OH, OW] with
//
//	y[n,k,oy,ox] = b[k] + Σ_{c,ky,kx} x[n, c, oy·StrideH − PadH + ky, ox·StrideW − PadW + kx] · w[k,c,ky,kx]
//
// where input positions outside [0,H)×[0,W) are zero and b[k] = 0 when Bias
// is false, then the epilogue's activation, if any.
func Conv2DForward(p Conv2DParams, x, w, b []float32) ([]float32, error) {
	if err := CheckForwardArgs(p, x, w, b); err != nil {
		return nil, err
	}
	return round32(p.Epilogue.apply(conv2dForward(p, x, w, b))), nil
}

// conv2dForward is the float64 body of Conv2DForward: the bias, then the
// products in the order of forEachProduct; arguments are assumed valid.
func conv2dForward[T float](p Conv2DParams, x, w, b []T) []float64 {
	o := p.OutputShape()
	y := make([]float64, p.N*p.K*o[2]*o[3])
	if p.Bias {
		addChannelBias(y, b, p.N, p.K, o[2]*o[3])
	}
	p.forEachProduct(func(xi, wi, yi int) { y[yi] += float64(x[xi]) * float64(w[wi]) })
	return y
}

// Conv2DBackwardInput returns the gradient of the loss w.r.t. the input,
// dx of shape [N, C, H, W], given the gradient dy [N, K, OH, OW] w.r.t. the
// output:
//
//	dx[n,c,iy,ix] = Σ dy[n,k,oy,ox] · w[k,c,ky,kx]
//
// summed over all k, oy, ox, ky, kx with oy·StrideH − PadH + ky = iy and
// ox·StrideW − PadW + kx = ix. Input positions that no output window covers
// get zero.
func Conv2DBackwardInput(p Conv2DParams, w, dy []float32) ([]float32, error) {
	return layerBackwardInput(p, w, dy)
}

// Conv2DBackwardWeight returns the gradient w.r.t. the weight, dw of shape
// [K, C, KH, KW], given the input x and the output gradient dy:
//
//	dw[k,c,ky,kx] = Σ_{n,oy,ox} dy[n,k,oy,ox] · x[n, c, oy·StrideH − PadH + ky, ox·StrideW − PadW + kx]
//
// with out-of-range input positions contributing zero.
func Conv2DBackwardWeight(p Conv2DParams, x, dy []float32) ([]float32, error) {
	return layerBackwardWeight(p, x, dy)
}

// Conv2DBackwardBias returns the gradient w.r.t. the bias, db of shape [K]:
//
//	db[k] = Σ_{n,oy,ox} dy[n,k,oy,ox]
//
// It is an error to call it when Bias is false.
func Conv2DBackwardBias(p Conv2DParams, dy []float32) ([]float32, error) {
	return layerBackwardBias(p, dy)
}
