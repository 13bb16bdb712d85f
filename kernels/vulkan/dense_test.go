package vulkan

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// denseShapes are awkward shapes (sizes around and off the 4x8 / 4x4 tiles, vec4
// and scalar paths) plus the OCGAN latent discriminator at batch 64 and 2.
func denseShapes() []kernels.DenseParams {
	var ps []kernels.DenseParams
	for _, n := range []int{1, 3, 13, 64} {
		for _, io := range [][2]int{{1, 1}, {5, 13}, {13, 5}, {16, 128}, {128, 16}, {7, 9}, {12, 20}, {33, 1}, {1, 33}} {
			ps = append(ps, kernels.DenseParams{N: n, In: io[0], Out: io[1], Bias: (n+io[0])%2 == 0})
		}
	}
	for _, n := range []int{64, 2} {
		for _, io := range [][2]int{{16, 128}, {128, 64}, {64, 32}, {32, 16}, {16, 1}} {
			ps = append(ps, kernels.DenseParams{N: n, In: io[0], Out: io[1], Bias: true})
		}
	}
	return append(ps, kernels.DenseParams{N: 37, In: 130, Out: 67, Bias: true}, kernels.DenseParams{N: 5, In: 1, Out: 128})
}

// denseTestTiles are the tiles the GEMMs are checked with: this device's, the other
// device kind's, and an odd one (sides not multiples of 4: scalar loads along m and c).
func denseTestTiles(lib *Library) []denseTiles {
	other := denseTilesFor(vk.CPU)
	if lib.Context().Info().Type == vk.CPU {
		other = denseTilesFor(vk.DiscreteGPU)
	}
	return []denseTiles{lib.denseTiles(), other, {local: 8, tm: 3, tn: 5}}
}

func TestDenseMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(11))
	for _, p := range denseShapes() {
		for _, tile := range denseTestTiles(lib) {
			testDenseShape(t, ctx, lib, rng, p, tile)
		}
	}
}

func testDenseShape(t *testing.T, ctx *vk.Context, lib *Library, rng *rand.Rand, p kernels.DenseParams, tile denseTiles) {
	t.Helper()
	name := fmt.Sprintf("N%d_In%d_Out%d_bias%v tile %dx%d/%d", p.N, p.In, p.Out, p.Bias, tile.tm, tile.tn, tile.local)
	x, w, dy := kerneltest.RandVec(rng, p.N*p.In), kerneltest.RandVec(rng, p.Out*p.In), kerneltest.RandVec(rng, p.N*p.Out)
	var b []float32
	var bb *vk.Buffer
	if p.Bias {
		b = kerneltest.RandVec(rng, p.Out)
		bb = upload(t, ctx, b)
	}
	xb, wb, dyb := upload(t, ctx, x), upload(t, ctx, w), upload(t, ctx, dy)
	y := upload(t, ctx, kerneltest.Poisoned(p.N*p.Out))
	dx := upload(t, ctx, kerneltest.Poisoned(p.N*p.In))
	dw := upload(t, ctx, kerneltest.Poisoned(p.Out*p.In))
	var db *vk.Buffer
	if p.Bias {
		db = upload(t, ctx, kerneltest.Poisoned(p.Out))
	}
	// All four in one sequence: they only read shared inputs.
	runOne(t, ctx, func(s *vk.Sequence) error {
		if err := lib.denseForwardTiled(s, tile, p, xb, wb, bb, y); err != nil {
			return err
		}
		if err := lib.denseBackwardInputTiled(s, tile, p, wb, dyb, dx); err != nil {
			return err
		}
		if err := lib.denseBackwardWeightTiled(s, tile, p, xb, dyb, dw); err != nil {
			return err
		}
		if p.Bias {
			return lib.DenseBackwardBias(s, p, dyb, db)
		}
		return nil
	})
	want, err := kernels.DenseForward(p, x, w, b)
	if err != nil {
		t.Fatal(err)
	}
	expectClose(t, name+" forward", y, want)
	want, _ = kernels.DenseBackwardInput(p, w, dy)
	expectClose(t, name+" backward input", dx, want)
	want, _ = kernels.DenseBackwardWeight(p, x, dy)
	expectClose(t, name+" backward weight", dw, want)
	if p.Bias {
		want, _ = kernels.DenseBackwardBias(p, dy)
		expectClose(t, name+" backward bias", db, want)
	}
}

// TestDenseGridStride uses 1x1 tiles in 1-wide groups so the grid (capped at
// maxGroups1D) covers fewer tiles than there are and the shaders' grid-stride
// loops must take the rest.
func TestDenseGridStride(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	p := kernels.DenseParams{N: 64, In: 80, Out: 129, Bias: true}
	if min(p.N*p.Out, p.N*p.In, p.Out*p.In) <= lib.maxGroups1D() {
		t.Fatal("shape too small to need a grid-stride loop")
	}
	testDenseShape(t, ctx, lib, rand.New(rand.NewSource(14)), p, denseTiles{local: 1, tm: 1, tn: 1})
}

// TestDenseLayerChain records the latent discriminator's forward pass as one sequence
// (dense layers chained through buffers) and checks the result: the sequence's
// barriers must order each layer after the one it reads.
func TestDenseLayerChain(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(12))
	dims := []int{16, 128, 64, 32, 16, 1}
	const n = 64
	x := kerneltest.RandVec(rng, n*dims[0])
	cur, curB := x, upload(t, ctx, x)
	type layer struct {
		p       kernels.DenseParams
		w, b    []float32
		wb, bb  *vk.Buffer
		in, out *vk.Buffer
	}
	var layers []layer
	for i := 0; i+1 < len(dims); i++ {
		p := kernels.DenseParams{N: n, In: dims[i], Out: dims[i+1], Bias: true}
		w, b := kerneltest.RandVec(rng, p.Out*p.In), kerneltest.RandVec(rng, p.Out)
		for j := range w {
			w[j] *= 0.2
		}
		out := upload(t, ctx, kerneltest.Poisoned(n*p.Out))
		layers = append(layers, layer{p, w, b, upload(t, ctx, w), upload(t, ctx, b), curB, out})
		curB = out
	}
	runOne(t, ctx, func(s *vk.Sequence) error {
		for _, ly := range layers {
			if err := lib.DenseForward(s, ly.p, ly.in, ly.wb, ly.bb, ly.out); err != nil {
				return err
			}
		}
		return nil
	})
	for _, ly := range layers {
		var err error
		if cur, err = kernels.DenseForward(ly.p, cur, ly.w, ly.b); err != nil {
			t.Fatal(err)
		}
	}
	expectClose(t, "discriminator chain", curB, cur)
}

func TestDenseRejectsBadArguments(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	seq := newSequence(t, ctx)
	buf := func(n int) *vk.Buffer { return upload(t, ctx, make([]float32, n)) }
	p := kernels.DenseParams{N: 2, In: 3, Out: 4, Bias: true}
	x, w, b, y := buf(6), buf(12), buf(4), buf(8)
	dx, dw, db, sq := buf(6), buf(12), buf(4), buf(9)
	noBias := p
	noBias.Bias = false
	cases := []errCase{
		{"N=0", lib.DenseForward(seq, kernels.DenseParams{N: 0, In: 3, Out: 4}, x, w, nil, y)},
		{"In=-1", lib.DenseBackwardInput(seq, kernels.DenseParams{N: 2, In: -1, Out: 4}, w, y, dx)},
		{"short x", lib.DenseForward(seq, p, buf(5), w, b, y)},
		{"long w", lib.DenseForward(seq, p, x, buf(13), b, y)},
		{"nil bias", lib.DenseForward(seq, p, x, w, nil, y)},
		{"short bias", lib.DenseForward(seq, p, x, w, buf(3), y)},
		{"bias without Bias", lib.DenseForward(seq, noBias, x, w, b, y)},
		{"short y", lib.DenseForward(seq, p, x, w, b, buf(7))},
		{"nil y", lib.DenseForward(seq, p, x, w, b, nil)},
		{"bwd input short dy", lib.DenseBackwardInput(seq, p, w, buf(7), dx)},
		{"bwd input long dx", lib.DenseBackwardInput(seq, p, w, y, buf(7))},
		{"bwd input nil w", lib.DenseBackwardInput(seq, p, nil, y, dx)},
		{"bwd weight short x", lib.DenseBackwardWeight(seq, p, buf(5), y, dw)},
		{"bwd weight short dw", lib.DenseBackwardWeight(seq, p, x, y, buf(11))},
		{"bwd bias without Bias", lib.DenseBackwardBias(seq, noBias, y, db)},
		{"bwd bias short db", lib.DenseBackwardBias(seq, p, y, buf(3))},
		{"bwd bias nil dy", lib.DenseBackwardBias(seq, p, nil, db)},
		{"y is x", lib.DenseForward(seq, kernels.DenseParams{N: 2, In: 3, Out: 3}, x, buf(9), nil, x)},
		{"dx is dy", lib.DenseBackwardInput(seq, kernels.DenseParams{N: 2, In: 3, Out: 3}, buf(9), x, x)},
		{"dw is x", lib.DenseBackwardWeight(seq, kernels.DenseParams{N: 3, In: 3, Out: 3}, sq, buf(9), sq)},
		{"db is dy", lib.DenseBackwardBias(seq, kernels.DenseParams{N: 1, In: 3, Out: 4, Bias: true}, db, db)},
	}
	expectOpErrors(t, kernels.OpDense, cases)
	expectNothingRecorded(t, seq)
}

// BenchmarkDense times each dense kernel on a square 512 GEMM and on the widest
// OCGAN discriminator layer; it reports GFLOP/s.
func BenchmarkDense(b *testing.B) {
	ctx := vktest.Open(b)
	lib := NewLibrary(ctx)
	rng := rand.New(rand.NewSource(13))
	for _, p := range []kernels.DenseParams{{N: 512, In: 512, Out: 512, Bias: true}, {N: 64, In: 128, Out: 64, Bias: true}, {N: 509, In: 511, Out: 510, Bias: true}} {
		x, w, bias := upload(b, ctx, kerneltest.RandVec(rng, p.N*p.In)), upload(b, ctx, kerneltest.RandVec(rng, p.Out*p.In)), upload(b, ctx, kerneltest.RandVec(rng, p.Out))
		dy, y := upload(b, ctx, kerneltest.RandVec(rng, p.N*p.Out)), upload(b, ctx, kerneltest.Poisoned(p.N*p.Out))
		dx, dw := upload(b, ctx, kerneltest.Poisoned(p.N*p.In)), upload(b, ctx, kerneltest.Poisoned(p.Out*p.In))
		for _, op := range []struct {
			name   string
			record func(*vk.Sequence) error
		}{
			{"forward", func(s *vk.Sequence) error { return lib.DenseForward(s, p, x, w, bias, y) }},
			{"backward_input", func(s *vk.Sequence) error { return lib.DenseBackwardInput(s, p, w, dy, dx) }},
			{"backward_weight", func(s *vk.Sequence) error { return lib.DenseBackwardWeight(s, p, x, dy, dw) }},
		} {
			b.Run(fmt.Sprintf("%s_N%d_In%d_Out%d", op.name, p.N, p.In, p.Out), func(b *testing.B) {
				seq, err := ctx.NewSequence(vk.SequenceOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer seq.Free()
				if err := op.record(seq); err != nil {
					b.Fatal(err)
				}
				if err := seq.Run(); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := seq.Run(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(2*float64(p.N*p.In*p.Out)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
