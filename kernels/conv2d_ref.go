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

func (p Conv2DParams) checkInput(x []float32) error {
	return CheckLen(OpConv2D, "input", len(x), "N*C*H*W", p.N, p.C, p.H, p.W)
}

func (p Conv2DParams) checkWeight(w []float32) error {
	return CheckLen(OpConv2D, "weight", len(w), "K*C*KH*KW", p.K, p.C, p.KH, p.KW)
}

func (p Conv2DParams) checkGradOutput(dy []float32) error {
	o := p.OutputShape()
	return CheckLen(OpConv2D, "grad output", len(dy), "N*K*OH*OW", o[0], o[1], o[2], o[3])
}

// Conv2DForward returns y of shape [N, K, OH, OW] with
//
//	y[n,k,oy,ox] = b[k] + Σ_{c,ky,kx} x[n, c, oy·StrideH − PadH + ky, ox·StrideW − PadW + kx] · w[k,c,ky,kx]
//
// where input positions outside [0,H)×[0,W) are zero and b[k] = 0 when Bias
// is false, then the epilogue's activation, if any.
func Conv2DForward(p Conv2DParams, x, w, b []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkInput(x); err != nil {
		return nil, err
	}
	if err := p.checkWeight(w); err != nil {
		return nil, err
	}
	if err := CheckBias(OpConv2D, p.Bias, b, "K", p.K); err != nil {
		return nil, err
	}
	return round32(p.Epilogue.apply(conv2dForward(p, x, w, b))), nil
}

// conv2dForward is the float64 body of Conv2DForward; arguments are assumed valid.
func conv2dForward[T float](p Conv2DParams, x, w, b []T) []float64 {
	o := p.OutputShape()
	oh, ow := o[2], o[3]
	y := make([]float64, p.N*p.K*oh*ow)
	for n := 0; n < p.N; n++ {
		for k := 0; k < p.K; k++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					acc := 0.0
					if p.Bias {
						acc = float64(b[k])
					}
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
								acc += float64(x[((n*p.C+c)*p.H+iy)*p.W+ix]) *
									float64(w[((k*p.C+c)*p.KH+ky)*p.KW+kx])
							}
						}
					}
					y[((n*p.K+k)*oh+oy)*ow+ox] = acc
				}
			}
		}
	}
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
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkWeight(w); err != nil {
		return nil, err
	}
	if err := p.checkGradOutput(dy); err != nil {
		return nil, err
	}
	o := p.OutputShape()
	oh, ow := o[2], o[3]
	dx := make([]float64, p.N*p.C*p.H*p.W)
	for n := 0; n < p.N; n++ {
		for k := 0; k < p.K; k++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					g := float64(dy[((n*p.K+k)*oh+oy)*ow+ox])
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
								dx[((n*p.C+c)*p.H+iy)*p.W+ix] += g * float64(w[((k*p.C+c)*p.KH+ky)*p.KW+kx])
							}
						}
					}
				}
			}
		}
	}
	return round32(dx), nil
}

// Conv2DBackwardWeight returns the gradient w.r.t. the weight, dw of shape
// [K, C, KH, KW], given the input x and the output gradient dy:
//
//	dw[k,c,ky,kx] = Σ_{n,oy,ox} dy[n,k,oy,ox] · x[n, c, oy·StrideH − PadH + ky, ox·StrideW − PadW + kx]
//
// with out-of-range input positions contributing zero.
func Conv2DBackwardWeight(p Conv2DParams, x, dy []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkInput(x); err != nil {
		return nil, err
	}
	if err := p.checkGradOutput(dy); err != nil {
		return nil, err
	}
	o := p.OutputShape()
	oh, ow := o[2], o[3]
	dw := make([]float64, p.K*p.C*p.KH*p.KW)
	for k := 0; k < p.K; k++ {
		for c := 0; c < p.C; c++ {
			for ky := 0; ky < p.KH; ky++ {
				for kx := 0; kx < p.KW; kx++ {
					acc := 0.0
					for n := 0; n < p.N; n++ {
						for oy := 0; oy < oh; oy++ {
							iy := oy*p.StrideH - p.PadH + ky
							if iy < 0 || iy >= p.H {
								continue
							}
							for ox := 0; ox < ow; ox++ {
								ix := ox*p.StrideW - p.PadW + kx
								if ix < 0 || ix >= p.W {
									continue
								}
								acc += float64(dy[((n*p.K+k)*oh+oy)*ow+ox]) *
									float64(x[((n*p.C+c)*p.H+iy)*p.W+ix])
							}
						}
					}
					dw[((k*p.C+c)*p.KH+ky)*p.KW+kx] = acc
				}
			}
		}
	}
	return round32(dw), nil
}

// Conv2DBackwardBias returns the gradient w.r.t. the bias, db of shape [K]:
//
//	db[k] = Σ_{n,oy,ox} dy[n,k,oy,ox]
//
// It is an error to call it when Bias is false.
func Conv2DBackwardBias(p Conv2DParams, dy []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if !p.Bias {
		return nil, fmt.Errorf("%s: bias gradient requested but Bias is false", OpConv2D)
	}
	if err := p.checkGradOutput(dy); err != nil {
		return nil, err
	}
	o := p.OutputShape()
	return sumChannels(dy, p.N, p.K, o[2]*o[3]), nil
}

// sumChannels returns, for a tensor [n, c, hw], the per-channel sums
// Σ_{n,hw} t[n,c,hw] rounded to float32.
func sumChannels(t []float32, n, c, hw int) []float32 {
	out := make([]float64, c)
	for i := 0; i < n; i++ {
		for j := 0; j < c; j++ {
			base := (i*c + j) * hw
			for s := 0; s < hw; s++ {
				out[j] += float64(t[base+s])
			}
		}
	}
	return round32(out)
}
