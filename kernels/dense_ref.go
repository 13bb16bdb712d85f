package kernels

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

// tensors returns the sizes of x, w and y; p must be valid.
func (p DenseParams) tensors() layerTensors {
	return layerTensors{op: OpDense,
		input:  size2("N*In", p.N, p.In),
		weight: size2("Out*In", p.Out, p.In),
		output: size2("N*Out", p.N, p.Out),
		bias:   p.Bias, biasDim: "Out", biasLen: p.Out}
}

// forEachProduct calls f(xi, wi, yi) for every product x[n,i]·w[o,i] in the
// sum of y[n,o], in the order n, o, i.
func (p DenseParams) forEachProduct(f func(xi, wi, yi int)) {
	for n := 0; n < p.N; n++ {
		for o := 0; o < p.Out; o++ {
			for i := 0; i < p.In; i++ {
				f(n*p.In+i, o*p.In+i, n*p.Out+o)
			}
		}
	}
}

// DenseForward returns y [N, Out] with y[n,o] = b[o] + Σ_i x[n,i]·w[o,i]
// (b[o] = 0 when Bias is false), then the epilogue's activation, if any.
func DenseForward(p DenseParams, x, w, b []float32) ([]float32, error) {
	if err := CheckForwardArgs(p, x, w, b); err != nil {
		return nil, err
	}
	return round32(p.Epilogue.apply(denseForward(p, x, w, b))), nil
}

// denseForward is the float64 body of DenseForward: the bias, then the
// products in the order of forEachProduct; arguments are assumed valid.
func denseForward[T float](p DenseParams, x, w, b []T) []float64 {
	y := make([]float64, p.N*p.Out)
	if p.Bias {
		addChannelBias(y, b, p.N, p.Out, 1)
	}
	p.forEachProduct(func(xi, wi, yi int) { y[yi] += float64(x[xi]) * float64(w[wi]) })
	return y
}

// DenseBackwardInput returns dx [N, In] with dx[n,i] = Σ_o dy[n,o]·w[o,i]
// (dx = dy·W).
func DenseBackwardInput(p DenseParams, w, dy []float32) ([]float32, error) {
	return layerBackwardInput(p, w, dy)
}

// DenseBackwardWeight returns dw [Out, In] with dw[o,i] = Σ_n dy[n,o]·x[n,i]
// (dW = dyᵀ·x).
func DenseBackwardWeight(p DenseParams, x, dy []float32) ([]float32, error) {
	return layerBackwardWeight(p, x, dy)
}

// DenseBackwardBias returns db [Out] with db[o] = Σ_n dy[n,o]. It is an error
// to call it when Bias is false.
func DenseBackwardBias(p DenseParams, dy []float32) ([]float32, error) {
	return layerBackwardBias(p, dy)
}
