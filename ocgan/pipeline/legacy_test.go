package pipeline

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/cpu/blas"
	"github.com/ocgan-vk/ocgan/ocgan/calibrate"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// legacyDir holds checkpoints of an earlier build (see its README.md).
const legacyDir = "../train/testdata/legacy"

// writtenWithAVX512 reports whether oneDNN runs its AVX-512 SGEMM kernels
// (avx512_core and its extensions) here, as it did for the legacy files:
// only then can a resumed run repeat the earlier build's bit for bit.
func writtenWithAVX512(t *testing.T) bool {
	t.Helper()
	t.Setenv(blas.EnvVar, "dnnl")
	lib, err := blas.Open(1)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	_, kernels, _ := strings.Cut(lib.Name(), "/")
	t.Logf("oneDNN: %s", lib.Name())
	return strings.HasPrefix(kernels, "avx512_core")
}

// sameValues compares resumed values with the earlier build's: bit for bit
// when exact, else within tol·(1 + |want|); it returns the largest
// difference relative to 1 + |want|.
func sameValues(got, want []float32, exact bool, tol float64) (bool, float64) {
	if len(got) != len(want) {
		return false, math.Inf(1)
	}
	if exact {
		return slices.Equal(got, want), 0
	}
	worst := 0.0
	for i, w := range want {
		worst = max(worst, math.Abs(float64(got[i])-float64(w))/(1+math.Abs(float64(w))))
	}
	return worst <= tol, worst
}

// TestLegacyResume continues the interrupted run of an earlier build from
// its checkpoint and ends with the checkpoint that build's uninterrupted
// run wrote: every tensor, the Adam state, the counters, the threshold,
// the calibration record and the test AUC. On a CPU whose SGEMM kernels are
// the files' (AVX-512) everything is compared bit for bit. Elsewhere the
// sums round differently: the counters are compared exactly and the values
// within 2·lr per resumed iteration (relative to 1 + |value|), since Adam
// moves a parameter by about lr per step however small its gradient, and a
// parameter whose gradient is rounding noise (a bias before a batch norm)
// moves whichever way that noise points.
func TestLegacyResume(t *testing.T) {
	exact := writtenWithAVX512(t) // and sets OCGAN_BLAS to the library the files were written with
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
	tol := 2 * float64(rec.Config.LR) * float64(w.Iteration-resumed.Train.Iteration)
	if !exact {
		t.Logf("oneDNN runs other kernels than avx512_core, which wrote the files: values compared within %.3g", tol)
	}
	close64 := func(a, b float64) bool {
		if exact {
			return math.Float64bits(a) == math.Float64bits(b)
		}
		ok, _ := sameValues([]float32{float32(a)}, []float32{float32(b)}, false, tol)
		return ok
	}
	if g.Epoch != w.Epoch || g.Iteration != w.Iteration || g.RNGCounter != w.RNGCounter || g.Seed != w.Seed || g.BestEpoch != w.BestEpoch ||
		!close64(g.BestValMSE, w.BestValMSE) || !close64(g.Threshold, w.Threshold) {
		t.Errorf("train state %+v, the earlier build's %+v", g, w)
	}
	if len(got.Tensors) != len(want.Tensors) || len(got.Adam) != len(want.Adam) {
		t.Fatalf("%d tensors and %d Adam states, the earlier build's %d and %d", len(got.Tensors), len(got.Adam), len(want.Tensors), len(want.Adam))
	}
	worst := 0.0
	for i, wt := range want.Tensors {
		gt := got.Tensors[i]
		ok, d := sameValues(gt.Data, wt.Data, exact, tol)
		worst = max(worst, d)
		if gt.Name != wt.Name || !ok {
			t.Errorf("tensor %s differs from the earlier build's %s (by up to %.3g)", gt.Name, wt.Name, d)
		}
	}
	for i, wa := range want.Adam {
		ga := got.Adam[i]
		okM, dm := sameValues(ga.M, wa.M, exact, tol)
		okV, dv := sameValues(ga.V, wa.V, exact, tol)
		worst = max(worst, dm, dv)
		if ga.Name != wa.Name || ga.Steps != wa.Steps || !okM || !okV {
			t.Errorf("Adam state of %s differs from the earlier build's (by up to %.3g, %.3g)", wa.Name, dm, dv)
		}
	}
	if !exact {
		t.Logf("largest difference from the earlier build's values: %.3g (relative to 1 + |value|)", worst)
	}
	gc, err := got.Calibration()
	if err != nil {
		t.Fatal(err)
	}
	wc, err := want.Calibration()
	if err != nil {
		t.Fatal(err)
	}
	gAUC, err1 := strconv.ParseFloat(got.Meta[MetaTestAUC], 64)
	wAUC, err2 := strconv.ParseFloat(want.Meta[MetaTestAUC], 64)
	if exact && (gc != wc || got.Meta[MetaTestAUC] != want.Meta[MetaTestAUC]) ||
		!exact && (err1 != nil || err2 != nil || gc.Method != wc.Method || !close64(gAUC, wAUC) ||
			!close64(gc.ValScoreMean, wc.ValScoreMean) || !close64(gc.ValScoreStd, wc.ValScoreStd)) {
		t.Errorf("calibration %+v, test AUC %s; the earlier build's %+v, %s", gc, got.Meta[MetaTestAUC], wc, want.Meta[MetaTestAUC])
	}
}
