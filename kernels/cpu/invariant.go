package cpu

import (
	"github.com/ocgan-vk/ocgan/kernels"
	"math"
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
		gemmColBlock: d.gemmColBlock, invariant: true, team: d.teamOf(), invariantShapes: map[chunkShape]bool{}}
	return v
}

// invariantChunk is the most images one SGEMM of a batch-invariant kernel
// multiplies side by side, where the SGEMM library gives each column the
// same bits at any column count (see imagesPerGemm). Measured with oneDNN
// on the 2-core AVX-512 build machine, one thread: the per-image GEMMs of
// enc2, enc3, dec2 and dec3 ran at 140–156 GFLOP/s one image at a time,
// 167–199 two at a time and 192–215 eight at a time.
const invariantChunk = 8

// chunkShape is an SGEMM of a batch-invariant kernel: op(A) is m×k with row
// stride lda (A transposed when transA), B is k×cols per image.
type chunkShape struct {
	transA          bool
	m, k, lda, cols int
}

// imagesPerGemm returns how many of n images one SGEMM of a layer's
// chunked forward kernel takes. Outside a batch-invariant view it is
// invariantChunk (at most n). In one, it is up to invariantChunk where, for every
// output-channel group of the layer's k channels (mult·(k1-k0) rows of A
// each), the library gives a column the same bits whether its image is
// multiplied alone or beside others (columnInvariant, measured once per
// shape), else 1. oneDNN's SGEMM passes; OpenBLAS's, whose results depend
// on the column count, does not.
func (d *Device) imagesPerGemm(s chunkShape, k, mult, n int) int {
	if n <= 1 {
		return 1
	}
	if !d.invariant {
		return min(n, invariantChunk)
	}
	for gi := range min(invariantGroups, k) {
		k0, k1 := groupRange(k, gi)
		s.m = (k1 - k0) * mult
		ok, known := d.invariantShapes[s]
		if !known {
			ok = columnInvariant(d.gemm.SgemmSerial, s, invariantChunk)
			if d.invariantShapes == nil {
				d.invariantShapes = map[chunkShape]bool{}
			}
			d.invariantShapes[s] = ok
		}
		if !ok {
			return 1
		}
	}
	return min(n, invariantChunk)
}

// sgemmFunc is the signature of blas.Library.SgemmSerial.
type sgemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) error

// columnInvariant reports whether gemm gives every column of A·B the same
// bits when B holds one image's s.cols columns as when it holds 2…c images'
// side by side, at each image's position. The operands are random and the
// images all the same, so a summation order that depends on the column
// count or position shows as a difference.
func columnInvariant(gemm sgemmFunc, s chunkShape, c int) bool {
	aRows, aCols := s.m, s.k
	if s.transA {
		aRows, aCols = s.k, s.m
	}
	seed := uint32(2463534242)
	random := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			v[i] = float32(seed)/(1<<31) - 1
		}
		return v
	}
	a, one := random((aRows-1)*s.lda+aCols), random(s.k*s.cols)
	want := make([]float32, s.m*s.cols)
	if gemm(s.transA, false, s.m, s.cols, s.k, 1, a, s.lda, one, s.cols, 0, want, s.cols) != nil {
		return false
	}
	for n := 2; n <= c; n++ {
		b, got := make([]float32, s.k*n*s.cols), make([]float32, s.m*n*s.cols)
		for r := range s.k {
			for i := range n {
				copy(b[(r*n+i)*s.cols:(r*n+i+1)*s.cols], one[r*s.cols:(r+1)*s.cols])
			}
		}
		if gemm(s.transA, false, s.m, n*s.cols, s.k, 1, a, s.lda, b, n*s.cols, 0, got, n*s.cols) != nil {
			return false
		}
		for r := range s.m {
			for i := range n {
				g := got[(r*n+i)*s.cols : (r*n+i+1)*s.cols]
				for j, v := range want[r*s.cols : (r+1)*s.cols] {
					if math.Float32bits(g[j]) != math.Float32bits(v) {
						return false
					}
				}
			}
		}
	}
	return true
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
	d.teamOf().run(parts, func(j int) { errs[j] = fn(d.workers[j], n*j/parts, n*(j+1)/parts) })
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

// conv2dForwardEach is Conv2DForward in chunks of images (imagesPerGemm),
// each on one thread (see BatchInvariant; outside an invariant view it is
// the forward pass of the larger layers at batch > 1, measured 0–15%
// faster than one two-thread SGEMM over the batch at the OCGAN encoder's
// shapes): per chunk, its im2col columns, then per
// output-channel group one single-threaded SGEMM; a one-image chunk writes
// NCHW directly, a larger one through scratch.
func (d *Device) conv2dForwardEach(p kernels.Conv2DParams, x, w, b, y []float32) error {
	g := conv2dGeom(p).withN(1)
	ohw, rows := g.oh*g.ow, g.rows()
	xs, ys := p.C*p.H*p.W, p.K*ohw
	groups := min(invariantGroups, p.K)
	chunk := d.imagesPerGemm(chunkShape{k: rows, lda: rows, cols: ohw}, p.K, 1, p.N)
	chunks := (p.N + chunk - 1) / chunk
	return d.eachTask(chunks*groups, func(wd *Device, lo, hi int) error {
		buf := wd.scratch(rows*ohw*chunk, channelMajorLen(chunk, (p.K+groups-1)/groups*ohw*chunk))
		col, out := buf[0], buf[1]
		last := -1
		for t := lo; t < hi; t++ {
			ci, gi := t/groups, t%groups
			i0, i1 := p.N*ci/chunks, p.N*(ci+1)/chunks
			n := i1 - i0
			if ci != last {
				wd.im2col(g.withN(n), x[i0*xs:i1*xs], col)
				last = ci
			}
			k0, k1 := groupRange(p.K, gi)
			if n == 1 {
				yi := y[i0*ys : i1*ys]
				if err := wd.sgemm(opConv2D, false, false, k1-k0, ohw, rows, w[k0*rows:], rows, col, ohw, 0, yi[k0*ohw:], ohw); err != nil {
					return err
				}
				if b != nil {
					addBias(yi, b, k0, k1, ohw)
				}
				continue
			}
			if err := wd.sgemm(opConv2D, false, false, k1-k0, n*ohw, rows, w[k0*rows:], rows, col, n*ohw, 0, out, n*ohw); err != nil {
				return err
			}
			scatterChannels(n, p.K, ohw, k0, k1, out, y[i0*ys:i1*ys], b)
		}
		return nil
	})
}

// scatterChannels copies src [k1-k0, n·s], channels [k0, k1) of n images
// side by side, into those channels of dst [n, k, s], adding bias[c] to
// channel c when bias is not nil.
func scatterChannels(n, k, s, k0, k1 int, src, dst, bias []float32) {
	for c := k0; c < k1; c++ {
		var bc float32
		if bias != nil {
			bc = bias[c]
		}
		for i := range n {
			in := src[((c-k0)*n+i)*s : ((c-k0)*n+i+1)*s]
			out := dst[(i*k+c)*s : (i*k+c+1)*s]
			for j, v := range in {
				out[j] = v + bc
			}
		}
	}
}

// convTranspose2dForwardEach is ConvTranspose2DForward in chunks of images
// (imagesPerGemm), each on one thread (see BatchInvariant; outside an
// invariant view it is the forward pass at batch > 1 but for the small
// per-image layers, measured 24–30% faster than one two-thread SGEMM over
// the batch and col2im at the OCGAN decoder's shapes, its columns summed
// while in cache): per chunk of images and output-channel group, the group's columns Wᵀ·x by one single-threaded SGEMM, summed into
// the group's channels.
func (d *Device) convTranspose2dForwardEach(p kernels.ConvTranspose2DParams, x, w, b, y []float32) error {
	g := convTranspose2dGeom(p).withN(1)
	hw, kk, rows := p.H*p.W, p.KH*p.KW, g.rows()
	xs, ys := p.C*hw, p.K*g.h*g.w
	groups := min(invariantGroups, p.K)
	chunk := d.imagesPerGemm(chunkShape{transA: true, k: p.C, lda: rows, cols: hw}, p.K, kk, p.N)
	chunks := (p.N + chunk - 1) / chunk
	return d.eachTask(chunks*groups, func(wd *Device, lo, hi int) error {
		buf := wd.scratch((p.K+groups-1)/groups*kk*hw*chunk, channelMajorLen(chunk, xs*chunk))
		col, xc := buf[0], buf[1]
		last := -1
		for t := lo; t < hi; t++ {
			ci, gi := t/groups, t%groups
			i0, i1 := p.N*ci/chunks, p.N*(ci+1)/chunks
			n := i1 - i0
			xi := x[i0*xs : i1*xs]
			if n > 1 {
				if ci != last {
					wd.toChannelMajor(n, p.C, hw, xi, xc)
					last = ci
				}
				xi = xc[:n*xs]
			}
			k0, k1 := groupRange(p.K, gi)
			if err := wd.sgemm(opConvT2D, true, false, (k1-k0)*kk, n*hw, p.C, w[k0*kk:], rows, xi, n*hw, 0, col, n*hw); err != nil {
				return err
			}
			wd.col2im(g.withN(n), k0, k1, col, y[i0*ys:i1*ys], b)
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
