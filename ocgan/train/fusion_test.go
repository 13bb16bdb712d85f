package train

import (
	"fmt"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/program"
)

// TestFusionMatchesUnfused trains the same Algorithm-1 iterations, then
// scores the same images, with epilogue fusion off and on, on the native
// CPU backend and the Vulkan device: every loss, final parameter and score
// of the fused programs agrees with the unfused ones within the one kernel
// tolerance.
func TestFusionMatchesUnfused(t *testing.T) {
	cfg := equivalenceConfig(tinyConfig(t))
	const steps = 3
	data := synthetic(t, 0, cfg.Batch*steps, 500)
	test := synthetic(t, 1, 9, 950)
	for _, be := range allBackends(t) {
		name := be.Device().Backend
		t.Setenv(backend.FusionEnv, "off")
		refLosses, refParams := trainLosses(t, be, cfg, data.Pixels(), steps)
		t.Setenv(backend.FusionEnv, "on")
		losses, params := trainLosses(t, be, cfg, data.Pixels(), steps)
		compareTraining(t, name+" fused", refLosses, refParams, losses, params)

		tr := newTrainer(t, be, cfg)
		trained, err := tr.Params()
		if err != nil {
			t.Fatal(err)
		}
		score := func(fusion string) []float32 {
			t.Setenv(backend.FusionEnv, fusion)
			s, err := NewScorer(be, cfg.Geometry, 4, trained)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Free()
			v, err := s.Scores(test)
			if err != nil {
				t.Fatal(err)
			}
			return toFloat32(v)
		}
		kerneltest.ExpectClose(t, name+" fused scores", score("on"), score("off"))
	}
}

// phaseDispatches returns the dispatches one Algorithm-1 iteration of tr
// runs on the Vulkan backend, by phase (each phase program's recorded
// dispatches times the runs the iteration made of it) and in all, and the
// scorer's per run.
func phaseDispatches(t *testing.T, tr *Trainer, x []float32) (byPhase string, iteration, score int) {
	t.Helper()
	var phases []*phase
	if tr.cls != nil {
		phases = append(phases, tr.cls.phase)
	}
	if tr.disc != nil {
		phases = append(phases, tr.disc.phase)
	}
	if tr.mining != nil {
		phases = append(phases, tr.mining.phase)
	}
	if tr.gen != nil {
		phases = append(phases, tr.gen.phase)
	}
	runs := make([]int, len(phases))
	for i, p := range phases {
		runs[i] = p.prog.(*program.Program).Stats().Runs
	}
	if _, err := tr.Step(x, true); err != nil {
		t.Fatal(err)
	}
	for i, p := range phases {
		st := p.prog.(*program.Program).Stats()
		n := st.Runs - runs[i]
		iteration += st.Dispatches * n
		byPhase += fmt.Sprintf(" %s %d×%d", p.name, n, st.Dispatches)
	}
	return byPhase, iteration, tr.Scorer().p.prog.(*program.Program).Stats().Dispatches
}

// TestFusionDispatches counts the dispatches of an MNIST28 Algorithm-1
// iteration and of a batch-1 scoring forward on the Vulkan device with
// fusion off and on: fusion removes one activation dispatch per fused pair
// (En.conv1 and the decoder's last transposed conv in every network pass).
func TestFusionDispatches(t *testing.T) {
	be := newBackend(t)
	cfg := DefaultConfig(model.MNIST28())
	cfg.Batch, cfg.ScoreBatch, cfg.MineStart = 4, 1, 0
	x := kernels.FillUniform(cfg.Batch*28*28, 1, 3)
	var iter, score [2]int
	for i, fusion := range []string{"off", "on"} {
		t.Setenv(backend.FusionEnv, fusion)
		tr := newTrainer(t, be, cfg)
		var by string
		by, iter[i], score[i] = phaseDispatches(t, tr, x)
		t.Logf("fusion %s: runs×dispatches per Algorithm-1 iteration:%s", fusion, by)
		tr.Free()
	}
	t.Logf("dispatches per Algorithm-1 iteration: %d unfused, %d fused; per batch-1 scoring forward: %d unfused, %d fused",
		iter[0], iter[1], score[0], score[1])
	if !(iter[1] < iter[0]) || !(score[1] < score[0]) {
		t.Errorf("fusion removed no dispatch: iteration %d → %d, scoring %d → %d", iter[0], iter[1], score[0], score[1])
	}
}

// TestStandaloneScorerFoldsBatchNorms checks that a standalone scorer runs
// the encoder and decoder with every batch norm folded into its conv: no
// batch-norm node is left in its graph, and its program records fewer
// dispatches than the trainer's scorer, which runs them.
func TestStandaloneScorerFoldsBatchNorms(t *testing.T) {
	be := newBackend(t)
	cfg := tinyConfig(t)
	tr := newTrainer(t, be, cfg)
	ps, err := tr.Params()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScorer(be, cfg.Geometry, 1, ps)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free()
	bn := 0
	for _, n := range tr.scorer.p.g.Nodes() {
		if _, ok := n.Op().(graph.BatchNormEvalOp); ok {
			bn++
		}
	}
	for _, n := range s.p.g.Nodes() {
		if _, ok := n.Op().(graph.BatchNormEvalOp); ok {
			t.Errorf("the standalone scorer still runs %v", n)
		}
	}
	folded, live := s.p.prog.(*program.Program).Stats().Dispatches, tr.scorer.p.prog.(*program.Program).Stats().Dispatches
	t.Logf("scoring dispatches: %d with the batch norms folded, %d with the %d batch norms run", folded, live, bn)
	if bn == 0 || !(folded < live) {
		t.Errorf("%d batch norms in the trainer's scorer; %d dispatches folded, %d not", bn, folded, live)
	}
}
