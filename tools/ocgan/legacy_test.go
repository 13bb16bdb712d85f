package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ocgan-vk/ocgan/firmware"
)

// legacyDir holds a training checkpoint and a bundle written by an earlier
// build, with what that build computed from them (see its README.md).
const legacyDir = "../../ocgan/train/testdata/legacy"

// legacyGolden is the part of legacyDir/golden.json the command checks.
type legacyGolden struct {
	Calibration map[string]string `json:"calibration"`
	Bundle      map[string]string `json:"bundle"`
	Scores      struct {
		Files  []string  `json:"files"`
		Scores []float64 `json:"scores"`
	} `json:"scores"`
}

func readLegacyGolden(t *testing.T) legacyGolden {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(legacyDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g legacyGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestLegacyFiles: a checkpoint and a bundle of an earlier build score
// every image as that build did; `bundle build` puts the checkpoint's
// calibration into a new bundle as that build did; `calibrate` recomputes
// the threshold that build chose.
func TestLegacyFiles(t *testing.T) {
	pinSGEMM(t) // the SGEMM library the golden scores were computed with
	g := readLegacyGolden(t)
	model, bundle, pub := filepath.Join(legacyDir, "model.ocgan"), filepath.Join(legacyDir, "model.bundle"), filepath.Join(legacyDir, "bundle.pub")
	images := filepath.Join(legacyDir, "images")
	var files []string
	for _, f := range g.Scores.Files {
		files = append(files, filepath.Join(legacyDir, f))
	}
	for _, m := range []struct{ name, model string }{{"checkpoint", model}, {"bundle", bundle}} {
		scores, _ := scoreJSON(t, append([]string{"--device", "cpu", "--model", m.model, "--key", pub}, files...)...)
		if len(scores) != len(g.Scores.Scores) {
			t.Fatalf("%s: %d scores, want %d", m.name, len(scores), len(g.Scores.Scores))
		}
		for i, s := range scores {
			if s != g.Scores.Scores[i] {
				t.Errorf("%s: %s scores %v, the earlier build %v", m.name, g.Scores.Files[i], s, g.Scores.Scores[i])
			}
		}
	}

	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	if code, out, stderr := runCLI(t, "bundle", "keygen", "--out", key); code != exitOK {
		t.Fatalf("keygen: exit %d\n%s%s", code, out, stderr)
	}
	rebuilt := filepath.Join(dir, "m.bundle")
	if code, out, stderr := runCLI(t, "bundle", "build", "--model", model, "--key", key+".key", "--version", "1.0.0", "--out", rebuilt); code != exitOK {
		t.Fatalf("bundle build: exit %d\n%s%s", code, out, stderr)
	}
	pk, err := firmware.LoadPublicKey(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	b, err := firmware.OpenFile(rebuilt, pk)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{formatFloat(b.Meta().Threshold), formatFloat(b.Meta().Score.Mean), formatFloat(b.Meta().Score.Std)}; got[0] != g.Bundle["threshold"] ||
		got[1] != g.Bundle["score_mean"] || got[2] != g.Bundle["score_std"] {
		t.Errorf("bundle threshold, score mean, std %v; the earlier build's %v", got, g.Bundle)
	}

	copied := filepath.Join(dir, "m.ocgan")
	raw, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copied, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "calibrate", "--device", "cpu", "--model", copied, "--data", images, "--json")
	if code != exitOK {
		t.Fatalf("calibrate: exit %d\n%s%s", code, out, stderr)
	}
	var cal map[string]any
	if err := json.Unmarshal([]byte(out), &cal); err != nil {
		t.Fatal(err)
	}
	want := g.Calibration
	for k, v := range map[string]any{"threshold": want["threshold"], "previous_threshold": want["threshold"], "method": want["method"],
		"val_score_mean": want["val_score_mean"], "val_score_std": want["val_score_std"]} {
		got := cal[k]
		if x, ok := got.(float64); ok {
			got = strconv.FormatFloat(x, 'g', -1, 64)
		}
		if got != v {
			t.Errorf("calibrate %s: %v, the earlier build's %v", k, got, v)
		}
	}
}
