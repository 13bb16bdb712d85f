package cpu

import "github.com/ocgan-vk/ocgan/kernels"

const opConv2D = "conv2d"

// conv2dGeom is the im2col geometry of p over its input.
func conv2dGeom(p kernels.Conv2DParams) convGeom {
	o := p.OutputShape()
	return convGeom{n: p.N, c: p.C, h: p.H, w: p.W, kh: p.KH, kw: p.KW,
		sh: p.StrideH, sw: p.StrideW, ph: p.PadH, pw: p.PadW, oh: o[2], ow: o[3]}
}

// conv2dAsDense reports whether p runs as a dense layer over a cropped
// weight (see cropKernel): its output is 1×1 and the cropped weight
// [K, C·H·W] is no larger than the im2col columns [C·KH·KW, N].
func conv2dAsDense(p kernels.Conv2DParams) bool {
	o := p.OutputShape()
	return o[2] == 1 && o[3] == 1 && p.K*p.H*p.W <= p.N*p.KH*p.KW
}

// conv2dCroppedWeight returns C·H·W and w cropped to [K, C·H·W] in scratch
// memory (see cropKernel), the weight of p as a dense layer when
// conv2dAsDense(p).
func (d *Device) conv2dCroppedWeight(p kernels.Conv2DParams, w []float32) (chw int, wc []float32) {
	chw = p.C * p.H * p.W
	wc = d.scratch(p.K * chw)[0]
	d.cropKernel(p.K*p.C, p.KH, p.KW, p.PadH, p.PadW, p.H, p.W, w, wc)
	return chw, wc
}

// Conv2DForward writes kernels.Conv2DForward(p, x, w, b) to y
// [N, K, OH, OW]; b is nil when p.Bias is false.
func (d *Device) Conv2DForward(p kernels.Conv2DParams, x, w, b, y []float32) error {
	return d.epilogue(d.conv2dForward(p, x, w, b, y), p.Epilogue, y)
}

// conv2dForward is Conv2DForward without the epilogue.
func (d *Device) conv2dForward(p kernels.Conv2DParams, x, w, b, y []float32) error {
	if err := kernels.CheckForwardArgs(p, x, w, b, y); err != nil {
		return err
	}
	if !p.Bias {
		b = nil
	}
	if d.invariant {
		return d.conv2dForwardEach(p, x, w, b, y)
	}
	if conv2dAsDense(p) {
		chw, wc := d.conv2dCroppedWeight(p, w)
		if err := d.sgemm(opConv2D, false, true, p.N, p.K, chw, x, chw, wc, chw, 0, y, p.K); err != nil {
			return err
		}
		if b != nil {
			d.addChannelBias(p.N, p.K, 1, y, b)
		}
		return nil
	}
	g := conv2dGeom(p)
	ohw, xs, ys := g.oh*g.ow, p.C*p.H*p.W, p.K*g.oh*g.ow
	split := perImage(p.N, 2*float64(p.K)*float64(ohw)*float64(g.rows()))
	if p.N > 1 && !split {
		return d.conv2dForwardEach(p, x, w, b, y)
	}
	// One image, or the small per-image products side by side.
	nb := d.batchBlock(g)
	col := d.scratch(g.rows() * nb * ohw)[0]
	for n0 := 0; n0 < p.N; n0 += nb {
		m := min(nb, p.N-n0)
		d.im2col(g.withN(m), x[n0*xs:(n0+m)*xs], col)
		err := d.eachImage(m, func(i int) error {
			return d.sgemm(opConv2D, false, false, p.K, ohw, g.rows(), w, g.rows(), col[i*ohw:], m*ohw, 0, y[(n0+i)*ys:(n0+i+1)*ys], ohw)
		})
		if err != nil {
			return err
		}
	}
	if b != nil {
		d.addChannelBias(p.N, p.K, ohw, y, b)
	}
	return nil
}

// Conv2DBackwardInput writes kernels.Conv2DBackwardInput(p, w, dy) to dx
// [N, C, H, W].
func (d *Device) Conv2DBackwardInput(p kernels.Conv2DParams, w, dy, dx []float32) error {
	if err := kernels.CheckBackwardInputArgs(p, w, dy, dx); err != nil {
		return err
	}
	if conv2dAsDense(p) {
		chw, wc := d.conv2dCroppedWeight(p, w)
		return d.sgemm(opConv2D, false, false, p.N, chw, p.K, dy, p.K, wc, chw, 0, dx, chw)
	}
	g := conv2dGeom(p)
	ohw, xs, ys := g.oh*g.ow, p.C*p.H*p.W, p.K*g.oh*g.ow
	split := perImage(p.N, 2*float64(p.K)*float64(ohw)*float64(g.rows()))
	nb := d.batchBlock(g)
	col, dycm := d.convScratch(g, nb, p.K, split, dy)
	for n0 := 0; n0 < p.N; n0 += nb {
		m := min(nb, p.N-n0)
		if split {
			err := d.eachImage(m, func(i int) error {
				return d.sgemm(opConv2D, true, false, g.rows(), ohw, p.K, w, g.rows(), dy[(n0+i)*ys:(n0+i+1)*ys], ohw, 0, col[i*ohw:], m*ohw)
			})
			if err != nil {
				return err
			}
			d.col2im(g.withN(m), 0, p.C, col, dx[n0*xs:(n0+m)*xs], nil)
			continue
		}
		// A block of input channels [c0, c0+cn) owns rows [c0·KH·KW,
		// (c0+cn)·KH·KW) of the columns, made from the same columns of W.
		kk := p.KH * p.KW
		gm := g.withN(m)
		cb := d.channelBlock(gm)
		for c0 := 0; c0 < p.C; c0 += cb {
			cn := min(cb, p.C-c0)
			if err := d.sgemm(opConv2D, true, false, cn*kk, m*ohw, p.K, w[c0*kk:], g.rows(), dycm[n0*ohw:], g.cols(), 0, col, m*ohw); err != nil {
				return err
			}
			d.col2im(gm, c0, c0+cn, col, dx[n0*xs:(n0+m)*xs], nil)
		}
	}
	return nil
}

// Conv2DBackwardWeight writes kernels.Conv2DBackwardWeight(p, x, dy) to dw
// [K, C, KH, KW].
func (d *Device) Conv2DBackwardWeight(p kernels.Conv2DParams, x, dy, dw []float32) error {
	if err := kernels.CheckBackwardWeightArgs(p, x, dy, dw); err != nil {
		return err
	}
	if conv2dAsDense(p) {
		chw := p.C * p.H * p.W
		dwc := d.scratch(p.K * chw)[0]
		if err := d.sgemm(opConv2D, true, false, p.K, chw, p.N, dy, p.K, x, chw, 0, dwc, chw); err != nil {
			return err
		}
		d.uncropKernel(p.K*p.C, p.KH, p.KW, p.PadH, p.PadW, p.H, p.W, dwc, dw)
		return nil
	}
	return d.convWeightGrad(opConv2D, conv2dGeom(p), p.K, dy, x, dw)
}

// Conv2DBackwardBias writes kernels.Conv2DBackwardBias(p, dy) to db [K].
func (d *Device) Conv2DBackwardBias(p kernels.Conv2DParams, dy, db []float32) error {
	if err := kernels.CheckBackwardBiasArgs(p, dy, db); err != nil {
		return err
	}
	o := p.OutputShape()
	d.biasGradient(p.N, p.K, o[2]*o[3], dy, db)
	return nil
}
