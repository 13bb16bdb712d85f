package cpu

import (
	"fmt"
	"unsafe"

	"github.com/ocgan-vk/ocgan/kernels"
)

// Element-wise operations (elementwise_ref.go). An output may be one of the
// inputs itself (in place), but must not partly overlap it.

const opElementwise = "elementwise"

// Grain sizes of d.parallel, in elements: a chunk below them is not worth a
// goroutine. Memory-bound loops take about 1 ns per element, so a grain of
// 32768 elements keeps the split overhead (a few µs) small.
const (
	grainStream = 1 << 15 // loads and stores only (copy, add, relu, ...)
	grainHeavy  = 1 << 12 // tens of ns per element (tanh, exp, Philox)
)

// addrRange returns the address range [lo, hi) of s's elements.
func addrRange(s []float32) (lo, hi uintptr) {
	if len(s) == 0 {
		return 0, 0
	}
	lo = uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return lo, lo + uintptr(len(s))*4
}

// overlaps reports whether a and b share an element.
func overlaps(a, b []float32) bool {
	alo, ahi := addrRange(a)
	blo, bhi := addrRange(b)
	return alo < bhi && blo < ahi
}

// identical reports whether a and b are the same elements.
func identical(a, b []float32) bool {
	alo, ahi := addrRange(a)
	blo, bhi := addrRange(b)
	return alo == blo && ahi == bhi
}

// named is a slice argument with its name, for the aliasing checks.
type named struct {
	name string
	v    []float32
}

// checkDisjoint reports an output that shares memory with another argument.
func checkDisjoint(op string, out named, others ...named) error {
	for _, o := range others {
		if overlaps(out.v, o.v) {
			return fmt.Errorf("%s: %s overlaps %s; an output must not alias another argument", op, out.name, o.name)
		}
	}
	return nil
}

// checkInPlace reports an output that partly overlaps an input: it may be
// the input itself (an element-wise op in place) or disjoint from it.
func checkInPlace(op string, out named, ins ...named) error {
	for _, in := range ins {
		if overlaps(out.v, in.v) && !identical(out.v, in.v) {
			return fmt.Errorf("%s: %s partly overlaps %s; an in-place output must be the input itself", op, out.name, in.name)
		}
	}
	return nil
}

// checkElementwise reports an input after the first, or the output, whose
// length differs from the first input's, then an output that partly
// overlaps an input (checkInPlace).
func checkElementwise(op string, out named, ins ...named) error {
	first := ins[0]
	sameLen := func(v named) error {
		return kernels.CheckLen(op, v.name, len(v.v), "len("+first.name+")", len(first.v))
	}
	for _, in := range ins[1:] {
		if err := sameLen(in); err != nil {
			return err
		}
	}
	if err := sameLen(out); err != nil {
		return err
	}
	return checkInPlace(op, out, ins...)
}

// Add sets out[i] = a[i] + b[i]. a, b and out have the same length; out may
// be a or b.
func (d *Device) Add(a, b, out []float32) error {
	const op = opElementwise + ": add"
	if err := checkElementwise(op, named{"out", out}, named{"a", a}, named{"b", b}); err != nil {
		return err
	}
	d.parallel(len(out), grainStream, func(lo, hi int) {
		a, b, out := a[lo:hi], b[lo:hi], out[lo:hi]
		for i := range out {
			// A float32 sum is the float64 sum rounded once (as the reference).
			out[i] = a[i] + b[i]
		}
	})
	return nil
}

// Scale sets out[i] = s·a[i]. a and out have the same length; out may be a.
func (d *Device) Scale(a []float32, s float32, out []float32) error {
	const op = opElementwise + ": scale"
	if err := checkElementwise(op, named{"out", out}, named{"a", a}); err != nil {
		return err
	}
	d.parallel(len(out), grainStream, func(lo, hi int) {
		a, out := a[lo:hi], out[lo:hi]
		for i := range out {
			out[i] = s * a[i]
		}
	})
	return nil
}

// Axpy sets out[i] = a·x[i] + y[i], rounded once to float32 as the
// reference. x, y and out have the same length; out may be x or y.
func (d *Device) Axpy(a float32, x, y, out []float32) error {
	const op = opElementwise + ": axpy"
	if err := checkElementwise(op, named{"out", out}, named{"x", x}, named{"y", y}); err != nil {
		return err
	}
	a64 := float64(a)
	d.parallel(len(out), grainStream, func(lo, hi int) {
		x, y, out := x[lo:hi], y[lo:hi], out[lo:hi]
		for i := range out {
			out[i] = float32(a64*float64(x[i]) + float64(y[i]))
		}
	})
	return nil
}

// Fill sets every element of out to v.
func (d *Device) Fill(v float32, out []float32) {
	d.parallel(len(out), grainStream, func(lo, hi int) {
		out := out[lo:hi]
		for i := range out {
			out[i] = v
		}
	})
}

// Copy sets dst = src, bit for bit (NaNs included); both have the same
// length and are the same slice or disjoint.
func (d *Device) Copy(src, dst []float32) error {
	const op = opElementwise + ": copy"
	if err := checkElementwise(op, named{"dst", dst}, named{"src", src}); err != nil {
		return err
	}
	if identical(src, dst) {
		return nil
	}
	d.parallel(len(dst), grainStream, func(lo, hi int) {
		copy(dst[lo:hi], src[lo:hi])
	})
	return nil
}

// wrapParams prefixes a parameter-validation error of the references with
// the name of the method that rejected it.
func wrapParams(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}
