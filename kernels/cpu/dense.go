package cpu

import "github.com/ocgan-vk/ocgan/kernels"

const opDense = "dense"

// DenseForward writes kernels.DenseForward(p, x, w, b) to y [N, Out]; b is
// nil when p.Bias is false.
func (d *Device) DenseForward(p kernels.DenseParams, x, w, b, y []float32) error {
	return d.epilogue(d.denseForward(p, x, w, b, y), p.Epilogue, y)
}

// denseForward is DenseForward without the epilogue.
func (d *Device) denseForward(p kernels.DenseParams, x, w, b, y []float32) error {
	if err := kernels.CheckForwardArgs(p, x, w, b, y); err != nil {
		return err
	}
	if d.invariant {
		if !p.Bias {
			b = nil
		}
		return d.denseForwardEach(p, x, w, b, y)
	}
	var beta float32
	if p.Bias {
		for n := 0; n < p.N; n++ {
			copy(y[n*p.Out:(n+1)*p.Out], b)
		}
		beta = 1
	}
	return d.sgemm(opDense, false, true, p.N, p.Out, p.In, x, p.In, w, p.In, beta, y, p.Out)
}

// DenseBackwardInput writes kernels.DenseBackwardInput(p, w, dy) to dx
// [N, In].
func (d *Device) DenseBackwardInput(p kernels.DenseParams, w, dy, dx []float32) error {
	if err := kernels.CheckBackwardInputArgs(p, w, dy, dx); err != nil {
		return err
	}
	return d.sgemm(opDense, false, false, p.N, p.In, p.Out, dy, p.Out, w, p.In, 0, dx, p.In)
}

// DenseBackwardWeight writes kernels.DenseBackwardWeight(p, x, dy) to dw
// [Out, In].
func (d *Device) DenseBackwardWeight(p kernels.DenseParams, x, dy, dw []float32) error {
	if err := kernels.CheckBackwardWeightArgs(p, x, dy, dw); err != nil {
		return err
	}
	return d.sgemm(opDense, true, false, p.Out, p.In, p.N, dy, p.Out, x, p.In, 0, dw, p.In)
}

// DenseBackwardBias writes kernels.DenseBackwardBias(p, dy) to db [Out].
func (d *Device) DenseBackwardBias(p kernels.DenseParams, dy, db []float32) error {
	if err := kernels.CheckBackwardBiasArgs(p, dy, db); err != nil {
		return err
	}
	d.biasGradient(p.N, p.Out, 1, dy, db)
	return nil
}
