package kernels

import "fmt"

// Layer is the parameter set of a layer with an input x, a weight w, an
// optional per-output-channel bias b and an output y that is a sum of
// products x·w (plus the bias): Conv2DParams, ConvTranspose2DParams and
// DenseParams.
type Layer interface {
	// Validate reports the first invalid field.
	Validate() error
	// tensors returns the op name and tensor sizes; p must be valid.
	tensors() layerTensors
	// forEachProduct calls f(xi, wi, yi) for every product x[xi]·w[wi] in
	// the forward sum of y[yi]; p must be valid.
	forEachProduct(f func(xi, wi, yi int))
}

// layerTensors names a valid layer's op and the sizes of its tensors as
// CheckLen reports them.
type layerTensors struct {
	op                    string
	input, weight, output tensorSize
	bias                  bool   // whether the layer has a bias
	biasDim               string // the name of the bias length, e.g. "K"
	biasLen               int
}

// tensorSize is a tensor's element count as a product of named dimensions.
type tensorSize struct {
	formula string // e.g. "N*C*H*W"
	rank    int    // how many of dims are used
	dims    [4]int
}

// size4 is the size of a 4-D tensor.
func size4(formula string, dims [4]int) tensorSize { return tensorSize{formula, 4, dims} }

// size2 is the size of a 2-D tensor [a, b].
func size2(formula string, a, b int) tensorSize { return tensorSize{formula, 2, [4]int{a, b}} }

// len returns the element count.
func (s tensorSize) len() int {
	n := 1
	for _, d := range s.dims[:s.rank] {
		n *= d
	}
	return n
}

// check reports whether v, named name in the error, has s's length.
func (t layerTensors) check(name string, s tensorSize, v []float32) error {
	return CheckLen(t.op, name, len(v), s.formula, s.dims[:s.rank]...)
}

// checkEach is check of every slice of vs.
func (t layerTensors) checkEach(name string, s tensorSize, vs [][]float32) error {
	for _, v := range vs {
		if err := t.check(name, s, v); err != nil {
			return err
		}
	}
	return nil
}

// firstError returns the first non-nil error of errs, or nil.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckForwardArgs validates p and the lengths of the forward pass's input
// x, weight w and bias b (nil without bias), then of each of out as the
// output; it returns the first error found in that order.
func CheckForwardArgs(p Layer, x, w, b []float32, out ...[]float32) error {
	if err := p.Validate(); err != nil {
		return err
	}
	t := p.tensors()
	return firstError(
		t.check("input", t.input, x),
		t.check("weight", t.weight, w),
		CheckBias(t.op, t.bias, b, t.biasDim, t.biasLen),
		t.checkEach("output", t.output, out))
}

// CheckBackwardInputArgs validates p and the lengths of the weight w and the
// output gradient dy, then of each of dx as the input gradient.
func CheckBackwardInputArgs(p Layer, w, dy []float32, dx ...[]float32) error {
	if err := p.Validate(); err != nil {
		return err
	}
	t := p.tensors()
	return firstError(
		t.check("weight", t.weight, w),
		t.check("grad output", t.output, dy),
		t.checkEach("grad input", t.input, dx))
}

// CheckBackwardWeightArgs validates p and the lengths of the input x and the
// output gradient dy, then of each of dw as the weight gradient.
func CheckBackwardWeightArgs(p Layer, x, dy []float32, dw ...[]float32) error {
	if err := p.Validate(); err != nil {
		return err
	}
	t := p.tensors()
	return firstError(
		t.check("input", t.input, x),
		t.check("grad output", t.output, dy),
		t.checkEach("grad weight", t.weight, dw))
}

// CheckBackwardBiasArgs validates p, that p has a bias, and the length of
// the output gradient dy, then of each of db as the bias gradient.
func CheckBackwardBiasArgs(p Layer, dy []float32, db ...[]float32) error {
	if err := p.Validate(); err != nil {
		return err
	}
	t := p.tensors()
	if !t.bias {
		return fmt.Errorf("%s: bias gradient requested but Bias is false", t.op)
	}
	bias := tensorSize{t.biasDim, 1, [4]int{t.biasLen}}
	return firstError(
		t.check("grad output", t.output, dy),
		t.checkEach("grad bias", bias, db))
}

// layerBackwardInput checks its arguments and returns the input gradient
// of p, dx[xi] = Σ dy[yi]·w[wi] over the forward products x[xi]·w[wi] of
// y[yi] in the order of forEachProduct.
func layerBackwardInput(p Layer, w, dy []float32) ([]float32, error) {
	if err := CheckBackwardInputArgs(p, w, dy); err != nil {
		return nil, err
	}
	dx := make([]float64, p.tensors().input.len())
	p.forEachProduct(func(xi, wi, yi int) { dx[xi] += float64(dy[yi]) * float64(w[wi]) })
	return round32(dx), nil
}

// layerBackwardWeight checks its arguments and returns the weight gradient
// of p, dw[wi] = Σ dy[yi]·x[xi] over the forward products x[xi]·w[wi] of
// y[yi] in the order of forEachProduct.
func layerBackwardWeight(p Layer, x, dy []float32) ([]float32, error) {
	if err := CheckBackwardWeightArgs(p, x, dy); err != nil {
		return nil, err
	}
	dw := make([]float64, p.tensors().weight.len())
	p.forEachProduct(func(xi, wi, yi int) { dw[wi] += float64(dy[yi]) * float64(x[xi]) })
	return round32(dw), nil
}

// layerBackwardBias checks its arguments and returns the bias gradient of
// p, db[k] = Σ_{n,s} dy[n,k,s] over the output [N, K, ...].
func layerBackwardBias(p Layer, dy []float32) ([]float32, error) {
	if err := CheckBackwardBiasArgs(p, dy); err != nil {
		return nil, err
	}
	o := p.tensors().output
	n, k := o.dims[0], o.dims[1]
	return sumChannels(dy, n, k, o.len()/(n*k)), nil
}

// addChannelBias adds b[j] to every element of channel j of y [n, c, hw].
func addChannelBias[T float](y []float64, b []T, n, c, hw int) {
	for i := 0; i < n; i++ {
		for j := 0; j < c; j++ {
			base := (i*c + j) * hw
			for s := 0; s < hw; s++ {
				y[base+s] += float64(b[j])
			}
		}
	}
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
