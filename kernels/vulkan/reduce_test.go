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

// reduceCase is an input shape and the sets of axes it is reduced over.
type reduceCase struct {
	shape []int
	axes  [][]int
}

var reduceGPUCases = []reduceCase{
	{[]int{13}, [][]int{{0}}},
	{[]int{1}, [][]int{{0}}},
	{[]int{3, 13, 5, 7}, [][]int{{0, 2, 3}, {1}, {0}, {3}, {2}, {3, 0, 1, 2}, {1, 3}, {0, 2}, {2, 3}}},
	{[]int{64, 128}, [][]int{{0}, {1}, {0, 1}}},
	{[]int{2, 1, 3, 1, 5}, [][]int{{1}, {1, 3}, {0, 4}, {3, 4}, {0, 2}}},
	{[]int{2, 3, 2, 3, 2, 3, 2, 3}, [][]int{{0, 2, 4, 6}, {1, 3, 5, 7}, {0, 1, 6}}},
	{[]int{5, 3000}, [][]int{{1}, {0}}},
	{[]int{20000}, [][]int{{0}}},
	{[]int{3, 200, 70}, [][]int{{0, 2}, {1}}},
}

// reduceGroupShared is reduceGroup with 40 lanes: the shared-memory path that
// GPUs take, run on lavapipe as 5 subgroups (and, in the basic tier, a tree
// over a workgroup size that is not a power of two).
const reduceGroupShared = -1

func TestReduceMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(13))
	for _, tc := range reduceGPUCases {
		checkReduce(t, ctx, lib, rng, tc)
	}
}

// checkReduce runs the reductions of random data of shape tc.shape over each
// set of tc.axes, with every strategy, and their backward, and compares them
// with the reference.
func checkReduce(t *testing.T, ctx *vk.Context, lib *Library, rng *rand.Rand, tc reduceCase) {
	t.Helper()
	n := 1
	for _, d := range tc.shape {
		n *= d
	}
	x := bnRandAround(rng, n, 3, 1)
	xb := upload(t, ctx, x)
	for _, axes := range tc.axes {
		for _, keep := range []bool{false, true} {
			p := kernels.ReduceParams{Shape: tc.shape, Axes: axes, KeepDims: keep}
			name := fmt.Sprintf("%v axes %v keep %v", tc.shape, axes, keep)
			_, nout := p.Sizes()
			wantSum, err := kernels.ReduceSum(p, x)
			if err != nil {
				t.Fatal(err)
			}
			wantMean, err := kernels.ReduceMean(p, x)
			if err != nil {
				t.Fatal(err)
			}
			for _, strategy := range []int{reduceAuto, reduceLane, reduceGroup, reduceGroupShared} {
				if keep && strategy != reduceAuto {
					continue // KeepDims changes no index
				}
				var gs []uint32
				if strategy == reduceGroupShared {
					strategy, gs = reduceGroup, []uint32{40, 0}
				}
				sum, mean := upload(t, ctx, kerneltest.Poisoned(nout)), upload(t, ctx, kerneltest.Poisoned(nout))
				runOne(t, ctx, func(s *vk.Sequence) error {
					if strategy == reduceAuto {
						if err := lib.ReduceSum(s, p, xb, sum); err != nil {
							return err
						}
						return lib.ReduceMean(s, p, xb, mean)
					}
					if err := lib.reduce(s, "reduce sum", p, xb, sum, false, strategy, gs); err != nil {
						return err
					}
					return lib.reduce(s, "reduce mean", p, xb, mean, true, strategy, gs)
				})
				bnExpectClose(t, fmt.Sprintf("%s strategy %d %v sum", name, strategy, gs), sum, wantSum)
				bnExpectClose(t, fmt.Sprintf("%s strategy %d %v mean", name, strategy, gs), mean, wantMean)
			}

			dy := bnRandAround(rng, nout, 3, 1)
			dyb := upload(t, ctx, dy)
			dxs, dxm := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(n))
			runOne(t, ctx, func(s *vk.Sequence) error {
				if err := lib.ReduceSumBackward(s, p, dyb, dxs); err != nil {
					return err
				}
				return lib.ReduceMeanBackward(s, p, dyb, dxm)
			})
			want, err := kernels.ReduceSumBackward(p, dy)
			if err != nil {
				t.Fatal(err)
			}
			bnExpectClose(t, name+" sum backward", dxs, want)
			if want, err = kernels.ReduceMeanBackward(p, dy); err != nil {
				t.Fatal(err)
			}
			bnExpectClose(t, name+" mean backward", dxm, want)
		}
	}

}

func TestReduceRejectsBadArguments(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	buf := func(n int) *vk.Buffer { return upload(t, ctx, make([]float32, n)) }
	seq := newSequence(t, ctx)
	p := kernels.ReduceParams{Shape: []int{3, 4, 5}, Axes: []int{0, 2}}
	x, y := buf(60), buf(4)
	type call func(kernels.ReduceParams, *vk.Buffer, *vk.Buffer) error
	fwd := map[string]call{
		"reduce sum":  func(p kernels.ReduceParams, a, b *vk.Buffer) error { return lib.ReduceSum(seq, p, a, b) },
		"reduce mean": func(p kernels.ReduceParams, a, b *vk.Buffer) error { return lib.ReduceMean(seq, p, a, b) },
	}
	bwd := map[string]call{
		"reduce sum backward":  func(p kernels.ReduceParams, a, b *vk.Buffer) error { return lib.ReduceSumBackward(seq, p, a, b) },
		"reduce mean backward": func(p kernels.ReduceParams, a, b *vk.Buffer) error { return lib.ReduceMeanBackward(seq, p, a, b) },
	}
	expectErr := func(what string, err error, words ...string) {
		t.Helper()
		if err == nil {
			t.Errorf("%s succeeded", what)
			return
		}
		for _, w := range words {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not name %q", what, err, w)
			}
		}
	}
	badParams := []kernels.ReduceParams{
		{Shape: nil, Axes: []int{0}},
		{Shape: []int{3, 0}, Axes: []int{0}},
		{Shape: []int{3, 4, 5}, Axes: nil},
		{Shape: []int{3, 4, 5}, Axes: []int{3}},
		{Shape: []int{3, 4, 5}, Axes: []int{1, 1}},
		// nine alternating groups: five kept, four reduced
		{Shape: []int{2, 3, 2, 3, 2, 3, 2, 3, 2}, Axes: []int{1, 3, 5, 7}},
	}
	for op, f := range fwd {
		if err := f(p, x, y); err != nil {
			t.Fatalf("%s with good arguments: %v", op, err)
		}
		expectErr(op+" with a short x", f(p, buf(59), y), op, "x")
		expectErr(op+" with a long y", f(p, x, buf(5)), op, "y")
		expectErr(op+" with a nil x", f(p, nil, y), op, "x")
		expectErr(op+" with a nil y", f(p, x, nil), op, "y")
		for _, bp := range badParams {
			expectErr(fmt.Sprintf("%s with %+v", op, bp), f(bp, x, y), op)
		}
	}
	for op, f := range bwd {
		if err := f(p, y, x); err != nil {
			t.Fatalf("%s with good arguments: %v", op, err)
		}
		expectErr(op+" with a short dy", f(p, buf(3), x), op, "dy")
		expectErr(op+" with a long dx", f(p, y, buf(61)), op, "dx")
		expectErr(op+" with a nil dy", f(p, nil, x), op, "dy")
		for _, bp := range badParams {
			expectErr(fmt.Sprintf("%s with %+v", op, bp), f(bp, y, x), op)
		}
	}
}

// BenchmarkReduce times sums of a [64, 128, 7, 7] tensor over several axis
// sets with each strategy, and the broadcast backward (median device time).
func BenchmarkReduce(b *testing.B) {
	ctx := vktest.Open(b)
	lib := NewLibrary(ctx)
	rng := rand.New(rand.NewSource(1))
	shape := []int{64, 128, 7, 7}
	x := upload(b, ctx, bnRandAround(rng, 64*128*7*7, 3, 1))
	dx := upload(b, ctx, kerneltest.Poisoned(64*128*7*7))
	seq, err := ctx.NewSequence(vk.SequenceOptions{Timestamps: true})
	if err != nil {
		b.Fatal(err)
	}
	defer seq.Free()
	var labels []string
	for _, axes := range [][]int{{0, 2, 3}, {0}, {1, 2, 3}, {2, 3}, {0, 1, 2, 3}} {
		p := kernels.ReduceParams{Shape: shape, Axes: axes}
		_, nout := p.Sizes()
		y := upload(b, ctx, kerneltest.Poisoned(nout))
		for _, st := range []int{reduceLane, reduceGroup} {
			if err := lib.reduce(seq, "reduce sum", p, x, y, false, st, nil); err != nil {
				b.Fatal(err)
			}
			labels = append(labels, fmt.Sprintf("axes %v strategy %d (auto %d)", axes, st, lib.reduceStrategy(reduceMustPlan(b, p))))
		}
		if err := lib.ReduceSumBackward(seq, p, y, dx); err != nil {
			b.Fatal(err)
		}
		labels = append(labels, fmt.Sprintf("axes %v broadcast", axes))
	}
	runTimed(b, seq, labels)
}

func reduceMustPlan(t testing.TB, p kernels.ReduceParams) reducePlan {
	t.Helper()
	pl, err := planReduce("reduce", p)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}
