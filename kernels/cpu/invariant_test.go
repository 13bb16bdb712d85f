package cpu

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// TestBatchInvariantForward checks that the batch-invariant forward kernels
// give every image the same bits whatever the batch it is in and the
// Device's thread count: each image of a batch of 11 (SGEMMs of up to 6
// images where the library allows it) equals the same image alone, in a
// batch of 3 and in one of 10, on 1, 2 and 3 threads. Run it with
// OCGAN_BLAS=openblas too: that library's columns depend on the column
// count, and the kernels must see it and multiply one image at a time. The
// three Devices use one library (pinLibrary): the property is one library's.
func TestBatchInvariantForward(t *testing.T) {
	openGemmDevices(t) // skips without an SGEMM library
	var devs []*Device
	for _, n := range []int{1, 2, 3} {
		d, err := NewDevice(Options{Threads: n})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
		if n == 1 {
			pinLibrary(t, d)
		}
		devs = append(devs, d.BatchInvariant())
	}
	type layer struct {
		name        string
		in, w, outs int // per-image input and output lengths, weight length
		run         func(d *Device, n int, x, w, b, y []float32) error
		bias        int
	}
	conv := func(name string, c, h, k, kh, s, pad int) layer {
		p := kernels.Conv2DParams{N: 1, C: c, H: h, W: h, K: k, KH: kh, KW: kh, StrideH: s, StrideW: s, PadH: pad, PadW: pad, Bias: true}
		o := p.OutputShape()
		return layer{name, c * h * h, k * c * kh * kh, k * o[2] * o[3], func(d *Device, n int, x, w, b, y []float32) error {
			q := p
			q.N = n
			return d.Conv2DForward(q, x, w, b, y)
		}, k}
	}
	convT := func(name string, c, h, k, kh, s, pad, op int) layer {
		p := kernels.ConvTranspose2DParams{N: 1, C: c, H: h, W: h, K: k, KH: kh, KW: kh, StrideH: s, StrideW: s, PadH: pad, PadW: pad, OutPadH: op, OutPadW: op, Bias: true}
		o := p.OutputShape()
		return layer{name, c * h * h, c * k * kh * kh, k * o[2] * o[3], func(d *Device, n int, x, w, b, y []float32) error {
			q := p
			q.N = n
			return d.ConvTranspose2DForward(q, x, w, b, y)
		}, k}
	}
	dense := func(name string, in, out int) layer {
		return layer{name, in, in * out, out, func(d *Device, n int, x, w, b, y []float32) error {
			return d.DenseForward(kernels.DenseParams{N: n, In: in, Out: out, Bias: true}, x, w, b, y)
		}, out}
	}
	layers := []layer{
		conv("enc2", 64, 14, 128, 5, 2, 2), conv("enc4", 256, 4, 16, 4, 1, 0), conv("odd", 3, 9, 5, 3, 2, 1),
		convT("dec2", 256, 4, 128, 5, 2, 2, 0), convT("dec1", 16, 1, 256, 4, 1, 0, 0), convT("odd", 4, 5, 3, 3, 2, 1, 1),
		dense("dense", 37, 11),
	}
	rng := rand.New(rand.NewSource(9))
	for _, l := range layers {
		const n = 11
		x, w, b := kerneltest.RandVec(rng, n*l.in), kerneltest.RandVec(rng, l.w), kerneltest.RandVec(rng, l.bias)
		want := kerneltest.Poisoned(n * l.outs)
		if err := l.run(devs[1], n, x, w, b, want); err != nil {
			t.Fatalf("%s: %v", l.name, err)
		}
		for di, d := range devs {
			for _, batch := range []int{1, 3, 10} {
				for i0 := 0; i0+batch <= n; i0 += 4 {
					y := kerneltest.Poisoned(batch * l.outs)
					if err := l.run(d, batch, x[i0*l.in:(i0+batch)*l.in], w, b, y); err != nil {
						t.Fatalf("%s: %v", l.name, err)
					}
					kerneltest.BitEqual(t, fmt.Sprintf("%s: images %d-%d in a batch of %d on %d threads", l.name, i0, i0+batch-1, batch, di+1),
						y, want[i0*l.outs:(i0+batch)*l.outs])
				}
			}
		}
	}
}

// naiveSgemm is C = A·B (beta 0, alpha 1) in a fixed summation order, a
// column-invariant SGEMM for columnInvariant's tests.
func naiveSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) error {
	for i := range m {
		for j := range n {
			var s float32
			for p := range k {
				av := a[i*lda+p]
				if transA {
					av = a[p*lda+i]
				}
				s += av * b[p*ldb+j]
			}
			c[i*ldc+j] = s
		}
	}
	return nil
}

// TestColumnInvariant checks the measurement that lets the batch-invariant
// kernels multiply several images at once: a fixed-order SGEMM passes, one
// whose summation order depends on the column count or on a column's
// position fails, and so does one that returns an error.
func TestColumnInvariant(t *testing.T) {
	reversed := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
		b []float32, ldb int, beta float32, c []float32, ldc int) error {
		if err := naiveSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); err != nil || n <= 7 {
			return err
		}
		// Beyond 7 columns, sum the last column in reverse order.
		for i := range m {
			var s float32
			for p := k - 1; p >= 0; p-- {
				av := a[i*lda+p]
				if transA {
					av = a[p*lda+i]
				}
				s += av * b[p*ldb+n-1]
			}
			c[i*ldc+n-1] = s
		}
		return nil
	}
	blocked := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
		b []float32, ldb int, beta float32, c []float32, ldc int) error {
		// The inner dimension in halves when there are more than 7 columns.
		if n <= 7 {
			return naiveSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}
		h := k / 2
		lo, hi := make([]float32, m*n), make([]float32, m*n)
		offA := h
		if transA {
			offA = h * lda
		}
		naiveSgemm(transA, transB, m, n, h, alpha, a, lda, b, ldb, 0, lo, n)
		naiveSgemm(transA, transB, m, n, k-h, alpha, a[offA:], lda, b[h*ldb:], ldb, 0, hi, n)
		for i := range m {
			for j := range n {
				c[i*ldc+j] = lo[i*n+j] + hi[i*n+j]
			}
		}
		return nil
	}
	failing := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
		b []float32, ldb int, beta float32, c []float32, ldc int) error {
		if n > 7 {
			return fmt.Errorf("refused")
		}
		return naiveSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
	for _, s := range []chunkShape{{false, 5, 37, 41, 7}, {true, 6, 13, 9, 7}} {
		for _, tc := range []struct {
			name string
			gemm sgemmFunc
			want bool
		}{{"fixed order", naiveSgemm, true}, {"last column reversed", reversed, false}, {"inner dimension split", blocked, false}, {"error", failing, false}} {
			if got := columnInvariant(tc.gemm, s, 3); got != tc.want {
				t.Errorf("%+v, %s: columnInvariant = %v, want %v", s, tc.name, got, tc.want)
			}
		}
	}
}

// TestImagesPerGemm reports what the installed SGEMM library allows at the
// OCGAN layer shapes, and checks that the answer is kept per shape and is 1
// for a batch of one.
func TestImagesPerGemm(t *testing.T) {
	d := openGemmDevices(t)[0].BatchInvariant()
	enc2 := chunkShape{k: 1600, lda: 1600, cols: 49}
	if got := d.imagesPerGemm(enc2, 128, 1, 1); got != 1 {
		t.Errorf("batch of one: %d images per SGEMM, want 1", got)
	}
	got := d.imagesPerGemm(enc2, 128, 1, 256)
	if got != 1 && got != invariantChunk {
		t.Errorf("enc2 at batch 256: %d images per SGEMM, want 1 or %d", got, invariantChunk)
	}
	if len(d.invariantShapes) != 1 {
		t.Errorf("%d shapes measured for one layer of two equal groups, want 1", len(d.invariantShapes))
	}
	t.Logf("%s: enc2 forward multiplies %d images per SGEMM", d.Library(), got)
}
