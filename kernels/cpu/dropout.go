package cpu

import (
	"math"

	"github.com/ocgan-vk/ocgan/kernels"
)

const (
	opDropoutForward  = "dropout forward"
	opDropoutBackward = "dropout backward"
)

// DropoutForward sets y = dropout(x) as kernels.DropoutForward defines it,
// with the mask of the Philox stream (p.Seed, p.Counter): the output is
// bit-identical to the reference's. In eval mode (p.Train false) y = x. x
// and y have the same length; y may be x.
func (d *Device) DropoutForward(p kernels.DropoutParams, x, y []float32) error {
	return d.dropout(opDropoutForward, "input x", "output y", p, x, y)
}

// DropoutBackward sets dx = dy masked and scaled as DropoutForward with the
// same p treats x (kernels.DropoutBackward). dy and dx have the same length;
// dx may be dy.
func (d *Device) DropoutBackward(p kernels.DropoutParams, dy, dx []float32) error {
	return d.dropout(opDropoutBackward, "grad output dy", "grad input dx", p, dy, dx)
}

func (d *Device) dropout(op, inName, outName string, p kernels.DropoutParams, in, out []float32) error {
	if err := wrapParams(op, p.Validate()); err != nil {
		return err
	}
	if err := checkElementwise(op, named{outName, out}, named{inName, in}); err != nil {
		return err
	}
	if err := checkStream(op, len(out)); err != nil {
		return err
	}
	if !p.Train {
		if identical(in, out) {
			return nil
		}
		d.parallel(len(out), grainStream, func(lo, hi int) { copy(out[lo:hi], in[lo:hi]) })
		return nil
	}
	n := len(out)
	div := 1 - float64(p.P)
	thr := keepThreshold(p.P)
	d.parallel((n+3)/4, grainHeavy/4, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			w := philoxBlock(p.Seed, p.Counter, uint32(b))
			e := min(4*b+4, n)
			src, dst := in[4*b:e], out[4*b:e]
			for j := range dst {
				// Without a branch, which the random mask would
				// mispredict half the time.
				v := float32(float64(src[j]) / div)
				dst[j] = math.Float32frombits(math.Float32bits(v) &^ dropMask(w[j], thr))
			}
		}
	})
	return nil
}

// keepThreshold returns the least w>>8 that dropout keeps at probability p
// in [0, 1): kernels.Uniform01(w) = (w>>8)·2⁻²⁴ exactly, so it is at least p
// when w>>8 is at least ⌈p·2²⁴⌉ (exact in float64).
func keepThreshold(p float32) uint32 {
	return uint32(math.Ceil(float64(p) * (1 << 24)))
}

// dropMask returns all ones when dropout drops the element of random word
// w (w>>8 below thr), else 0.
func dropMask(w, thr uint32) uint32 {
	return uint32(int32(w>>8-thr) >> 31)
}
