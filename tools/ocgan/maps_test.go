package main

import (
	"cmp"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/anomalymap"
	"github.com/ocgan-vk/ocgan/ocgan/plot"
	"github.com/ocgan-vk/ocgan/runtime/device"
)

// readPNG decodes the PNG file path.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// TestScoreMaps checks the maps of `score --maps` against the model's own
// reconstructions: one file per image, named after it; the reconstruction
// panel is the reconstruction mapped to 8 bits; the heat map is as bright
// as the pixel's squared error is large; the squared errors' mean is the
// score `score` prints; the caption's verdict colour. An unwritable folder
// fails before any work.
func TestScoreMaps(t *testing.T) {
	model, root := trainTiny(t)
	dir := filepath.Join(t.TempDir(), "maps")
	files := []string{filepath.Join(root, "0-bar", "0-bar_a.png"), filepath.Join(root, "1-disc", "1-disc_b.png")}
	scores, _ := scoreJSON(t, append([]string{"--model", model, "--maps", dir}, files...)...)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"0-0-bar_a.png", "1-1-disc_b.png"}; !slices.Equal(names, want) {
		t.Fatalf("maps %v, want %v", names, want)
	}

	ck, err := loadModel(model)
	if err != nil {
		t.Fatal(err)
	}
	imgs, _, _, err := loadImages(files, ck.Preprocessing().Options())
	if err != nil {
		t.Fatal(err)
	}
	be, err := device.Open(device.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	r, err := newReconstructor(be, ck, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Free()
	rs, recon, err := r.Reconstruct(imgs)
	if err != nil {
		t.Fatal(err)
	}
	n := imgs.ImageLen()
	for i, name := range names {
		m := plot.AnomalyMap{Channels: 1, Size: 28, Input: imgs.Image(i), Recon: recon[i*n : (i+1)*n], Score: rs[i], Threshold: ck.Train.Threshold}
		_, l, err := plot.DrawAnomalyMap(m)
		if err != nil {
			t.Fatal(err)
		}
		got := readPNG(t, filepath.Join(dir, name))
		errs := plot.PixelErrors(m)
		if mean := meanOf(errs); math.Abs(mean-scores[i]) > 1e-5*scores[i] {
			t.Errorf("%s: mean squared error %v, score %v", name, mean, scores[i])
		}
		order := make([]int, n)
		for k := range order {
			order[k] = k
		}
		slices.SortFunc(order, func(a, b int) int { return cmp.Compare(errs[a], errs[b]) })
		prevLuma := -1.0
		for _, k := range order {
			x, y := k%28*l.Scale, k/28*l.Scale
			rr, _, _, _ := got.At(l.Recon.Min.X+x, l.Recon.Min.Y+y).RGBA()
			if want := plot.ToByte(recon[i*n+k]); uint8(rr>>8) != want {
				t.Fatalf("%s: reconstruction pixel %d is %d, the model's reconstruction %d", name, k, rr>>8, want)
			}
			hr, hg, hb, _ := got.At(l.Heat.Min.X+x, l.Heat.Min.Y+y).RGBA()
			lum := 0.299*float64(hr>>8) + 0.587*float64(hg>>8) + 0.114*float64(hb>>8)
			if lum < prevLuma {
				t.Fatalf("%s: heat pixel %d (error %v) darker than one of smaller error", name, k, errs[k])
			}
			prevLuma = lum
		}
	}

	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o644)
	code, _, stderr := runCLI(t, "score", "--model", model, "--maps", filepath.Join(blocker, "maps"), files[0])
	if code != exitRuntime || !strings.Contains(stderr, "anomaly maps") {
		t.Errorf("unwritable --maps: exit %d, %s", code, stderr)
	}
}

func meanOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestEvalMaps checks that `eval --normal --novel --maps --maps-top 1`
// writes the maps of the images anomalymap.Select picks from the scores
// it reports, and `eval --dataset` those of its test split.
func TestEvalMaps(t *testing.T) {
	model, root := trainTiny(t)
	dir := filepath.Join(t.TempDir(), "maps")
	csvPath := filepath.Join(t.TempDir(), "scores.csv")
	code, out, stderr := runCLI(t, "eval", "--model", model, "--normal", filepath.Join(root, "0-bar"), "--novel", filepath.Join(root, "1-disc"),
		"--maps", dir, "--maps-top", "1", "--scores", csvPath, "--json")
	if code != exitOK {
		t.Fatalf("eval: exit %d\n%s\n%s", code, out, stderr)
	}
	var rep struct{ Threshold float64 }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, csvPath)[1:]
	var scores []float64
	var novel []bool
	var sources []string
	for _, r := range rows {
		s, _ := strconv.ParseFloat(r[2], 64)
		scores, novel, sources = append(scores, s), append(novel, r[1] == "true"), append(sources, r[0])
	}
	var want []string
	for _, p := range anomalymap.Select(scores, novel, rep.Threshold, 1) {
		want = append(want, p.Name(1, sources[p.Index]))
	}
	slices.Sort(want)
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(want) < 2 || !slices.Equal(got, want) {
		t.Errorf("maps %v, want %v", got, want)
	}

	dsDir := filepath.Join(t.TempDir(), "ds")
	code, out, stderr = runCLI(t, "eval", "--model", model, "--dataset", "folder", "--data", root, "--class", "0", "--protocol", "1",
		"--maps", dsDir, "--maps-top", "1")
	if code != exitOK {
		t.Fatalf("eval --dataset: exit %d\n%s\n%s", code, out, stderr)
	}
	entries, _ = os.ReadDir(dsDir)
	if len(entries) < 2 {
		t.Errorf("dataset eval wrote %d maps", len(entries))
	}
	for _, e := range entries {
		if !strings.Contains(e.Name(), "-1-test_image_") {
			t.Errorf("map name %q", e.Name())
		}
	}
	if code, _, stderr := runCLI(t, "eval", "--model", model, "--dataset", "folder", "--data", root, "--class", "0", "--maps-top", "2"); code != exitUsage {
		t.Errorf("--maps-top without --maps: exit %d %s", code, stderr)
	}
}
