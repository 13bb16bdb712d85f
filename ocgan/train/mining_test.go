package train

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
)

// TestMiningMovesTowardsNegative trains a few iterations (so C separates
// reconstructions from decoded noise), then mines K steps from random
// latents: the classifier's loss BCE(C(De(u)), 0), evaluated with the same
// dropout mask, must fall, and every mined latent must stay in (−1, 1), also
// with a huge step.
func TestMiningMovesTowardsNegative(t *testing.T) {
	cfg := tinyConfig(t)
	tr := newTrainer(t, newBackend(t), cfg)
	x := batchOf(t, synthetic(t, 0, cfg.Batch, 0), cfg.Batch)
	for i := 0; i < 3; i++ {
		if _, err := tr.Step(x, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []float32{cfg.MineStepSize, 1e4} {
		u := kernels.FillUniform(len(tr.u), 5, 1)
		before, err := tr.mining.lossAt(u, 100)
		if err != nil {
			t.Fatal(err)
		}
		mined := append([]float32(nil), u...)
		res, err := tr.mining.mine(mined, cfg.MineSteps, step, 100)
		if err != nil {
			t.Fatal(err)
		}
		after, err := tr.mining.lossAt(mined, 100)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("step %g: mean BCE(C(De(u)),0) %.6f -> %.6f (per-step first %.6f last %.6f)",
			step, meanOf(before), meanOf(after), res.Before, res.Last)
		if step == cfg.MineStepSize && !(meanOf(after) < meanOf(before)) {
			t.Errorf("mining did not lower the classifier's loss for 'negative': %v -> %v", before, after)
		}
		moved := false
		for i, v := range mined {
			if !(v > -1 && v < 1) {
				t.Errorf("step %g: mined latent %d = %v outside (-1, 1)", step, i, v)
			}
			moved = moved || v != u[i]
		}
		if !moved {
			t.Errorf("step %g: mining did not move the latents", step)
		}
	}
}
