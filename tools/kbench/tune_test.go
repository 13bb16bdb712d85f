package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestTuneWritesTableNextLibraryUses runs kbench --tune on a tiny conv and
// checks that a library opened afterwards on the same cache follows the table.
func TestTuneWritesTableNextLibraryUses(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("OCGAN_VK_PIPELINE_CACHE", dir)
	var out, errb bytes.Buffer
	code := run([]string{"--tune", "--tune-quick", "--validate", "--batch", "2", "--warmup", "0", "--runs", "1", "--json",
		"--filter", "^custom", "--conv", "2,3,5,5,4,3,3,1,1"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Table   string                  `json:"table"`
		Clock   string                  `json:"clock"`
		Results []vulkan.ConvTuneResult `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if len(rep.Results) != 3 || filepath.Dir(rep.Table) != dir || rep.Clock == "" {
		t.Fatalf("report: %d results, table %s, clock %q; want 3 results and a table in %s", len(rep.Results), rep.Table, rep.Clock, dir)
	}
	lib := vulkan.NewLibrary(vktest.Open(t, vk.Config{PipelineCacheDir: dir}))
	if status, path := lib.ConvTuningStatus(); status != "3 entries" || path != rep.Table {
		t.Fatalf("next library: tuning %q at %s, want 3 entries at %s", status, path, rep.Table)
	}
	for _, r := range rep.Results {
		if len(r.Timings) < 2 || r.BestMs <= 0 || r.BestMs > r.HeuristicMs {
			t.Errorf("%v: %d variants, best %.3f ms, heuristic %.3f ms", r.Shape, len(r.Timings), r.BestMs, r.HeuristicMs)
		}
		if e, ok := lib.ConvTuning().Lookup(r.Shape); !ok || e.Variant != r.Best {
			t.Errorf("%v: table holds %+v (%v), want %v", r.Shape, e.Variant, ok, r.Best)
		}
	}

	out.Reset()
	code = run([]string{"--tune", "--tune-quick", "--tune-confirm", "2", "--batch", "2", "--warmup", "0", "--runs", "1", "--filter", "^custom conv2d_fwd", "--conv", "2,3,5,5,4,3,3,1,1"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "speedup") || !strings.Contains(out.String(), "fwd 2x3x5x5 k3x3 s1 p1 -> 4x5x5") ||
		!strings.Contains(out.String(), "timed again against it 2 times each") {
		t.Fatalf("table run: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
}

func TestTuneUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tune", "--device", "cpu"}, "--device cpu"},
		{[]string{"--tune", "--compare-ref", "--filter", "enc1"}, "--compare-ref"},
		{[]string{"--tune", "--batch", "1", "--filter", "^fill"}, "no conv"},
		{[]string{"--tune", "--tune-confirm", "-1"}, "tune-confirm"},
	} {
		code, _, stderr := runKbench(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and a message containing %q", c.args, code, stderr, c.want)
		}
	}
}
