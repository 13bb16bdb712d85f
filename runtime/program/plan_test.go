package program

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestPlanSharesMemoryOnlyBetweenDisjointLifetimes checks the plan of the
// training step structurally: it saves memory, tensors whose memory overlaps
// (including tensors of different sizes) have disjoint live ranges, and no
// node writes a buffer it reads.
func TestPlanSharesMemoryOnlyBetweenDisjointLifetimes(t *testing.T) {
	lib := newLib(t)
	p, n := compileNet(t, lib, false, func(n *aeNet) []*graph.Tensor { return n.params() })
	st := p.Stats()
	t.Logf("%d slots: planned %d bytes, unplanned %d bytes (%.0f%%)", st.Slots, st.PlannedBytes, st.UnplannedBytes,
		100*float64(st.PlannedBytes)/float64(st.UnplannedBytes))
	if !(st.PlannedBytes < st.UnplannedBytes) {
		t.Errorf("planned %d bytes, not less than the unplanned %d", st.PlannedBytes, st.UnplannedBytes)
	}
	pl, tensors := p.plan, n.g.Tensors()
	var roots []int
	for id, off := range pl.Offset {
		if off >= 0 {
			if pl.Root[id] != id {
				t.Errorf("%v is a view but has its own range", tensors[id])
			}
			if off%(lib.Context().BufferAlign()/4) != 0 || off+tensors[id].Len() > pl.ArenaFloats {
				t.Errorf("%v at float %d (%d floats) is misaligned or outside the %d-float arena", tensors[id], off,
					tensors[id].Len(), pl.ArenaFloats)
			}
			roots = append(roots, id)
		}
	}
	shared, mixed := 0, 0
	for i, a := range roots {
		for _, b := range roots[i+1:] {
			oa, ob := pl.Offset[a], pl.Offset[b]
			if oa >= ob+tensors[b].Len() || ob >= oa+tensors[a].Len() {
				continue // disjoint memory
			}
			shared++
			if tensors[a].Len() != tensors[b].Len() {
				mixed++
			}
			if !(pl.Last[a] < pl.First[b] || pl.Last[b] < pl.First[a]) {
				t.Errorf("%v live [%d,%d] and %v live [%d,%d] share memory while both live",
					tensors[a], pl.First[a], pl.Last[a], tensors[b], pl.First[b], pl.Last[b])
			}
		}
	}
	if shared == 0 || mixed == 0 {
		t.Errorf("%d pairs share memory, %d of them of different sizes: want both > 0", shared, mixed)
	}
	for _, nb := range p.nodes {
		if _, ok := nb.n.Op().(graph.ReshapeOp); ok {
			if nb.in[0] != nb.out[0] {
				t.Errorf("%v: the view has its own buffer", nb.n)
			}
			continue
		}
		for _, o := range nb.out {
			for _, in := range nb.in {
				if o == in {
					t.Errorf("%v writes a buffer it reads", nb.n)
				}
			}
		}
	}
	// The loss and the gradients the optimizer reads live to the end.
	if pl.Last[pl.Root[n.loss.ID()]] != len(p.nodes) {
		t.Errorf("the loss output is not pinned to the end of the step")
	}
}

// TestPoisonedPlanMatchesReference trains with all planned memory filled
// with NaN on the host before each step and every tensor's memory filled
// with NaN on the device right after its last use (Options.Poison): if two
// live tensors shared memory, or a tensor were read before it is written,
// NaNs would reach the loss. The run must still match the reference.
func TestPoisonedPlanMatchesReference(t *testing.T) {
	checkPoisonedPlan(t, newLib(t))
}

// checkPoisonedPlan is TestPoisonedPlanMatchesReference's check, with lib.
func checkPoisonedPlan(t *testing.T, lib *vulkan.Library) {
	const steps = 5
	all := func(n *aeNet) []*graph.Tensor { return n.params() }
	refLosses, refPS, _ := refTrain(t, steps, all)
	p, n := compileNet(t, lib, true, all)
	clean, _ := compileNet(t, lib, false, all)
	if p.Stats().Dispatches <= clean.Stats().Dispatches {
		t.Fatalf("poisoning recorded no fills: %d dispatches, %d without", p.Stats().Dispatches, clean.Stats().Dispatches)
	}
	feeds := n.batch(trainSeed)
	var losses []float32
	for step := 0; step < steps; step++ {
		nan := make([]float32, p.arena.Len())
		for i := range nan {
			nan[i] = float32(math.NaN())
		}
		if err := p.arena.WriteFloat32(0, nan); err != nil {
			t.Fatal(err)
		}
		vals, err := p.Step(feeds)
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, vals[n.loss][0])
	}
	for i := range losses {
		d := math.Abs(float64(losses[i])-float64(refLosses[i])) / math.Abs(float64(refLosses[i]))
		if !(d <= lossTolerance) {
			t.Errorf("poisoned step %d: loss %v, reference %v", i, losses[i], refLosses[i])
		}
	}
	got := graph.NewParamSet()
	buildAE(got, graph.Train)
	if err := p.Params().Download(got); err != nil {
		t.Fatal(err)
	}
	for _, name := range refPS.Names() {
		if e := kerneltest.RelL2(got.Get(name), refPS.Get(name)); !(e <= paramTolerance) {
			t.Errorf("poisoned run: %s differs from the reference by %.3g", name, e)
		}
	}
	// The poison is really there: memory whose last tensor died holds NaN.
	v, err := p.arena.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	if !hasNaN(v) {
		t.Error("no planned memory holds the poison after a step")
	}
}

// TestSplitKWorkspaceInPlan runs the training step with every conv kernel
// call tuned to split-K: each conv pass gets its partial sums from the memory
// plan, live during its node only and apart from every tensor live then, the
// library allocates no scratch of its own, and the poisoned run (stale
// scratch included) still matches the reference.
func TestSplitKWorkspaceInPlan(t *testing.T) {
	// A library of its own: the test sets its tuning and counts its scratch.
	lib := vulkan.NewLibrary(vktest.Shared(t))
	n, _ := newNet(t, trainSeed, func(n *aeNet) []*graph.Tensor { return n.params() })
	table, err := vulkan.NewConvTuning(lib.Context().Info())
	if err != nil {
		t.Fatal(err)
	}
	split := vulkan.ConvVariant{Kind: "tiled", BM: 16, BN: 8, BK: 4, TM: 2, TN: 2, Split: 2}
	for _, nd := range n.g.Nodes() {
		var shapes []vulkan.ConvShape
		switch op := nd.Op().(type) {
		case graph.Conv2DOp:
			shapes = vulkan.Conv2DShapes(op.P)
		case graph.ConvTranspose2DOp:
			shapes = vulkan.ConvTranspose2DShapes(op.P)
		}
		for _, s := range shapes {
			table.Entries = append(table.Entries, vulkan.ConvTuningEntry{Shape: s, Variant: split})
		}
	}
	if len(table.Entries) != 6 {
		t.Fatalf("%d conv kernel calls in the test network, want 6 (two layers, three directions)", len(table.Entries))
	}
	lib.SetConvTuning(table)

	p, n := compileNet(t, lib, false, func(n *aeNet) []*graph.Tensor { return n.params() })
	st := p.Stats()
	convPasses := 0
	for _, nb := range p.nodes {
		switch nb.n.Op().(type) {
		case graph.Conv2DOp, graph.Conv2DBackwardInputOp, graph.Conv2DBackwardWeightOp,
			graph.ConvTranspose2DOp, graph.ConvTranspose2DBackwardInputOp, graph.ConvTranspose2DBackwardWeightOp:
			convPasses++
		}
	}
	if st.ScratchNodes != convPasses || st.ScratchBytes <= 0 {
		t.Errorf("%d nodes with a workspace (%d bytes), want every one of the %d conv passes", st.ScratchNodes, st.ScratchBytes, convPasses)
	}
	pl, tensors := p.plan, n.g.Tensors()
	for i, nb := range p.nodes {
		off := pl.Scratch[i]
		if (off >= 0) != (nb.scratch > 0) {
			t.Errorf("%v: scratch offset %d for %d floats", nb.n, off, nb.scratch)
		}
		if off < 0 {
			continue
		}
		if off+nb.scratch > pl.ArenaFloats || off%(lib.Context().BufferAlign()/4) != 0 {
			t.Errorf("%v: scratch at float %d (%d floats) is misaligned or outside the %d-float arena", nb.n, off, nb.scratch, pl.ArenaFloats)
		}
		for id, o := range pl.Offset {
			if o < 0 || pl.First[id] > i || pl.Last[id] < i {
				continue // not planned, or not live at node i
			}
			if o < off+nb.scratch && off < o+tensors[id].Len() {
				t.Errorf("%v: its scratch overlaps %v, live [%d,%d]", nb.n, tensors[id], pl.First[id], pl.Last[id])
			}
		}
	}
	if _, err := p.Step(n.batch(trainSeed)); err != nil {
		t.Fatal(err)
	}
	checkPoisonedPlan(t, lib)
	if f := lib.SharedScratchFloats(); f != 0 {
		t.Errorf("the library allocated %d floats of scratch of its own", f)
	}
}
