package pipeline

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/calibrate"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// legacyDir holds checkpoints of an earlier build (see its README.md).
const legacyDir = "../train/testdata/legacy"

// TestLegacyResume continues the interrupted run of an earlier build from
// its checkpoint and ends with the checkpoint that build's uninterrupted
// run wrote: every tensor, the Adam state, the counters, the threshold,
// the calibration record and the test AUC.
func TestLegacyResume(t *testing.T) {
	t.Setenv("OCGAN_BLAS", "dnnl") // the SGEMM library the files were written with
	raw, err := os.ReadFile(filepath.Join(legacyDir, "interrupted.ocgan"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "m.ocgan")
	if err := os.WriteFile(out, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	resumed, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	settings, err := ReadSettings(resumed)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := train.ReadRecord(resumed)
	if err != nil {
		t.Fatal(err)
	}
	if err := train.CheckResume(resumed, rec.Config, resumed.Meta, ResumeKeys); err != nil {
		t.Fatal(err)
	}
	load := func() (Data, error) {
		all, _, err := dataset.ReadImageFolder(filepath.Join(legacyDir, "images"), resumed.Preprocessing().Options())
		if err != nil {
			return Data{}, err
		}
		split, err := dataset.Protocol1(all, settings.Class, rec.Config.Seed)
		return Data{Split: split}, err
	}
	j := &Job{Config: rec.Config, Preprocess: resumed.Preprocessing(), Meta: map[string]string{},
		Calibration: calibrate.Options{Method: calibrate.Quantile, Quantile: calibrate.DefaultQuantile},
		Out:         out, Resumed: resumed, Load: load, Open: cpuOpen}
	if _, err := j.Run(); err != nil {
		t.Fatal(err)
	}
	got, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := checkpoint.Load(filepath.Join(legacyDir, "model.ocgan"))
	if err != nil {
		t.Fatal(err)
	}
	g, w := got.Train, want.Train
	if g.Epoch != w.Epoch || g.Iteration != w.Iteration || g.RNGCounter != w.RNGCounter || g.Seed != w.Seed || g.BestEpoch != w.BestEpoch ||
		math.Float64bits(g.BestValMSE) != math.Float64bits(w.BestValMSE) || math.Float64bits(g.Threshold) != math.Float64bits(w.Threshold) {
		t.Errorf("train state %+v, the earlier build's %+v", g, w)
	}
	if len(got.Tensors) != len(want.Tensors) {
		t.Fatalf("%d tensors, the earlier build's %d", len(got.Tensors), len(want.Tensors))
	}
	for i, wt := range want.Tensors {
		if gt := got.Tensors[i]; gt.Name != wt.Name || !slices.Equal(gt.Data, wt.Data) {
			t.Errorf("tensor %s differs from the earlier build's %s", gt.Name, wt.Name)
		}
	}
	for i, wa := range want.Adam {
		if ga := got.Adam[i]; ga.Name != wa.Name || ga.Steps != wa.Steps || !slices.Equal(ga.M, wa.M) || !slices.Equal(ga.V, wa.V) {
			t.Errorf("Adam state of %s differs from the earlier build's", wa.Name)
		}
	}
	gc, err := got.Calibration()
	if err != nil {
		t.Fatal(err)
	}
	if wc, err := want.Calibration(); err != nil || gc != wc || got.Meta[MetaTestAUC] != want.Meta[MetaTestAUC] {
		t.Errorf("calibration %+v, test AUC %s; the earlier build's %+v (%v), %s", gc, got.Meta[MetaTestAUC], wc, err, want.Meta[MetaTestAUC])
	}
}
