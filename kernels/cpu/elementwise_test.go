package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// elementwiseSizes are the lengths of the element-wise tests: empty, tiny,
// not multiples of the thread counts or of 4, and above the grain sizes.
var elementwiseSizes = []int{0, 1, 3, 5, 13, 1023, 1<<15 + 1, 3*(1<<15) + 7, 200003}

func TestElementwiseMatchesReference(t *testing.T) {
	forDevices(t, func(t *testing.T, d *Device) {
		r := kerneltest.NewRand(1)
		for _, n := range elementwiseSizes {
			t.Run(fmt.Sprint(n), func(t *testing.T) {
				a, b := kerneltest.RandVec(r, n), kerneltest.RandVec(r, n)
				const s = float32(-1.7)

				want, err := kernels.Add(a, b)
				must(t, err)
				out := kerneltest.Poisoned(n)
				must(t, d.Add(a, b, out))
				kerneltest.ExpectClose(t, "add", out, want)
				inPlace := clone(a)
				must(t, d.Add(inPlace, b, inPlace))
				kerneltest.ExpectClose(t, "add in place", inPlace, want)

				want = kernels.Scale(a, s)
				out = kerneltest.Poisoned(n)
				must(t, d.Scale(a, s, out))
				kerneltest.ExpectClose(t, "scale", out, want)
				inPlace = clone(a)
				must(t, d.Scale(inPlace, s, inPlace))
				kerneltest.ExpectClose(t, "scale in place", inPlace, want)

				want, err = kernels.Axpy(s, a, b)
				must(t, err)
				out = kerneltest.Poisoned(n)
				must(t, d.Axpy(s, a, b, out))
				kerneltest.ExpectClose(t, "axpy", out, want)
				inPlace = clone(b)
				must(t, d.Axpy(s, a, inPlace, inPlace))
				kerneltest.ExpectClose(t, "axpy in place on y", inPlace, want)

				want, err = kernels.Fill(n, s)
				must(t, err)
				out = kerneltest.Poisoned(n)
				d.Fill(s, out)
				kerneltest.BitEqual(t, "fill", out, want)

				src := clone(a)
				if n > 2 {
					src[n/2] = float32(math.NaN())
					src[1] = float32(math.Inf(-1))
				}
				out = kerneltest.Poisoned(n)
				must(t, d.Copy(src, out))
				kerneltest.BitEqual(t, "copy", out, kernels.Copy(src))
				must(t, d.Copy(out, out))
				kerneltest.BitEqual(t, "copy onto itself", out, kernels.Copy(src))
			})
		}
	})
}

func TestElementwiseRejectsBadArguments(t *testing.T) {
	d := &Device{threads: 2}
	a, b, short := make([]float32, 6), make([]float32, 6), make([]float32, 5)
	buf := make([]float32, 7)
	for _, c := range []struct {
		name  string
		err   error
		parts []string
	}{
		{"add short out", d.Add(a, b, short), []string{"add", "out has 5 elements, want 6"}},
		{"add shifted out", d.Add(buf[:6], b, buf[1:]), []string{"add", "out partly overlaps a"}},
		{"scale short out", d.Scale(a, 2, short), []string{"elementwise: scale", "out has 5 elements"}},
		{"scale shifted out", d.Scale(buf[1:], 2, buf[:6]), []string{"scale", "out partly overlaps a"}},
		{"axpy short out", d.Axpy(2, a, b, short), []string{"axpy", "out has 5 elements"}},
		{"axpy shifted out", d.Axpy(2, a, buf[1:], buf[:6]), []string{"axpy", "out partly overlaps y"}},
		{"copy shifted dst", d.Copy(buf[:6], buf[1:]), []string{"copy", "dst partly overlaps src"}},
	} {
		kerneltest.WantErr(t, c.name, c.err, c.parts...)
	}
	for _, c := range []struct {
		name string
		err  error
		want *kernels.ShapeError
	}{
		{"add short b", d.Add(a, short, b), &kernels.ShapeError{Op: "elementwise: add", Tensor: "b", Got: 5, Want: 6, Formula: "len(a)", Dims: []int{6}}},
		{"axpy short y", d.Axpy(2, a, short, b), &kernels.ShapeError{Op: "elementwise: axpy", Tensor: "y", Got: 5, Want: 6, Formula: "len(x)", Dims: []int{6}}},
		{"copy short dst", d.Copy(a, short), &kernels.ShapeError{Op: "elementwise: copy", Tensor: "dst", Got: 5, Want: 6, Formula: "len(src)", Dims: []int{6}}},
	} {
		kerneltest.WantAs(t, c.name, c.err, c.want)
	}
}
