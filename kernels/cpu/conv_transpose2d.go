package cpu

import "github.com/ocgan-vk/ocgan/kernels"

const opConvT2D = "conv_transpose2d"

// convTranspose2dGeom is the im2col geometry of the convolution whose input
// gradient p's forward pass is: it slides the kernel over p's output
// [N, K, OH, OW] to p's input grid H×W.
func convTranspose2dGeom(p kernels.ConvTranspose2DParams) convGeom {
	o := p.OutputShape()
	return convGeom{n: p.N, c: p.K, h: o[2], w: o[3], kh: p.KH, kw: p.KW,
		sh: p.StrideH, sw: p.StrideW, ph: p.PadH, pw: p.PadW, oh: p.H, ow: p.W}
}

// convTranspose2dAsDense reports whether p runs as a dense layer over a
// cropped weight (see cropKernel): its input is 1×1 and the cropped weight
// [C, K·OH·OW] is no larger than the im2col columns [K·KH·KW, N] per
// output channel.
func convTranspose2dAsDense(p kernels.ConvTranspose2DParams) bool {
	o := p.OutputShape()
	return p.H == 1 && p.W == 1 && p.C*o[2]*o[3] <= p.N*p.KH*p.KW
}

// convTranspose2dCroppedWeight returns K·OH·OW and w cropped to
// [C, K·OH·OW] in scratch memory (see cropKernel), the weight of p as a
// dense layer when convTranspose2dAsDense(p).
func (d *Device) convTranspose2dCroppedWeight(p kernels.ConvTranspose2DParams, w []float32) (kohw int, wc []float32) {
	o := p.OutputShape()
	kohw = p.K * o[2] * o[3]
	wc = d.scratch(p.C * kohw)[0]
	d.cropKernel(p.C*p.K, p.KH, p.KW, p.PadH, p.PadW, o[2], o[3], w, wc)
	return kohw, wc
}

// ConvTranspose2DForward writes kernels.ConvTranspose2DForward(p, x, w, b)
// to y [N, K, OH, OW]; b is nil when p.Bias is false.
func (d *Device) ConvTranspose2DForward(p kernels.ConvTranspose2DParams, x, w, b, y []float32) error {
	return d.epilogue(d.convTranspose2dForward(p, x, w, b, y), p.Epilogue, y)
}

// convTranspose2dForward is ConvTranspose2DForward without the epilogue.
func (d *Device) convTranspose2dForward(p kernels.ConvTranspose2DParams, x, w, b, y []float32) error {
	if err := kernels.CheckForwardArgs(p, x, w, b, y); err != nil {
		return err
	}
	if !p.Bias {
		b = nil
	}
	if d.invariant {
		return d.convTranspose2dForwardEach(p, x, w, b, y)
	}
	if convTranspose2dAsDense(p) {
		kohw, wc := d.convTranspose2dCroppedWeight(p, w)
		if err := d.sgemm(opConvT2D, false, false, p.N, kohw, p.C, x, p.C, wc, kohw, 0, y, kohw); err != nil {
			return err
		}
		if b != nil {
			d.addChannelBias(p.N, p.K, kohw/p.K, y, b)
		}
		return nil
	}
	g := convTranspose2dGeom(p)
	hw, xs, ys := p.H*p.W, p.C*p.H*p.W, p.K*g.h*g.w
	if p.N == 1 {
		// One image: the columns transposed, [H·W, K·KH·KW] = xᵀ·W, which
		// measured faster than Wᵀ·x at the OCGAN batch-1 shapes (dec2:
		// 125 against 170 µs).
		colT := d.scratch(hw * g.rows())[0]
		if err := d.sgemm(opConvT2D, true, false, hw, g.rows(), p.C, x, hw, w, g.rows(), 0, colT, g.rows()); err != nil {
			return err
		}
		d.col2imOne(g, colT, y, b)
		return nil
	}
	split := perImage(p.N, 2*float64(g.rows())*float64(hw)*float64(p.C))
	if !split {
		return d.convTranspose2dForwardEach(p, x, w, b, y)
	}
	// The small per-image products side by side.
	nb := d.batchBlock(g)
	col := d.scratch(g.rows() * nb * hw)[0]
	for n0 := 0; n0 < p.N; n0 += nb {
		m := min(nb, p.N-n0)
		err := d.eachImage(m, func(i int) error {
			return d.sgemm(opConvT2D, true, false, g.rows(), hw, p.C, w, g.rows(), x[(n0+i)*xs:(n0+i+1)*xs], hw, 0, col[i*hw:], m*hw)
		})
		if err != nil {
			return err
		}
		d.col2im(g.withN(m), 0, p.K, col, y[n0*ys:(n0+m)*ys], b)
	}
	return nil
}

// ConvTranspose2DBackwardInput writes
// kernels.ConvTranspose2DBackwardInput(p, w, dy) to dx [N, C, H, W].
func (d *Device) ConvTranspose2DBackwardInput(p kernels.ConvTranspose2DParams, w, dy, dx []float32) error {
	if err := kernels.CheckBackwardInputArgs(p, w, dy, dx); err != nil {
		return err
	}
	if convTranspose2dAsDense(p) {
		kohw, wc := d.convTranspose2dCroppedWeight(p, w)
		return d.sgemm(opConvT2D, false, true, p.N, p.C, kohw, dy, kohw, wc, kohw, 0, dx, p.C)
	}
	g := convTranspose2dGeom(p)
	hw, xs, ys := p.H*p.W, p.C*p.H*p.W, p.K*g.h*g.w
	split := perImage(p.N, 2*float64(g.rows())*float64(hw)*float64(p.C))
	nb := d.batchBlock(g)
	cm := channelMajorLen(p.N, p.C*g.cols())
	if split {
		cm = 0
	}
	buf := d.scratch(g.rows()*nb*hw, cm)
	col, dxcm := buf[0], buf[1]
	if p.N == 1 {
		dxcm = dx // one image: [C, H·W] is already NCHW
	}
	for n0 := 0; n0 < p.N; n0 += nb {
		m := min(nb, p.N-n0)
		d.im2col(g.withN(m), dy[n0*ys:(n0+m)*ys], col)
		var err error
		if split {
			err = d.eachImage(m, func(i int) error {
				return d.sgemm(opConvT2D, false, false, p.C, hw, g.rows(), w, g.rows(), col[i*hw:], m*hw, 0, dx[(n0+i)*xs:(n0+i+1)*xs], hw)
			})
		} else {
			err = d.sgemm(opConvT2D, false, false, p.C, m*hw, g.rows(), w, g.rows(), col, m*hw, 0, dxcm[n0*hw:], g.cols())
		}
		if err != nil {
			return err
		}
	}
	if p.N > 1 && !split {
		d.fromChannelMajor(p.N, p.C, hw, dxcm, dx, nil)
	}
	return nil
}

// ConvTranspose2DBackwardWeight writes
// kernels.ConvTranspose2DBackwardWeight(p, x, dy) to dw [C, K, KH, KW].
func (d *Device) ConvTranspose2DBackwardWeight(p kernels.ConvTranspose2DParams, x, dy, dw []float32) error {
	if err := kernels.CheckBackwardWeightArgs(p, x, dy, dw); err != nil {
		return err
	}
	if convTranspose2dAsDense(p) {
		o := p.OutputShape()
		kohw := p.K * o[2] * o[3]
		dwc := d.scratch(p.C * kohw)[0]
		if err := d.sgemm(opConvT2D, true, false, p.C, kohw, p.N, x, p.C, dy, kohw, 0, dwc, kohw); err != nil {
			return err
		}
		d.uncropKernel(p.C*p.K, p.KH, p.KW, p.PadH, p.PadW, o[2], o[3], dwc, dw)
		return nil
	}
	return d.convWeightGrad(opConvT2D, convTranspose2dGeom(p), p.C, x, dy, dw)
}

// ConvTranspose2DBackwardBias writes kernels.ConvTranspose2DBackwardBias(p,
// dy) to db [K].
func (d *Device) ConvTranspose2DBackwardBias(p kernels.ConvTranspose2DParams, dy, db []float32) error {
	if err := kernels.CheckBackwardBiasArgs(p, dy, db); err != nil {
		return err
	}
	o := p.OutputShape()
	d.biasGradient(p.N, p.K, o[2]*o[3], dy, db)
	return nil
}
