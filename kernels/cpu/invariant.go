package cpu

import (
	"sync"

	"github.com/ocgan-vk/ocgan/kernels"
)

// invariantGroups is the number of output-channel groups a batch-invariant
// forward kernel splits each image into: every image is the same SGEMM
// calls (one per group), so two groups let a batch of one image use two
// threads while the arithmetic of each output stays fixed by the layer.
const invariantGroups = 2

// BatchInvariant returns a view of d whose forward kernels of convolutions,
// transposed convolutions and dense layers compute each image by itself:
// the same im2col and the same single-threaded SGEMM calls (one per group
// of output channels) whatever the batch size and the thread count, spread
// over d's threads image by image. An image's outputs then do not depend,
// bit for bit, on the other images of its batch or on the batch size, as
// scoring needs (a score must not change with the number of images scored
// together). Every other kernel already computes each image alone. The view
// shares d's SGEMM library; it has its own scratch memory and the same
// concurrency rule as d.
//
// Measured on the 2-core AVX-512 build machine with oneDNN, one thread per
// SGEMM reaches 140–160 GFLOP/s at the OCGAN per-image shapes (enc2
// 64x49x1600, enc3 128x16x3200, dec2 1600x16x256, dec3 800x49x128), about
// as much per core as two threads reach on the whole-batch GEMMs.
func (d *Device) BatchInvariant() *Device {
	v := &Device{threads: d.threads, gemm: d.gemm, gemmGrain: d.gemmGrain, gemmBlock: d.gemmBlock,
		gemmColBlock: d.gemmColBlock, invariant: true}
	return v
}

// groupRange returns the output channels [k0, k1) of group g of k channels.
func groupRange(k, g int) (k0, k1 int) {
	groups := min(invariantGroups, k)
	return k * g / groups, k * (g + 1) / groups
}

// eachTask runs fn over the tasks [0, n) in contiguous chunks, one chunk per
// thread, each with its own serial worker Device, and returns the first
// error.
func (d *Device) eachTask(n int, fn func(w *Device, lo, hi int) error) error {
	parts := min(d.threads, n)
	for len(d.workers) < parts {
		d.workers = append(d.workers, &Device{threads: 1, gemm: d.gemm, gemmGrain: d.gemmGrain,
			gemmBlock: d.gemmBlock, gemmColBlock: d.gemmColBlock, serial: true})
	}
	if parts <= 1 {
		return fn(d.workers[0], 0, n)
	}
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for j := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[j] = fn(d.workers[j], n*j/parts, n*(j+1)/parts)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// addBias adds bias[c] to every element of channel c in [k0, k1) of one
// image y [K, hw].
func addBias(y, bias []float32, k0, k1, hw int) {
	for c := k0; c < k1; c++ {
		b := bias[c]
		row := y[c*hw : (c+1)*hw]
		for i := range row {
			row[i] += b
		}
	}
}

// conv2dForwardEach is Conv2DForward image by image (see BatchInvariant):
// per image, its im2col columns, then per output-channel group one
// single-threaded SGEMM writing NCHW directly.
func (d *Device) conv2dForwardEach(p kernels.Conv2DParams, x, w, b, y []float32) error {
	g := conv2dGeom(p).withN(1)
	ohw, rows := g.oh*g.ow, g.rows()
	xs, ys := p.C*p.H*p.W, p.K*ohw
	groups := min(invariantGroups, p.K)
	return d.eachTask(p.N*groups, func(wd *Device, lo, hi int) error {
		col := wd.scratch(rows * ohw)[0]
		last := -1
		for t := lo; t < hi; t++ {
			i, gi := t/groups, t%groups
			if i != last {
				wd.im2col(g, x[i*xs:(i+1)*xs], col)
				last = i
			}
			k0, k1 := groupRange(p.K, gi)
			yi := y[i*ys : (i+1)*ys]
			if err := wd.sgemm(opConv2D, false, false, k1-k0, ohw, rows, w[k0*rows:], rows, col, ohw, 0, yi[k0*ohw:], ohw); err != nil {
				return err
			}
			if b != nil {
				addBias(yi, b, k0, k1, ohw)
			}
		}
		return nil
	})
}

// convTranspose2dForwardEach is ConvTranspose2DForward image by image (see
// BatchInvariant): per image and output-channel group, the group's columns
// Wᵀ·x by one single-threaded SGEMM, summed into the group's channels.
func (d *Device) convTranspose2dForwardEach(p kernels.ConvTranspose2DParams, x, w, b, y []float32) error {
	g := convTranspose2dGeom(p).withN(1)
	hw, kk, rows := p.H*p.W, p.KH*p.KW, g.rows()
	xs, ys := p.C*hw, p.K*g.h*g.w
	groups := min(invariantGroups, p.K)
	return d.eachTask(p.N*groups, func(wd *Device, lo, hi int) error {
		col := wd.scratch((p.K + groups - 1) / groups * kk * hw)[0]
		for t := lo; t < hi; t++ {
			i, gi := t/groups, t%groups
			k0, k1 := groupRange(p.K, gi)
			if err := wd.sgemm(opConvT2D, true, false, (k1-k0)*kk, hw, p.C, w[k0*kk:], rows, x[i*xs:(i+1)*xs], hw, 0, col, hw); err != nil {
				return err
			}
			wd.col2im(g, k0, k1, col, y[i*ys:(i+1)*ys], b)
		}
		return nil
	})
}

// denseForwardEach is DenseForward image by image (see BatchInvariant): per
// image and output group, one single-threaded SGEMM.
func (d *Device) denseForwardEach(p kernels.DenseParams, x, w, b, y []float32) error {
	groups := min(invariantGroups, p.Out)
	return d.eachTask(p.N*groups, func(wd *Device, lo, hi int) error {
		for t := lo; t < hi; t++ {
			i, gi := t/groups, t%groups
			o0, o1 := groupRange(p.Out, gi)
			yi := y[i*p.Out+o0 : i*p.Out+o1]
			if err := wd.sgemm(opDense, false, true, 1, o1-o0, p.In, x[i*p.In:(i+1)*p.In], p.In, w[o0*p.In:], p.In, 0, yi, o1-o0); err != nil {
				return err
			}
			if b != nil {
				for j := range yi {
					yi[j] += b[o0+j]
				}
			}
		}
		return nil
	})
}
