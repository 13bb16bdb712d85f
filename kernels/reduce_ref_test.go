package kernels

import (
	"fmt"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

var reduceCases = []struct {
	p    ReduceParams
	want []int // output shape
}{
	{ReduceParams{Shape: []int{3, 13, 5, 7}, Axes: []int{0, 2, 3}}, []int{13}},
	{ReduceParams{Shape: []int{3, 13, 5, 7}, Axes: []int{3, 0, 2}, KeepDims: true}, []int{1, 13, 1, 1}},
	{ReduceParams{Shape: []int{2, 3, 4}, Axes: []int{1}}, []int{2, 4}},
	{ReduceParams{Shape: []int{2, 3, 4}, Axes: []int{0, 2}, KeepDims: true}, []int{1, 3, 1}},
	{ReduceParams{Shape: []int{2, 3, 4}, Axes: []int{2, 1, 0}}, []int{}},
	{ReduceParams{Shape: []int{2, 3, 4}, Axes: []int{0, 1, 2}, KeepDims: true}, []int{1, 1, 1}},
	{ReduceParams{Shape: []int{5}, Axes: []int{0}}, []int{}},
	{ReduceParams{Shape: []int{1, 1}, Axes: []int{1}}, []int{1}},
	{ReduceParams{Shape: []int{3, 784}, Axes: []int{1}}, []int{3}},
	{ReduceParams{Shape: []int{4, 1, 6}, Axes: []int{1}, KeepDims: true}, []int{4, 1, 6}},
}

func reduceName(p ReduceParams) string {
	return fmt.Sprintf("shape%v_axes%v_keep%v", p.Shape, p.Axes, p.KeepDims)
}

// reduceDirect sums by unravelling every input index into coordinates with
// divisions and ravelling the kept coordinates into the output shape —
// independent of the oracle's stride/odometer walk.
func reduceDirect(p ReduceParams, x []float32) []float64 {
	isReduced := map[int]bool{}
	for _, a := range p.Axes {
		isReduced[a] = true
	}
	outShape := p.OutputShape()
	outLen := 1
	for _, d := range outShape {
		outLen *= d
	}
	y := make([]float64, outLen)
	for i, v := range x {
		coords := make([]int, len(p.Shape))
		rem := i
		for a := len(p.Shape) - 1; a >= 0; a-- {
			coords[a] = rem % p.Shape[a]
			rem /= p.Shape[a]
		}
		var outCoords []int
		for a, c := range coords {
			switch {
			case !isReduced[a]:
				outCoords = append(outCoords, c)
			case p.KeepDims:
				outCoords = append(outCoords, 0)
			}
		}
		o := 0
		for a, c := range outCoords {
			o = o*outShape[a] + c
		}
		y[o] += float64(v)
	}
	return y
}

func TestReduce(t *testing.T) {
	for i, c := range reduceCases {
		t.Run(reduceName(c.p), func(t *testing.T) {
			mustNoErr(t, "validate", c.p.Validate())
			if got := c.p.OutputShape(); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("OutputShape() = %v, want %v", got, c.want)
			}
			in := 1
			for _, d := range c.p.Shape {
				in *= d
			}
			r := kerneltest.NewRand(int64(1900 + i))
			x := randn(r, in, 0.5, 1)
			want := reduceDirect(c.p, x)

			s, err := ReduceSum(c.p, x)
			mustNoErr(t, "sum", err)
			assertClose(t, "sum", s, want, exactRTol, exactATol)

			m, err := ReduceMean(c.p, x)
			mustNoErr(t, "mean", err)
			for j := range want {
				want[j] /= float64(c.p.Count())
			}
			assertClose(t, "mean", m, want, exactRTol, exactATol)

			// Backward by finite differences of the float64 forward.
			dy := randn(r, len(s), 0, 1)
			x64 := widen(x)
			ds, err := ReduceSumBackward(c.p, dy)
			mustNoErr(t, "sum backward", err)
			fdCheck(t, "sum backward", x64, ds, func() float64 { return weightedSum(dy, reduceSum(c.p, x64, 1)) }, r)
			dm, err := ReduceMeanBackward(c.p, dy)
			mustNoErr(t, "mean backward", err)
			fdCheck(t, "mean backward", x64, dm, func() float64 { return weightedSum(dy, reduceSum(c.p, x64, float64(c.p.Count()))) }, r)
		})
	}
}

// The per-channel mean of an NCHW tensor equals batch norm's saved mean.
func TestReduceMatchesBatchNormMean(t *testing.T) {
	p := NewBatchNorm2DParams(3, 13, 5, 7)
	d := newBNData(1950, p)
	_, saved, err := BatchNormTrainForward(p, d.x, d.gamma, d.beta, Copy(d.rmean), Copy(d.rvar))
	mustNoErr(t, "batch norm", err)
	m, err := ReduceMean(ReduceParams{Shape: []int{3, 13, 5, 7}, Axes: []int{0, 2, 3}}, d.x)
	mustNoErr(t, "reduce mean", err)
	kerneltest.BitEqual(t, "per-channel mean", m, saved.Mean)
}

func TestReduceValidation(t *testing.T) {
	good := ReduceParams{Shape: []int{2, 3}, Axes: []int{1}}
	cases := []struct {
		name  string
		call  func() error
		wants []string
	}{
		{"empty_shape", func() error { return ReduceParams{Axes: []int{0}}.Validate() }, []string{"reduce: Shape is empty"}},
		{"zero_dim", func() error { return ReduceParams{Shape: []int{2, 0}, Axes: []int{0}}.Validate() }, []string{"reduce: Shape[1] must be >= 1, got 0"}},
		{"no_axes", func() error { _, err := ReduceSum(ReduceParams{Shape: []int{2}}, []float32{1, 2}); return err }, []string{"reduce: Axes is empty"}},
		{"axis_out_of_range", func() error { return ReduceParams{Shape: []int{2, 3}, Axes: []int{2}}.Validate() }, []string{"reduce: axis 2 in Axes is out of range [0, 2)"}},
		{"negative_axis", func() error { _, err := ReduceMean(ReduceParams{Shape: []int{2, 3}, Axes: []int{-1}}, nil); return err }, []string{"axis -1 in Axes is out of range"}},
		{"repeated_axis", func() error { return ReduceParams{Shape: []int{2, 3}, Axes: []int{1, 1}}.Validate() }, []string{"reduce: axis 1 appears twice"}},
		{"sum_bad_input", func() error { _, err := ReduceSum(good, []float32{1, 2, 3}); return err }, []string{"reduce: input has 3 elements, want 6 (Shape = 2*3)"}},
		{"mean_bad_input", func() error { _, err := ReduceMean(good, nil); return err }, []string{"reduce: input has 0 elements, want 6"}},
		{"sum_backward_bad_dy", func() error { _, err := ReduceSumBackward(good, []float32{1, 2, 3}); return err }, []string{"reduce: grad output has 3 elements, want 2 (OutputShape() = 2)"}},
		{"mean_backward_bad_dy", func() error { _, err := ReduceMeanBackward(good, nil); return err }, []string{"reduce: grad output has 0 elements, want 2"}},
		{"backward_invalid_params", func() error { _, err := ReduceSumBackward(ReduceParams{Shape: []int{2}}, nil); return err }, []string{"reduce: Axes is empty"}},
	}
	for _, c := range cases {
		kerneltest.WantErr(t, c.name, c.call(), c.wants...)
	}
}
