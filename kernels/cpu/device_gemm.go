package cpu

import (
	"fmt"
	"slices"
	"sync"

	"github.com/ocgan-vk/ocgan/kernels/cpu/blas"
)

// NewDevice returns a Device with opts.Threads threads and an SGEMM library
// loaded with package blas (the faster of oneDNN and OpenBLAS, or the one
// named by OCGAN_BLAS). Without any library it returns an error wrapping
// *blas.UnavailableError.
func NewDevice(opts Options) (*Device, error) {
	d := &Device{threads: threadsOrDefault(opts.Threads), gemmGrain: defaultGemmGrain, gemmBlock: defaultGemmBlock, gemmColBlock: defaultColBlock}
	lib, err := blas.Open(d.threads)
	if err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	d.gemm = lib
	return d, nil
}

// Close releases the Device's SGEMM library and scratch memory. The Device
// must not be used afterwards.
func (d *Device) Close() {
	if d.gemm != nil {
		d.gemm.Close()
	}
	if d.team != nil {
		d.team.close()
	}
	d.gemmScratch = nil
}

// Library returns the SGEMM library in use, its version and kernel set, e.g.
// "onednn 2.6.3/avx2", or "none".
func (d *Device) Library() string {
	if d.gemm == nil {
		return "none"
	}
	return d.gemm.Name()
}

// LibraryPick says why the SGEMM library was chosen (blas.Library.Pick).
func (d *Device) LibraryPick() string {
	if d.gemm == nil {
		return ""
	}
	return d.gemm.Pick()
}

// BLAS returns the SGEMM library in use and its threads, e.g.
// "onednn 2.6.3/avx2, 2 threads".
func (d *Device) BLAS() string {
	if d.gemm == nil {
		return "none"
	}
	return d.gemm.Name() + ", " + ThreadCount(d.gemm.Threads())
}

// scratch returns the Device's work memory cut into slices of the given
// lengths; contents are undefined. The memory grows and is kept, so the
// slices are valid until the next call.
func (d *Device) scratch(lens ...int) [][]float32 {
	total := 0
	for _, n := range lens {
		total += n
	}
	if cap(d.gemmScratch) < total {
		d.gemmScratch = make([]float32, total)
	}
	buf := d.gemmScratch[:total]
	out := make([][]float32, len(lens))
	for i, n := range lens {
		out[i], buf = buf[:n:n], buf[n:]
	}
	return out
}

// sgemm is Library.Sgemm with the op named in errors.
func (d *Device) sgemm(op string, transA, transB bool, m, n, k int, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) error {
	if d.gemm == nil {
		return fmt.Errorf("%s: device has no SGEMM library (create it with NewDevice)", op)
	}
	call := d.gemm.Sgemm
	if d.serial {
		call = d.gemm.SgemmSerial
	}
	if err := call(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// convGeom is the im2col geometry of a convolution that slides a kh×kw
// kernel with strides sh, sw and zero padding ph, pw over an image
// [n, c, h, w] to an oh×ow output grid. Its column matrix is
// [c·kh·kw, n·oh·ow]: row (ci·kh + ky)·kw + kx, column (ni·oh + oy)·ow + ox
// holds the image value under kernel tap (ky, kx) of output position
// (oy, ox), zero in the padding.
type convGeom struct {
	n, c, h, w     int
	kh, kw, sh, sw int
	ph, pw, oh, ow int
}

func (g convGeom) rows() int { return g.c * g.kh * g.kw }
func (g convGeom) cols() int { return g.n * g.oh * g.ow }

// withN returns g for n images.
func (g convGeom) withN(n int) convGeom {
	g.n = n
	return g
}

// defaultGemmGrain is the default Device.gemmGrain: 64K floats, so that the
// copies of a batch-1 layer run on one goroutine. Measured on the OCGAN
// batch-1 encoder and decoder forward: 0.87 ms, against 0.92 ms at 256K,
// 1.17 ms at 16K and 1.39 ms at 4K floats.
const defaultGemmGrain = 1 << 16

// defaultGemmBlock is the default Device.gemmBlock: 64 MiB, so that the
// columns of a batch are built whole (20 MiB for the largest OCGAN layer at
// batch 64) while the scratch memory of a large batch stays bounded.
// Measured at batch 64: blocks of 8–16 MiB were within ±10% of the whole
// batch, and blocks of 2 MiB or less were 1.3–4× slower (narrower GEMMs).
const defaultGemmBlock = 16 << 20

// defaultColBlock is the default Device.gemmColBlock: 4 MiB.
const defaultColBlock = 1 << 20

// channelBlock returns the number of channels of g whose columns col2im
// sums per SGEMM: all of them when the columns of all channels fit in
// 4·d.gemmColBlock floats, else as many as fit in d.gemmColBlock (at least
// one). Measured at batch 64 on the build machine, alternating the two
// builds: the 20 MiB columns of enc2's input gradient and dec3's forward
// pass ran at 64–84% of the bare SGEMM's rate in 4 MiB blocks against
// 47–52% whole, while the 13 MiB ones of enc3 and dec2 ran faster whole
// (66–73% against 54–55%). col2im itself stays bound by memory bandwidth:
// on one core it sums dec3's 20 MiB of columns in 5–6 ms. Blocking the
// SGEMMs that read im2col's columns the same way (summing the products of
// channel blocks) measured no faster than whole, so those read them whole.
func (d *Device) channelBlock(g convGeom) int {
	per := g.kh * g.kw * g.cols()
	if g.c*per <= 4*d.gemmColBlock {
		return g.c
	}
	return max(1, min(g.c, d.gemmColBlock/max(1, per)))
}

// batchBlock returns the number of images whose im2col columns fit in
// d.gemmBlock floats (at least one, at most g.n).
func (d *Device) batchBlock(g convGeom) int {
	per := g.rows() * g.oh * g.ow
	return max(1, min(g.n, d.gemmBlock/max(1, per)))
}

// grainFor returns a parallel grain of items of itemSize floats each that
// gives every chunk at least d.gemmGrain floats of work.
func (d *Device) grainFor(itemSize int) int {
	return max(1, d.gemmGrain/max(1, itemSize))
}

// padded returns the sizes of an image plane with the convolution's zero
// padding on every side, and the offset in it of each output position's
// top-left kernel tap: offs[oy·ow + ox] = oy·sh·pw + ox·sw, where pw is the
// padded width. Tap (ky, kx) of output s then reads plane[ky·pw + kx + offs[s]].
func (g convGeom) padded() (ph, pw int, offs []int32) {
	ph, pw = g.h+2*g.ph, g.w+2*g.pw
	offs = make([]int32, g.oh*g.ow)
	for oy := 0; oy < g.oh; oy++ {
		for ox := 0; ox < g.ow; ox++ {
			offs[oy*g.ow+ox] = int32(oy*g.sh*pw + ox*g.sw)
		}
	}
	return ph, pw, offs
}

// tapOffsets returns, for each kernel tap t = ky·kw + kx, its offset
// ky·pw + kx in a padded plane of width pw.
func (g convGeom) tapOffsets(pw int) []int32 {
	taps := make([]int32, g.kh*g.kw)
	for t := range taps {
		taps[t] = int32((t/g.kw)*pw + t%g.kw)
	}
	return taps
}

// im2col fills col (g.rows()×g.cols()) from the image x.
func (d *Device) im2col(g convGeom, x, col []float32) {
	ohw, hw, kk := g.oh*g.ow, g.h*g.w, g.kh*g.kw
	ncols := g.cols()
	ph, pw, offs := g.padded()
	taps := g.tapOffsets(pw)
	d.parallel(g.n*g.c, d.grainFor(kk*ohw), func(lo, hi int) {
		plane := make([]float32, ph*pw) // the borders stay zero
		for item := lo; item < hi; item++ {
			c, n := item/g.n, item%g.n
			img := x[(n*g.c+c)*hw : (n*g.c+c+1)*hw]
			for iy := 0; iy < g.h; iy++ {
				copy(plane[(iy+g.ph)*pw+g.pw:(iy+g.ph)*pw+g.pw+g.w], img[iy*g.w:(iy+1)*g.w])
			}
			for t, to := range taps {
				src := plane[to:]
				row := col[(c*kk+t)*ncols+n*ohw : (c*kk+t)*ncols+(n+1)*ohw]
				for s, o := range offs[:len(row)] {
					row[s] = src[o]
				}
			}
		}
	})
}

// col2im sets the image x to the sum, over kernel taps, of the columns in
// col that im2col would have read from each image position, plus bias[c]
// for every element of channel c when bias is not nil.
//
// col holds the rows of channels [c0, c1) only, and only those channels of x
// are written.
func (d *Device) col2im(g convGeom, c0, c1 int, col, x, bias []float32) {
	ohw, hw, kk := g.oh*g.ow, g.h*g.w, g.kh*g.kw
	ncols := g.cols()
	ph, pw, offs := g.padded()
	taps := g.tapOffsets(pw)
	d.parallel(g.n*(c1-c0), d.grainFor(kk*ohw), func(lo, hi int) {
		plane := make([]float32, ph*pw)
		for item := lo; item < hi; item++ {
			c, n := c0+item/g.n, item%g.n
			clear(plane)
			for t, to := range taps {
				dst := plane[to:]
				j := (c-c0)*kk + t
				row := col[j*ncols+n*ohw : j*ncols+(n+1)*ohw]
				for s, o := range offs[:len(row)] {
					dst[o] += row[s]
				}
			}
			g.unpad(plane, pw, x[(n*g.c+c)*hw:(n*g.c+c+1)*hw], bias, c)
		}
	})
}

// unpad writes the interior of plane, an image of channel c padded to rows
// of pw, to img [h, w], adding bias[c] when bias is not nil.
func (g convGeom) unpad(plane []float32, pw int, img, bias []float32, c int) {
	var b float32
	if bias != nil {
		b = bias[c]
	}
	for iy := 0; iy < g.h; iy++ {
		src := plane[(iy+g.ph)*pw+g.pw : (iy+g.ph)*pw+g.pw+g.w]
		dst := img[iy*g.w : (iy+1)*g.w]
		for i, v := range src {
			dst[i] = v + b
		}
	}
}

// col2imOne is col2im for one image whose columns are given transposed:
// colT [oh·ow, c·kh·kw], row s holding the taps of output position s.
func (d *Device) col2imOne(g convGeom, colT, x, bias []float32) {
	hw, kk, rows := g.h*g.w, g.kh*g.kw, g.rows()
	ph, pw, offs := g.padded()
	taps := g.tapOffsets(pw)
	d.parallel(g.c, d.grainFor(kk*len(offs)), func(lo, hi int) {
		plane := make([]float32, ph*pw)
		for c := lo; c < hi; c++ {
			clear(plane)
			for s, o := range offs {
				dst := plane[o:]
				src := colT[s*rows+c*kk : s*rows+(c+1)*kk]
				for t, to := range taps[:len(src)] {
					dst[to] += src[t]
				}
			}
			g.unpad(plane, pw, x[c*hw:(c+1)*hw], bias, c)
		}
	})
}

// perImage reports whether a convolution over n images makes one SGEMM of
// the given size per image instead of one over the batch: when n > 1 and
// each image's SGEMM is small enough to run on one thread (below
// blas.SmallFlops; the OCGAN 1-channel layers, the visual discriminator's
// and the 1×1 ones below batch 11). The images' SGEMMs then run side by side
// on the Device's threads and write NCHW directly, so the channel-major
// copies fall away; at batch 64 this made the 1-channel layers 1.5–2× faster.
func perImage(n int, flops float64) bool {
	return n > 1 && flops < blas.SmallFlops
}

// eachImage calls fn(i) for every i in [0, m), split over the Device's
// threads, and returns the first error.
func (d *Device) eachImage(m int, fn func(i int) error) error {
	var mu sync.Mutex
	var first error
	d.parallel(m, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if err := fn(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				return
			}
		}
	})
	return first
}

// perImageWeightGrad reports whether a weight gradient, the sum over n
// images of products that are each m×k times k×n' with the given sizes,
// is summed image by image: when perImage holds for each product and each
// is a contraction (its rows·cols result is smaller than its two operands),
// so the per-image sums cost less than the channel-major copy they save.
func perImageWeightGrad(n, rows, cols, inner int) bool {
	return perImage(n, 2*float64(rows)*float64(cols)*float64(inner)) && rows*cols < inner*(rows+cols)
}

// sumImages sets out to the sum over images i in [0, m) of a product that
// gemm(i, beta, c) writes to c (beta 0) or adds to c (beta 1); with
// accumulate true it adds the sum to out instead. The images are split over
// the Device's threads, each chunk summing into its own buffer, and the
// buffers are added in image order, so the result does not depend on timing.
func (d *Device) sumImages(m int, out []float32, accumulate bool, gemm func(i int, beta float32, c []float32) error) error {
	type part struct {
		lo  int
		c   []float32
		err error
	}
	var mu sync.Mutex
	var parts []part
	d.parallel(m, 1, func(lo, hi int) {
		c := make([]float32, len(out))
		var err error
		for i := lo; i < hi && err == nil; i++ {
			var beta float32 = 1
			if i == lo {
				beta = 0
			}
			err = gemm(i, beta, c)
		}
		mu.Lock()
		parts = append(parts, part{lo, c, err})
		mu.Unlock()
	})
	slices.SortFunc(parts, func(a, b part) int { return a.lo - b.lo })
	for k, p := range parts {
		if p.err != nil {
			return p.err
		}
		if k == 0 && !accumulate {
			copy(out, p.c)
			continue
		}
		for i, v := range p.c {
			out[i] += v
		}
	}
	return nil
}

// convScratch returns scratch memory for the im2col columns of nb images
// of g, and the channel-major copy [m, g.n·g.oh·g.ow] of a [g.n, m,
// g.oh·g.ow] that a GEMM over a block of images reads: a itself for one
// image, and nothing when split (each image's GEMM reads a).
func (d *Device) convScratch(g convGeom, nb, m int, split bool, a []float32) (col, acm []float32) {
	hw := g.oh * g.ow
	cm := channelMajorLen(g.n, m*g.cols())
	if split {
		cm = 0
	}
	buf := d.scratch(g.rows()*nb*hw, cm)
	col, acm = buf[0], buf[1]
	if g.n == 1 {
		acm = a
	} else if !split {
		d.toChannelMajor(g.n, m, hw, a, acm)
	}
	return col, acm
}

// convWeightGrad sets dw [m, g.rows()] to the weight gradient
// Σ_n a[n]·col[n]ᵀ, where col[n] [g.rows(), g.oh·g.ow] are the im2col
// columns of image n of src [g.n, g.c, g.h, g.w] and a is [g.n, m, g.oh·g.ow].
// A convolution's weight gradient is this with a = dy and src = x; a
// transposed convolution's, with a = x and src = dy.
func (d *Device) convWeightGrad(op string, g convGeom, m int, a, src, dw []float32) error {
	hw := g.oh * g.ow
	as, ss := m*hw, g.c*g.h*g.w
	split := perImageWeightGrad(g.n, m, g.rows(), hw)
	nb := d.batchBlock(g)
	col, acm := d.convScratch(g, nb, m, split, a)
	for n0 := 0; n0 < g.n; n0 += nb {
		nm := min(nb, g.n-n0)
		d.im2col(g.withN(nm), src[n0*ss:(n0+nm)*ss], col)
		var err error
		if split {
			err = d.sumImages(nm, dw, n0 > 0, func(i int, beta float32, c []float32) error {
				return d.sgemm(op, false, true, m, g.rows(), hw, a[(n0+i)*as:(n0+i+1)*as], hw, col[i*hw:], nm*hw, beta, c, g.rows())
			})
		} else {
			var beta float32 // the first block sets dw, later ones add to it
			if n0 > 0 {
				beta = 1
			}
			err = d.sgemm(op, false, true, m, g.rows(), nm*hw, acm[n0*hw:], g.cols(), col, nm*hw, beta, dw, g.rows())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// cropKernel sets wc [rows, oh, ow] from the kernels w [rows, kh, kw]:
// wc[r, a, b] = w[r, a+ph, b+pw], zero where that tap is outside the kernel.
// A convolution whose output is 1×1 reads input (a, b) through tap
// (a+PadH, b+PadW) only, so with the input's size as oh×ow it is a dense
// layer with this weight; so is a transposed convolution whose input is 1×1,
// with its output's size as oh×ow.
func (d *Device) cropKernel(rows, kh, kw, ph, pw, oh, ow int, w, wc []float32) {
	d.parallel(rows, d.grainFor(oh*ow), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			out := wc[r*oh*ow : (r+1)*oh*ow]
			clear(out)
			n := min(ow, kw-pw)
			for a := 0; a < oh && a+ph < kh && n > 0; a++ {
				src := w[r*kh*kw+(a+ph)*kw+pw:]
				copy(out[a*ow:a*ow+n], src[:n])
			}
		}
	})
}

// uncropKernel is the adjoint of cropKernel: it sets dw [rows, kh, kw] from
// dwc [rows, oh, ow], zero at the taps that cropKernel leaves out.
func (d *Device) uncropKernel(rows, kh, kw, ph, pw, oh, ow int, dwc, dw []float32) {
	d.parallel(rows, d.grainFor(kh*kw), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			out := dw[r*kh*kw : (r+1)*kh*kw]
			clear(out)
			n := min(ow, kw-pw)
			for a := 0; a < oh && a+ph < kh && n > 0; a++ {
				src := dwc[r*oh*ow+a*ow:]
				copy(out[(a+ph)*kw+pw:(a+ph)*kw+pw+n], src[:n])
			}
		}
	})
}

// channelMajorLen returns the scratch length of a channel-major copy of
// size elements: none for one image, whose layouts coincide.
func channelMajorLen(n, size int) int {
	if n == 1 {
		return 0
	}
	return size
}

// toChannelMajor copies src [n, c, s] to dst [c, n·s].
func (d *Device) toChannelMajor(n, c, s int, src, dst []float32) {
	d.parallel(c, d.grainFor(n*s), func(lo, hi int) {
		for ci := lo; ci < hi; ci++ {
			for ni := 0; ni < n; ni++ {
				copy(dst[(ci*n+ni)*s:(ci*n+ni+1)*s], src[(ni*c+ci)*s:(ni*c+ci+1)*s])
			}
		}
	})
}

// fromChannelMajor copies src [c, n·s] to dst [n, c, s], adding bias[ci] to
// channel ci when bias is not nil.
func (d *Device) fromChannelMajor(n, c, s int, src, dst, bias []float32) {
	d.parallel(c, d.grainFor(n*s), func(lo, hi int) {
		for ci := lo; ci < hi; ci++ {
			for ni := 0; ni < n; ni++ {
				out := dst[(ni*c+ci)*s : (ni*c+ci+1)*s]
				in := src[(ci*n+ni)*s : (ci*n+ni+1)*s]
				if bias == nil {
					copy(out, in)
					continue
				}
				b := bias[ci]
				for i, v := range in {
					out[i] = v + b
				}
			}
		}
	})
}

// addChannelBias adds bias[ci] to every element of channel ci of t [n, c, s].
func (d *Device) addChannelBias(n, c, s int, t, bias []float32) {
	d.parallel(n*c, d.grainFor(s), func(lo, hi int) {
		for item := lo; item < hi; item++ {
			b := bias[item%c]
			plane := t[item*s : (item+1)*s]
			for i := range plane {
				plane[i] += b
			}
		}
	})
}

// biasGradient sets db[ci] to the sum of channel ci of dy [n, c, s],
// accumulated in float64.
func (d *Device) biasGradient(n, c, s int, dy, db []float32) {
	d.parallel(c, d.grainFor(n*s), func(lo, hi int) {
		for ci := lo; ci < hi; ci++ {
			acc := 0.0
			for ni := 0; ni < n; ni++ {
				for _, v := range dy[(ni*c+ci)*s : (ni*c+ci+1)*s] {
					acc += float64(v)
				}
			}
			db[ci] = float32(acc)
		}
	})
}
