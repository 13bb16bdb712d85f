package kernels

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

func TestElementwiseValues(t *testing.T) {
	a := []float32{1, -2.5, 3e-8, float32(math.Inf(1))}
	b := []float32{0.5, 2.5, 1, -1}
	sum, err := Add(a, b)
	mustNoErr(t, "add", err)
	kerneltest.BitEqual(t, "add", sum, []float32{1.5, 0, 1 + 3e-8, float32(math.Inf(1))})
	kerneltest.BitEqual(t, "scale", Scale(a, -2), []float32{-2, 5, -6e-8, float32(math.Inf(-1))})
	ax, err := Axpy(2, a[:3], b[:3])
	mustNoErr(t, "axpy", err)
	kerneltest.BitEqual(t, "axpy", ax, []float32{2.5, -2.5, float32(2*float64(float32(3e-8)) + 1)})
	f, err := Fill(3, 0.25)
	mustNoErr(t, "fill", err)
	kerneltest.BitEqual(t, "fill", f, []float32{0.25, 0.25, 0.25})
	f, err = Fill(0, 1)
	mustNoErr(t, "fill 0", err)
	if len(f) != 0 {
		t.Errorf("Fill(0) has %d elements", len(f))
	}
	nan := math.Float32frombits(0x7fc00123)
	negZero := float32(math.Copysign(0, -1))
	c := Copy([]float32{nan, negZero, 7})
	kerneltest.BitEqual(t, "copy", c, []float32{nan, negZero, 7})
}

// Add and Scale of float32 values computed in float64 and rounded once equal
// the correctly rounded float32 operations (double rounding is innocuous for
// + and × since 53 >= 2·24 + 2), which is what a shader computes.
func TestElementwiseMatchesFloat32Arithmetic(t *testing.T) {
	r := kerneltest.NewRand(1800)
	a := randn(r, 1000, 0, 10)
	b := randn(r, 1000, 0, 1e-3)
	s := float32(r.NormFloat64())
	sum, err := Add(a, b)
	mustNoErr(t, "add", err)
	sc := Scale(a, s)
	for i := range a {
		if sum[i] != a[i]+b[i] || sc[i] != s*a[i] {
			t.Fatalf("element %d: add %v vs %v, scale %v vs %v", i, sum[i], a[i]+b[i], sc[i], s*a[i])
		}
	}
	ax, err := Axpy(s, a, b)
	mustNoErr(t, "axpy", err)
	want := make([]float64, len(a))
	for i := range a {
		want[i] = float64(s)*float64(a[i]) + float64(b[i])
	}
	assertClose(t, "axpy", ax, want, exactRTol, exactATol)
}

func TestElementwiseValidation(t *testing.T) {
	_, err := Add([]float32{1, 2}, []float32{1})
	kerneltest.WantAs(t, "add", err, &ShapeError{
		Op: OpElementwise, Tensor: "add: b", Got: 1, Want: 2, Formula: "len(a)", Dims: []int{2}})
	_, err = Axpy(1, []float32{1}, []float32{1, 2, 3})
	kerneltest.WantAs(t, "axpy", err, &ShapeError{
		Op: OpElementwise, Tensor: "axpy: y", Got: 3, Want: 1, Formula: "len(x)", Dims: []int{1}})
	_, err = Fill(-1, 0)
	kerneltest.WantErr(t, "fill", err, "elementwise: fill: n must be >= 0, got -1")
}
