package train

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestSplitSubmissionsTrainBitIdentical runs the same Algorithm-1 iterations
// (mining included) with every recorded step in one submission and split into
// submissions of 1 and of 7 dispatches: every loss and every final parameter
// is bit-identical.
func TestSplitSubmissionsTrainBitIdentical(t *testing.T) {
	const steps = 3
	cfg := tinyConfig(t)
	images := synthetic(t, 0, cfg.Batch*steps, 500).Pixels()
	var wantLosses []map[string]float64
	var wantParams map[string][]float32
	var unsplit int
	for _, limit := range []int{0, 1, 7} {
		ctx := vktest.Open(t, vk.Config{MaxDispatchesPerSubmit: limit})
		losses, params := trainLosses(t, program.NewBackend(vulkan.NewLibrary(ctx)), cfg, images, steps)
		submits := ctx.Stats().Submits
		if limit == 0 {
			wantLosses, wantParams, unsplit = losses, params, submits
			continue
		}
		if submits <= unsplit {
			t.Errorf("limit %d: %d submissions, no more than unsplit (%d)", limit, submits, unsplit)
		}
		for i := range wantLosses {
			for k, want := range wantLosses[i] {
				if got := losses[i][k]; math.Float64bits(got) != math.Float64bits(want) {
					t.Errorf("limit %d: iteration %d: %s = %v, unsplit %v", limit, i, k, got, want)
				}
			}
		}
		for k, want := range wantParams {
			got := params[k]
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Errorf("limit %d: %s[%d] = %v, unsplit %v", limit, k, j, got[j], want[j])
					break
				}
			}
		}
		t.Logf("limit %d: %d submissions (unsplit: %d)", limit, submits, unsplit)
	}
}
