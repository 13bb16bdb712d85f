package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

func TestModelConvShapes(t *testing.T) {
	shapes, err := modelConvShapes(model.MNIST28(), 4, 8)
	if err != nil {
		t.Fatal(err)
	}
	count := map[int]map[string]int{4: {}, 8: {}}
	seen := map[vulkan.ConvShape]bool{}
	for _, s := range shapes {
		if seen[s] {
			t.Errorf("%v listed twice", s)
		}
		seen[s] = true
		count[s.N][s.Dir]++
	}
	// The training batch has every direction of every conv layer; the
	// scoring batch the forward calls only (a transposed conv's is bwd_data).
	if c := count[4]; c["fwd"] == 0 || c["fwd"] != c["bwd_filter"] || c["bwd_data"] != c["bwd_filter"] {
		t.Errorf("training batch directions %v, want equal counts", c)
	}
	if c := count[8]; c["fwd"] == 0 || c["bwd_data"] == 0 || c["bwd_filter"] != 0 {
		t.Errorf("scoring batch directions %v, want forward calls only", c)
	}
}

// TestBenchTune tunes two conv shapes of the model on llvmpipe through a
// Vulkan backend, which then follows the table written; bench --tune on the
// CPU is a usage error.
func TestBenchTune(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tuning.json")
	t.Setenv(vulkan.TuningEnv, path)
	be := program.NewBackend(vulkan.NewLibrary(vktest.Open(t)))
	shapes, err := modelConvShapes(model.MNIST28(), 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if err := tuneConvs(&env{stderr: &stderr}, be, shapes[:2], vulkan.ConvTuneOptions{Runs: 1, HeuristicRegisterOnly: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "2 conv shapes tuned") {
		t.Errorf("report:\n%s", stderr.String())
	}
	tab, err := vulkan.ReadConvTuning(path, be.Library().Context().Info())
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Entries) != 2 || be.Library().ConvTuning() == nil {
		t.Errorf("table has %d entries, want 2; backend uses it: %v", len(tab.Entries), be.Library().ConvTuning() != nil)
	}
	code, _, errs := runCLI(t, "bench", "--device", "cpu", "--tune", "--iters", "1")
	if code != exitUsage || !strings.Contains(errs, "not a Vulkan device") {
		t.Errorf("bench --tune on the CPU: exit %d: %s", code, errs)
	}
}
