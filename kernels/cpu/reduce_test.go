package cpu

import (
	"fmt"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

var reduceCases = []kernels.ReduceParams{
	{Shape: []int{1}, Axes: []int{0}},
	{Shape: []int{7}, Axes: []int{0}, KeepDims: true},
	{Shape: []int{3, 5, 4, 7}, Axes: []int{0, 2, 3}},
	{Shape: []int{3, 5, 4, 7}, Axes: []int{1}, KeepDims: true},
	{Shape: []int{3, 5, 4, 7}, Axes: []int{0}},
	{Shape: []int{3, 5, 4, 7}, Axes: []int{3}},
	{Shape: []int{3, 5, 4, 7}, Axes: []int{3, 1}},
	{Shape: []int{3, 5, 4, 7}, Axes: []int{0, 2}},
	{Shape: []int{3, 5, 4, 7}, Axes: []int{2, 0, 1, 3}},
	{Shape: []int{3, 1, 4, 1}, Axes: []int{1, 3}},
	{Shape: []int{64, 1, 28, 28}, Axes: []int{0, 1, 2, 3}, KeepDims: true}, // the runtime's Mean
	{Shape: []int{1000003}, Axes: []int{0}},
	{Shape: []int{301, 333}, Axes: []int{0}},
	{Shape: []int{5, 70001}, Axes: []int{1}},
	{Shape: []int{70001, 5}, Axes: []int{0}},
	{Shape: []int{64, 128, 7, 7}, Axes: []int{0, 2, 3}},
	{Shape: []int{7, 64, 3, 5, 11}, Axes: []int{1, 3}},
}

func TestReduceMatchesReference(t *testing.T) {
	forDevices(t, func(t *testing.T, d *Device) {
		r := kerneltest.NewRand(13)
		for _, p := range reduceCases {
			t.Run(fmt.Sprintf("%v/%v/%v", p.Shape, p.Axes, p.KeepDims), func(t *testing.T) {
				in := 1
				for _, s := range p.Shape {
					in *= s
				}
				out := in / p.Count()
				x, dy := kerneltest.RandVec(r, in), kerneltest.RandVec(r, out)
				for _, c := range []struct {
					name string
					ref  func(kernels.ReduceParams, []float32) ([]float32, error)
					dev  func(kernels.ReduceParams, []float32, []float32) error
					x    []float32
					n    int
				}{
					{"sum", kernels.ReduceSum, d.ReduceSum, x, out},
					{"mean", kernels.ReduceMean, d.ReduceMean, x, out},
					{"sum backward", kernels.ReduceSumBackward, d.ReduceSumBackward, dy, in},
					{"mean backward", kernels.ReduceMeanBackward, d.ReduceMeanBackward, dy, in},
				} {
					want, err := c.ref(p, c.x)
					must(t, err)
					got := kerneltest.Poisoned(c.n)
					must(t, c.dev(p, c.x, got))
					kerneltest.ExpectClose(t, c.name, got, want)
				}
			})
		}
	})
}

func TestReduceRejectsBadArguments(t *testing.T) {
	d := &Device{threads: 2}
	p := kernels.ReduceParams{Shape: []int{2, 3}, Axes: []int{1}}
	x, y, short := make([]float32, 6), make([]float32, 2), make([]float32, 5)
	for _, c := range []struct {
		name  string
		err   error
		parts []string
	}{
		{"empty shape", d.ReduceSum(kernels.ReduceParams{Axes: []int{0}}, x, y), []string{"reduce sum", "Shape is empty"}},
		{"no axes", d.ReduceMean(kernels.ReduceParams{Shape: []int{6}}, x, y), []string{"reduce mean", "Axes is empty"}},
		{"axis out of range", d.ReduceSumBackward(kernels.ReduceParams{Shape: []int{2, 3}, Axes: []int{2}}, y, x), []string{"reduce sum backward", "axis 2"}},
		{"repeated axis", d.ReduceMeanBackward(kernels.ReduceParams{Shape: []int{2, 3}, Axes: []int{1, 1}}, y, x), []string{"reduce mean backward", "appears twice"}},
		{"zero dim", d.ReduceSum(kernels.ReduceParams{Shape: []int{2, 0}, Axes: []int{1}}, x, y), []string{"reduce sum", "Shape[1] must be >= 1"}},
		{"output in input", d.ReduceSum(p, x, x[4:]), []string{"reduce sum", "output overlaps input"}},
		{"grad input over grad output", d.ReduceSumBackward(p, x[:2], x), []string{"reduce sum backward", "grad input overlaps grad output"}},
	} {
		kerneltest.WantErr(t, c.name, c.err, c.parts...)
	}
	full := []int{2, 3}
	for _, c := range []struct {
		name string
		err  error
		want *kernels.ShapeError
	}{
		{"short input", d.ReduceSum(p, short, y), &kernels.ShapeError{Op: "reduce sum", Tensor: "input", Got: 5, Want: 6, Formula: "Shape", Dims: full}},
		{"long output", d.ReduceMean(p, x, make([]float32, 3)), &kernels.ShapeError{Op: "reduce mean", Tensor: "output", Got: 3, Want: 2, Formula: "OutputShape()", Dims: []int{2}}},
		{"short grad output", d.ReduceSumBackward(p, y[:1], x), &kernels.ShapeError{Op: "reduce sum backward", Tensor: "grad output", Got: 1, Want: 2, Formula: "OutputShape()", Dims: []int{2}}},
		{"short grad input", d.ReduceMeanBackward(p, y, short), &kernels.ShapeError{Op: "reduce mean backward", Tensor: "grad input", Got: 5, Want: 6, Formula: "Shape", Dims: full}},
	} {
		kerneltest.WantAs(t, c.name, c.err, c.want)
	}
}
