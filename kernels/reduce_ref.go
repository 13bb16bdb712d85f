package kernels

import "fmt"

// ReduceParams describes a sum or mean of a row-major tensor with dimensions
// Shape over the axes Axes:
//
//	out[j] = Σ x[i]  (or the mean: Σ x[i] / count)
//
// summed over all input indices i whose coordinates on the axes not in Axes
// equal those of output index j; count is the product of Shape[a] over a in
// Axes. The output keeps the non-reduced axes in their original order, in
// row-major layout. With KeepDims the reduced axes stay in the output shape
// with size 1 (same flat layout); without it they are removed, and reducing
// every axis gives shape [] (a single element).
//
// Example: Shape [N, C, H, W], Axes {0, 2, 3} gives the per-channel sums [C]
// (or [1, C, 1, 1] with KeepDims).
type ReduceParams struct {
	Shape    []int // every dimension >= 1
	Axes     []int // distinct, each in [0, len(Shape)), any order, at least one
	KeepDims bool
}

const OpReduce = "reduce"

// Validate reports an empty shape, a dimension < 1, no axes, an axis out of
// range or a repeated axis.
func (p ReduceParams) Validate() error {
	if len(p.Shape) == 0 {
		return fmt.Errorf("%s: Shape is empty", OpReduce)
	}
	for i, d := range p.Shape {
		if d < 1 {
			return fmt.Errorf("%s: Shape[%d] must be >= 1, got %d", OpReduce, i, d)
		}
	}
	if len(p.Axes) == 0 {
		return fmt.Errorf("%s: Axes is empty (list every axis to reduce all of them)", OpReduce)
	}
	seen := make([]bool, len(p.Shape))
	for _, a := range p.Axes {
		if a < 0 || a >= len(p.Shape) {
			return fmt.Errorf("%s: axis %d in Axes is out of range [0, %d)", OpReduce, a, len(p.Shape))
		}
		if seen[a] {
			return fmt.Errorf("%s: axis %d appears twice in Axes", OpReduce, a)
		}
		seen[a] = true
	}
	return nil
}

// Reduced returns, per axis of Shape, whether it is reduced.
func (p ReduceParams) Reduced() []bool {
	r := make([]bool, len(p.Shape))
	for _, a := range p.Axes {
		r[a] = true
	}
	return r
}

// OutputShape returns the output dimensions (see ReduceParams). It is
// meaningful only for parameters that pass Validate.
func (p ReduceParams) OutputShape() []int {
	r := p.Reduced()
	out := []int{}
	for i, d := range p.Shape {
		switch {
		case !r[i]:
			out = append(out, d)
		case p.KeepDims:
			out = append(out, 1)
		}
	}
	return out
}

// Count returns the number of input elements summed into each output
// element: the product of Shape[a] over a in Axes.
func (p ReduceParams) Count() int {
	c := 1
	for _, a := range p.Axes {
		c *= p.Shape[a]
	}
	return c
}

// Sizes returns the number of input and output elements.
func (p ReduceParams) Sizes() (in, out int) {
	in = 1
	for _, d := range p.Shape {
		in *= d
	}
	return in, in / p.Count()
}

// outIndex returns, for every flat input index, the flat output index it
// reduces into.
func (p ReduceParams) outIndex() []int {
	r := p.Reduced()
	// Output stride of each input axis (0 for reduced axes).
	stride := make([]int, len(p.Shape))
	s := 1
	for a := len(p.Shape) - 1; a >= 0; a-- {
		if !r[a] {
			stride[a] = s
			s *= p.Shape[a]
		}
	}
	in, _ := p.Sizes()
	idx := make([]int, in)
	coord := make([]int, len(p.Shape))
	for i := range idx {
		o := 0
		for a, c := range coord {
			o += c * stride[a]
		}
		idx[i] = o
		for a := len(coord) - 1; a >= 0; a-- { // row-major odometer
			coord[a]++
			if coord[a] < p.Shape[a] {
				break
			}
			coord[a] = 0
		}
	}
	return idx
}

// ReduceSum returns the sums described in ReduceParams.
func ReduceSum(p ReduceParams, x []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := CheckLen(OpReduce, "input", len(x), "Shape", p.Shape...); err != nil {
		return nil, err
	}
	return round32(reduceSum(p, x, 1)), nil
}

// ReduceMean returns the sums described in ReduceParams divided by Count().
func ReduceMean(p ReduceParams, x []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := CheckLen(OpReduce, "input", len(x), "Shape", p.Shape...); err != nil {
		return nil, err
	}
	return round32(reduceSum(p, x, float64(p.Count()))), nil
}

// reduceSum is the float64 body of ReduceSum/ReduceMean: the sums divided by div.
func reduceSum[T float](p ReduceParams, x []T, div float64) []float64 {
	_, out := p.Sizes()
	y := make([]float64, out)
	for i, o := range p.outIndex() {
		y[o] += float64(x[i])
	}
	for j := range y {
		y[j] /= div
	}
	return y
}

// ReduceSumBackward returns the gradient of ReduceSum w.r.t. its input: dy
// (output-shaped) broadcast back to Shape, dx[i] = dy[j] where j is the
// output element that input element i is summed into.
func ReduceSumBackward(p ReduceParams, dy []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p.broadcast(dy, 1)
}

// ReduceMeanBackward returns the gradient of ReduceMean w.r.t. its input:
// dx[i] = dy[j]/Count(), j as in ReduceSumBackward.
func ReduceMeanBackward(p ReduceParams, dy []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p.broadcast(dy, float64(p.Count()))
}

// broadcast returns dx[i] = dy[j]/div, j the output index of input element i.
func (p ReduceParams) broadcast(dy []float32, div float64) ([]float32, error) {
	if err := CheckLen(OpReduce, "grad output", len(dy), "OutputShape()", p.OutputShape()...); err != nil {
		return nil, err
	}
	idx := p.outIndex()
	dx := make([]float32, len(idx))
	for i, o := range idx {
		dx[i] = float32(float64(dy[o]) / div)
	}
	return dx, nil
}
