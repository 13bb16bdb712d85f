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
// Device's thread count: each image of a batch of 11 equals the same image
// alone, and in a batch of 3, on 1, 2 and 3 threads.
func TestBatchInvariantForward(t *testing.T) {
	openGemmDevices(t) // skips without an SGEMM library
	var devs []*Device
	for _, n := range []int{1, 2, 3} {
		d, err := NewDevice(Options{Threads: n})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
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
			for _, batch := range []int{1, 3} {
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
