package vulkan

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// bnRandAround returns n values mean ± sd·N(0, 1): shifted data, where fp32
// E[x²]−E[x]² would lose the variance.
func bnRandAround(rng *rand.Rand, n int, mean, sd float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(mean + sd*rng.NormFloat64())
	}
	return v
}

// bnExpectClose is expectClose that also logs the relative error under -v,
// to show the margin to kerneltest.Tolerance.
func bnExpectClose(t *testing.T, name string, b *vk.Buffer, want []float32) {
	t.Helper()
	expectClose(t, name, b, want)
	if testing.Verbose() {
		t.Logf("%s: relative error %.2g", name, kerneltest.RelL2(download(t, b), want))
	}
}

// bnRandPositive returns n values in [lo, hi).
func bnRandPositive(rng *rand.Rand, n int, lo, hi float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return v
}

type bnGPUCase struct {
	n, c, h, w int
	mean       float64 // centre of x
}

func (c bnGPUCase) String() string { return fmt.Sprintf("%dx%dx%dx%d@%g", c.n, c.c, c.h, c.w, c.mean) }

var bnGPUCases = []bnGPUCase{
	// awkward shapes
	{1, 13, 5, 7, 3}, {3, 13, 5, 7, 3}, {3, 13, 1, 1, 3}, {1, 5, 1, 1, 3}, {3, 5, 1, 1, -3},
	{13, 70, 1, 1, 3}, {3, 3, 9, 9, 3}, {2, 3, 40, 41, 3}, {4, 2, 50, 51, 3}, {5, 7, 3, 1, 20},
	{1, 1, 1, 2, 3}, {130, 3, 1, 1, 3},
	// OCGAN encoder / decoder, batch 2 and 64
	{2, 128, 7, 7, 3}, {2, 256, 4, 4, 3}, {2, 16, 1, 1, 3}, {2, 64, 14, 14, 3}, {64, 128, 7, 7, 3},
	// OCGAN dense layers [64, C]
	{64, 128, 1, 1, 3}, {64, 64, 1, 1, 3}, {64, 32, 1, 1, 3}, {64, 16, 1, 1, 3},
}

// bnGroupSpecs are the workgroup-sum variants every test runs: the device's
// choice (nil; on lavapipe one 8-lane subgroup, no barrier) and 64 lanes with
// the shared-memory path GPUs take (8 subgroups on lavapipe).
var bnGroupSpecs = [][]uint32{nil, {64, 0}}

// bnRefused reports whether the device allows too few storage buffers for the
// batch-norm shaders (8 for the backward), having checked that each op builds
// or is refused at its first shader over the limit.
func bnRefused(t *testing.T, ctx *vk.Context, lib *Library) bool {
	t.Helper()
	if !storageShort(ctx, len(bnBwdAccess)) {
		return false
	}
	p := kernels.NewBatchNorm2DParams(2, 3, 2, 2)
	bufs := func(lens ...int) []*vk.Buffer {
		out := make([]*vk.Buffer, len(lens))
		for i, n := range lens {
			out[i] = upload(t, ctx, make([]float32, n))
		}
		return out
	}
	const nx, nc = 2 * 3 * 2 * 2, 3
	type shader struct {
		name string
		need int
	}
	ops := []struct {
		name    string
		call    func(s *vk.Sequence, b []*vk.Buffer) error
		lens    []int
		shaders []shader // in the order the op builds them
	}{
		{"train forward", func(s *vk.Sequence, b []*vk.Buffer) error {
			return lib.BatchNormTrainForward(s, p, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
		}, []int{nx, nc, nc, nc, nc, nx, nc, nc}, []shader{{"batch_norm_stats", 5}, {"batch_norm_fwd", 6}}},
		{"eval forward", func(s *vk.Sequence, b []*vk.Buffer) error {
			return lib.BatchNormEvalForward(s, p, b[0], b[1], b[2], b[3], b[4], b[5])
		}, []int{nx, nc, nc, nc, nc, nx}, []shader{{"batch_norm_fwd", 6}}},
		{"train backward", func(s *vk.Sequence, b []*vk.Buffer) error {
			return lib.BatchNormTrainBackward(s, p, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
		}, []int{nx, nc, nc, nc, nx, nx, nc, nc}, []shader{{"batch_norm_bwd", 8}}},
		{"eval backward", func(s *vk.Sequence, b []*vk.Buffer) error {
			return lib.BatchNormEvalBackward(s, p, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
		}, []int{nx, nc, nc, nc, nx, nx, nc, nc}, []shader{{"batch_norm_eval_bwd", 8}}},
	}
	for _, op := range ops {
		b := bufs(op.lens...)
		err := recordOnly(t, ctx, func(s *vk.Sequence) error { return op.call(s, b) })
		refused := false
		for _, sh := range op.shaders {
			if storageShort(ctx, sh.need) {
				expectStorageRefusal(t, ctx, "batch norm "+op.name, err, sh.name, sh.need)
				refused = true
				break
			}
		}
		if !refused && err != nil {
			t.Errorf("batch norm %s: %v", op.name, err)
		}
	}
	return true
}

func TestBatchNormMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	if bnRefused(t, ctx, lib) {
		return
	}
	rng := rand.New(rand.NewSource(11))
	for _, tc := range bnGPUCases {
		tc := tc
		t.Run(tc.String(), func(t *testing.T) { checkBatchNorm(t, ctx, lib, rng, tc) })
	}
}

// checkBatchNorm runs every batch-norm op on random data of shape tc, with each
// of bnGroupSpecs, and compares it with the reference.
func checkBatchNorm(t *testing.T, ctx *vk.Context, lib *Library, rng *rand.Rand, tc bnGPUCase) {
	t.Helper()
	p := kernels.NewBatchNorm2DParams(tc.n, tc.c, tc.h, tc.w)
	p.Momentum = 0.25
	if tc.c%2 == 1 {
		p.Eps = 1e-3
	}
	n := tc.n * tc.c * tc.h * tc.w
	x := bnRandAround(rng, n, tc.mean, 1)
	for i := range x { // per-channel offsets as well
		x[i] += float32((i/(tc.h*tc.w))%tc.c%5) * 0.5
	}
	gamma := bnRandAround(rng, tc.c, 1, 0.3)
	beta := bnRandAround(rng, tc.c, 0.5, 0.5)
	rMean := bnRandAround(rng, tc.c, 1, 1)
	rVar := bnRandPositive(rng, tc.c, 0.5, 2)
	dy := bnRandAround(rng, n, 1, 1)
	xb, gb, bb, dyb := upload(t, ctx, x), upload(t, ctx, gamma), upload(t, ctx, beta), upload(t, ctx, dy)
	for _, gs := range bnGroupSpecs {
		gsName := fmt.Sprintf("workgroup %v: ", gs)

		// Eval forward and backward: any N·H·W.
		rmb, rvb := upload(t, ctx, rMean), upload(t, ctx, rVar)
		y := upload(t, ctx, kerneltest.Poisoned(n))
		dx, dg, db := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(tc.c)), upload(t, ctx, kerneltest.Poisoned(tc.c))
		runOne(t, ctx, func(s *vk.Sequence) error {
			if err := lib.BatchNormEvalForward(s, p, xb, gb, bb, rmb, rvb, y); err != nil {
				return err
			}
			return lib.batchNormEvalBackward(s, p, gs, xb, gb, rmb, rvb, dyb, dx, dg, db)
		})
		wantY, err := kernels.BatchNormEvalForward(p, x, gamma, beta, rMean, rVar)
		if err != nil {
			t.Fatal(err)
		}
		bnExpectClose(t, gsName+"eval y", y, wantY)
		wdx, wdg, wdb, err := kernels.BatchNormEvalBackward(p, x, gamma, rMean, rVar, dy)
		if err != nil {
			t.Fatal(err)
		}
		bnExpectClose(t, gsName+"eval dx", dx, wdx)
		bnExpectClose(t, gsName+"eval dgamma", dg, wdg)
		bnExpectClose(t, gsName+"eval dbeta", db, wdb)
		bnExpectClose(t, gsName+"eval running mean (unchanged)", rmb, rMean)
		bnExpectClose(t, gsName+"eval running var (unchanged)", rvb, rVar)

		if tc.n*tc.h*tc.w < 2 {
			continue
		}
		// Train forward: y, saved statistics, running statistics in place.
		y = upload(t, ctx, kerneltest.Poisoned(n))
		sm, si := upload(t, ctx, kerneltest.Poisoned(tc.c)), upload(t, ctx, kerneltest.Poisoned(tc.c))
		runOne(t, ctx, func(s *vk.Sequence) error {
			return lib.batchNormTrainForward(s, p, gs, xb, gb, bb, rmb, rvb, y, sm, si)
		})
		wantRM, wantRV := append([]float32(nil), rMean...), append([]float32(nil), rVar...)
		wantY, saved, err := kernels.BatchNormTrainForward(p, x, gamma, beta, wantRM, wantRV)
		if err != nil {
			t.Fatal(err)
		}
		bnExpectClose(t, gsName+"train y", y, wantY)
		bnExpectClose(t, gsName+"saved mean", sm, saved.Mean)
		bnExpectClose(t, gsName+"saved inv std", si, saved.InvStd)
		bnExpectClose(t, gsName+"running mean", rmb, wantRM)
		bnExpectClose(t, gsName+"running var", rvb, wantRV)

		// Train backward from the reference's saved statistics.
		smr, sir := upload(t, ctx, saved.Mean), upload(t, ctx, saved.InvStd)
		dx, dg, db = upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(tc.c)), upload(t, ctx, kerneltest.Poisoned(tc.c))
		runOne(t, ctx, func(s *vk.Sequence) error {
			return lib.batchNormTrainBackward(s, p, gs, xb, gb, smr, sir, dyb, dx, dg, db)
		})
		wdx, wdg, wdb, err = kernels.BatchNormTrainBackward(p, x, gamma, saved, dy)
		if err != nil {
			t.Fatal(err)
		}
		bnExpectClose(t, gsName+"train dx", dx, wdx)
		bnExpectClose(t, gsName+"train dgamma", dg, wdg)
		bnExpectClose(t, gsName+"train dbeta", db, wdb)
	}

}

// TestBatchNormTrainChain runs forward and backward in one sequence with the
// device's own saved statistics, as training does, and replays it: the running
// statistics advance once per run, everything else is unchanged.
func TestBatchNormTrainChain(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	if bnRefused(t, ctx, lib) {
		return
	}
	rng := rand.New(rand.NewSource(12))
	p := kernels.NewBatchNorm2DParams(3, 13, 5, 7)
	n := 3 * 13 * 5 * 7
	x, dy := bnRandAround(rng, n, 3, 1), bnRandAround(rng, n, 1, 1)
	gamma, beta := bnRandAround(rng, 13, 1, 0.3), bnRandAround(rng, 13, 0.5, 0.5)
	rMean, rVar := bnRandAround(rng, 13, 1, 1), bnRandPositive(rng, 13, 0.5, 2)
	xb, gb, bb, dyb, rmb, rvb := upload(t, ctx, x), upload(t, ctx, gamma), upload(t, ctx, beta), upload(t, ctx, dy), upload(t, ctx, rMean), upload(t, ctx, rVar)
	y, sm, si := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(13)), upload(t, ctx, kerneltest.Poisoned(13))
	dx, dg, db := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(13)), upload(t, ctx, kerneltest.Poisoned(13))
	seq := newSequence(t, ctx)
	if err := lib.BatchNormTrainForward(seq, p, xb, gb, bb, rmb, rvb, y, sm, si); err != nil {
		t.Fatal(err)
	}
	if err := lib.BatchNormTrainBackward(seq, p, xb, gb, sm, si, dyb, dx, dg, db); err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 2; run++ {
		if err := seq.Run(); err != nil {
			t.Fatal(err)
		}
		wantY, saved, err := kernels.BatchNormTrainForward(p, x, gamma, beta, rMean, rVar)
		if err != nil {
			t.Fatal(err)
		}
		wdx, wdg, wdb, err := kernels.BatchNormTrainBackward(p, x, gamma, saved, dy)
		if err != nil {
			t.Fatal(err)
		}
		expectClose(t, "y", y, wantY)
		expectClose(t, "running mean", rmb, rMean)
		expectClose(t, "running var", rvb, rVar)
		expectClose(t, "dx", dx, wdx)
		expectClose(t, "dgamma", dg, wdg)
		expectClose(t, "dbeta", db, wdb)
	}
}

func TestBatchNormRejectsBadArguments(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	if bnRefused(t, ctx, lib) {
		return
	}
	p := kernels.NewBatchNorm2DParams(2, 3, 2, 2)
	buf := func(n int) *vk.Buffer { return upload(t, ctx, make([]float32, n)) }
	seq := newSequence(t, ctx)
	const nx, nc = 2 * 3 * 2 * 2, 3

	// train forward: x, gamma, beta, rm, rv, y, sm, si
	trainFwd := func(p kernels.BatchNormParams, b []*vk.Buffer) error {
		return lib.BatchNormTrainForward(seq, p, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
	}
	evalFwd := func(p kernels.BatchNormParams, b []*vk.Buffer) error {
		return lib.BatchNormEvalForward(seq, p, b[0], b[1], b[2], b[3], b[4], b[5])
	}
	trainBwd := func(p kernels.BatchNormParams, b []*vk.Buffer) error {
		return lib.BatchNormTrainBackward(seq, p, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
	}
	evalBwd := func(p kernels.BatchNormParams, b []*vk.Buffer) error {
		return lib.BatchNormEvalBackward(seq, p, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
	}
	ops := []struct {
		name  string
		call  func(kernels.BatchNormParams, []*vk.Buffer) error
		lens  []int
		names []string
	}{
		{"train forward", trainFwd, []int{nx, nc, nc, nc, nc, nx, nc, nc}, []string{"x", "gamma", "beta", "running mean", "running var", "y", "saved mean", "saved inv std"}},
		{"eval forward", evalFwd, []int{nx, nc, nc, nc, nc, nx}, []string{"x", "gamma", "beta", "running mean", "running var", "y"}},
		{"train backward", trainBwd, []int{nx, nc, nc, nc, nx, nx, nc, nc}, []string{"x", "gamma", "saved mean", "saved inv std", "dy", "dx", "dgamma", "dbeta"}},
		{"eval backward", evalBwd, []int{nx, nc, nc, nc, nx, nx, nc, nc}, []string{"x", "gamma", "running mean", "running var", "dy", "dx", "dgamma", "dbeta"}},
	}
	for _, op := range ops {
		good := make([]*vk.Buffer, len(op.lens))
		for i, n := range op.lens {
			good[i] = buf(n)
		}
		if err := op.call(p, good); err != nil {
			t.Fatalf("%s with good arguments: %v", op.name, err)
		}
		for i := range op.lens {
			for _, bad := range []*vk.Buffer{buf(op.lens[i] + 1), nil} {
				b := append([]*vk.Buffer(nil), good...)
				b[i] = bad
				err := op.call(p, b)
				if err == nil || !strings.Contains(err.Error(), op.name) || !strings.Contains(err.Error(), op.names[i]) {
					t.Errorf("%s with bad %s: got %v, want an error naming both", op.name, op.names[i], err)
				}
			}
		}
		for _, bp := range []kernels.BatchNormParams{
			{N: 0, C: 3, H: 2, W: 2, Eps: 1e-5, Momentum: 0.1},
			{N: 2, C: 3, H: 2, W: 2, Eps: 0, Momentum: 0.1},
			{N: 2, C: 3, H: 2, W: 2, Eps: 1e-5, Momentum: 1.5},
			{N: 2, C: 4, H: 2, W: 2, Eps: 1e-5, Momentum: 0.1}, // lengths no longer match
		} {
			if err := op.call(bp, good); err == nil {
				t.Errorf("%s with params %+v succeeded", op.name, bp)
			}
		}
		// an output aliasing an input
		b := append([]*vk.Buffer(nil), good...)
		last := len(b) - 1
		for i := range b {
			if op.lens[i] == op.lens[last] && i != last {
				b[last] = b[i]
				break
			}
		}
		if err := op.call(p, b); err == nil {
			t.Errorf("%s with an aliased output succeeded", op.name)
		}
	}
	// training needs N·H·W >= 2
	one := kernels.NewBatchNorm1DParams(1, 3)
	b := []*vk.Buffer{buf(3), buf(3), buf(3), buf(3), buf(3), buf(3), buf(3), buf(3)}
	if err := trainFwd(one, b); err == nil {
		t.Error("train forward with N*H*W = 1 succeeded")
	}
	if err := trainBwd(one, b); err == nil {
		t.Error("train backward with N*H*W = 1 succeeded")
	}
	if err := evalFwd(one, b); err != nil {
		t.Errorf("eval forward with N*H*W = 1: %v", err)
	}
}

// BenchmarkBatchNorm times the four batch-norm ops on the largest OCGAN shape,
// one sequence of all four per iteration (device time per dispatch is logged).
func BenchmarkBatchNorm(b *testing.B) {
	ctx := vktest.Open(b)
	lib := NewLibrary(ctx)
	rng := rand.New(rand.NewSource(1))
	p := kernels.NewBatchNorm2DParams(64, 128, 7, 7)
	n := 64 * 128 * 7 * 7
	x, dy := upload(b, ctx, bnRandAround(rng, n, 3, 1)), upload(b, ctx, bnRandAround(rng, n, 1, 1))
	ch := func() *vk.Buffer { return upload(b, ctx, bnRandPositive(rng, 128, 0.5, 2)) }
	gamma, beta, rm, rv, sm, si, dg, db := ch(), ch(), ch(), ch(), ch(), ch(), ch(), ch()
	y, dx := upload(b, ctx, kerneltest.Poisoned(n)), upload(b, ctx, kerneltest.Poisoned(n))
	seq, err := ctx.NewSequence(vk.SequenceOptions{Timestamps: true})
	if err != nil {
		b.Fatal(err)
	}
	defer seq.Free()
	for _, err := range []error{
		lib.BatchNormTrainForward(seq, p, x, gamma, beta, rm, rv, y, sm, si),
		lib.BatchNormTrainBackward(seq, p, x, gamma, sm, si, dy, dx, dg, db),
		lib.BatchNormEvalForward(seq, p, x, gamma, beta, rm, rv, y),
		lib.BatchNormEvalBackward(seq, p, x, gamma, rm, rv, dy, dx, dg, db),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	runTimed(b, seq, nil)
}
