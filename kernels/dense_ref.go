package kernels

import "fmt"

// DenseParams describes a fully connected layer y = x·Wᵀ + b (PyTorch
// torch.nn.functional.linear):
//
//	input  x [N, In]
//	weight w [Out, In]
//	bias   b [Out]    (only when Bias is true; otherwise pass nil)
//	output y [N, Out]
//
// Epilogue, when active, is applied to every output of the forward after the
// bias.
type DenseParams struct {
	N, In, Out int
	Bias       bool
	Epilogue   Epilogue
}

const OpDense = "dense"

// Flops returns the floating-point operations of the forward pass, two per
// multiply-add (bias additions not counted).
func (p DenseParams) Flops() float64 { return 2 * float64(p.N) * float64(p.In) * float64(p.Out) }

// Validate reports an invalid epilogue or the first field that is not >= 1.
func (p DenseParams) Validate() error {
	if err := p.Epilogue.Validate(OpDense); err != nil {
		return err
	}
	return requirePositive(OpDense, field{"N", p.N}, field{"In", p.In}, field{"Out", p.Out})
}

// OutputShape returns [N, Out].
func (p DenseParams) OutputShape() [2]int { return [2]int{p.N, p.Out} }

func (p DenseParams) checkInput(x []float32) error {
	return CheckLen(OpDense, "input", len(x), "N*In", p.N, p.In)
}

func (p DenseParams) checkWeight(w []float32) error {
	return CheckLen(OpDense, "weight", len(w), "Out*In", p.Out, p.In)
}

func (p DenseParams) checkGradOutput(dy []float32) error {
	return CheckLen(OpDense, "grad output", len(dy), "N*Out", p.N, p.Out)
}

// DenseForward returns y [N, Out] with y[n,o] = b[o] + Σ_i x[n,i]·w[o,i]
// (b[o] = 0 when Bias is false), then the epilogue's activation, if any.
func DenseForward(p DenseParams, x, w, b []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkInput(x); err != nil {
		return nil, err
	}
	if err := p.checkWeight(w); err != nil {
		return nil, err
	}
	if err := CheckBias(OpDense, p.Bias, b, "Out", p.Out); err != nil {
		return nil, err
	}
	return round32(p.Epilogue.apply(denseForward(p, x, w, b))), nil
}

// denseForward is the float64 body of DenseForward; arguments are assumed valid.
func denseForward[T float](p DenseParams, x, w, b []T) []float64 {
	y := make([]float64, p.N*p.Out)
	for n := 0; n < p.N; n++ {
		for o := 0; o < p.Out; o++ {
			acc := 0.0
			if p.Bias {
				acc = float64(b[o])
			}
			for i := 0; i < p.In; i++ {
				acc += float64(x[n*p.In+i]) * float64(w[o*p.In+i])
			}
			y[n*p.Out+o] = acc
		}
	}
	return y
}

// DenseBackwardInput returns dx [N, In] with dx[n,i] = Σ_o dy[n,o]·w[o,i]
// (dx = dy·W).
func DenseBackwardInput(p DenseParams, w, dy []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkWeight(w); err != nil {
		return nil, err
	}
	if err := p.checkGradOutput(dy); err != nil {
		return nil, err
	}
	dx := make([]float64, p.N*p.In)
	for n := 0; n < p.N; n++ {
		for i := 0; i < p.In; i++ {
			acc := 0.0
			for o := 0; o < p.Out; o++ {
				acc += float64(dy[n*p.Out+o]) * float64(w[o*p.In+i])
			}
			dx[n*p.In+i] = acc
		}
	}
	return round32(dx), nil
}

// DenseBackwardWeight returns dw [Out, In] with dw[o,i] = Σ_n dy[n,o]·x[n,i]
// (dW = dyᵀ·x).
func DenseBackwardWeight(p DenseParams, x, dy []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkInput(x); err != nil {
		return nil, err
	}
	if err := p.checkGradOutput(dy); err != nil {
		return nil, err
	}
	dw := make([]float64, p.Out*p.In)
	for o := 0; o < p.Out; o++ {
		for i := 0; i < p.In; i++ {
			acc := 0.0
			for n := 0; n < p.N; n++ {
				acc += float64(dy[n*p.Out+o]) * float64(x[n*p.In+i])
			}
			dw[o*p.In+i] = acc
		}
	}
	return round32(dw), nil
}

// DenseBackwardBias returns db [Out] with db[o] = Σ_n dy[n,o]. It is an error
// to call it when Bias is false.
func DenseBackwardBias(p DenseParams, dy []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if !p.Bias {
		return nil, fmt.Errorf("%s: bias gradient requested but Bias is false", OpDense)
	}
	if err := p.checkGradOutput(dy); err != nil {
		return nil, err
	}
	return sumChannels(dy, p.N, p.Out, 1), nil
}
