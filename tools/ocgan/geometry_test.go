package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/ocgan/bench"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/modelsrc"
	"github.com/ocgan-vk/ocgan/ocgan/results"
	"github.com/ocgan-vk/ocgan/runtime/cpuprogram"
)

// writeImage writes a w x h test image, gray or colour, as PNG or JPEG
// (by the extension of name) into dir; seed varies the content.
func writeImage(t *testing.T, dir, name string, w, h int, gray bool, seed int) string {
	t.Helper()
	var img image.Image
	if gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				g.SetGray(x, y, color.Gray{Y: uint8(7*x + 11*y + 29*seed)})
			}
		}
		img = g
	} else {
		c := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				c.SetNRGBA(x, y, color.NRGBA{R: uint8(5*x + 31*seed), G: uint8(9 * y), B: uint8(3*x*y + seed), A: 255})
			}
		}
		img = c
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(name, ".jpg") {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	} else {
		err = png.Encode(&buf, img)
	}
	if err == nil {
		err = os.WriteFile(p, buf.Bytes(), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// evalScoreRows runs ocgan eval of model on class 0 of the image folder
// root (protocol 1) and returns the rows of its --scores CSV, the header
// first.
func evalScoreRows(t *testing.T, model, root string, args ...string) [][]string {
	t.Helper()
	csvPath := filepath.Join(t.TempDir(), "scores.csv")
	if code, _, stderr := runCLI(t, append([]string{"eval", "--model", model, "--dataset", "folder", "--data", root, "--protocol", "1",
		"--class", "0", "--scores", csvPath}, args...)...); code != exitOK {
		t.Fatalf("eval: %s", stderr)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 2 {
		t.Fatalf("eval --scores: %v, %d rows", err, len(rows))
	}
	return rows
}

// TestImageGeometryFlags checks the geometry and preprocessing training
// takes from --image-size, --channels, --resize and --latent, and their
// defaults from the data: the dataset's own size for mnist, fmnist and
// cifar10, and for an image folder (folder: the first class folder's first
// image; images: the first image below the folder) the size of 28, 32, 64
// and 128 nearest to the first image's shorter side (ties to the larger; the
// authors' 61 only when asked for) and its colour.
func TestImageGeometryFlags(t *testing.T) {
	folder := func(w, h int, gray bool) string {
		root := t.TempDir()
		writeImage(t, filepath.Join(root, "a"), "1.png", w, h, gray, 1)
		writeImage(t, filepath.Join(root, "b"), "1.png", 9, 9, !gray, 2)
		return root
	}
	for _, c := range []struct {
		name     string
		data     dataFlags
		img      imageFlags
		latent   int
		size, ch int
		lat      int
		resize   dataset.ResizePolicy
	}{
		{"mnist", dataFlags{name: "mnist"}, imageFlags{resize: "fit"}, 0, 28, 1, 16, dataset.ResizeFit},
		{"fmnist 64 crop", dataFlags{name: "fmnist"}, imageFlags{size: 64, resize: "crop"}, 0, 64, 1, 16, dataset.ResizeCrop},
		{"mnist as colour", dataFlags{name: "mnist"}, imageFlags{channels: 3, resize: "fit"}, 0, 28, 3, 512, dataset.ResizeFit},
		{"cifar10", dataFlags{name: "cifar10"}, imageFlags{resize: "fit"}, 0, 32, 3, 512, dataset.ResizeFit},
		{"cifar10 gray L32", dataFlags{name: "cifar10"}, imageFlags{channels: 1, resize: "fit"}, 32, 32, 1, 32, dataset.ResizeFit},
		{"folder 100x40 colour", dataFlags{name: "folder", path: folder(100, 40, false)}, imageFlags{resize: "crop"}, 0, 32, 3, 512, dataset.ResizeCrop},
		{"folder 60x100 gray", dataFlags{name: "folder", path: folder(60, 100, true)}, imageFlags{resize: "fit"}, 0, 64, 1, 16, dataset.ResizeFit},
		{"mnist at the authors' 61", dataFlags{name: "mnist"}, imageFlags{size: 61, resize: "fit"}, 0, 61, 1, 16, dataset.ResizeFit},
		{"folder 61x61 gray", dataFlags{name: "folder", path: folder(61, 61, true)}, imageFlags{resize: "fit"}, 0, 64, 1, 16, dataset.ResizeFit},
		{"folder tie 48", dataFlags{name: "folder", path: folder(48, 48, true)}, imageFlags{resize: "fit"}, 0, 64, 1, 16, dataset.ResizeFit},
		{"folder 300x500 colour", dataFlags{name: "folder", path: folder(300, 500, false)}, imageFlags{resize: "fit"}, 8, 128, 3, 8, dataset.ResizeFit},
		{"images 100x40 colour", dataFlags{name: datasetImages, path: folder(100, 40, false)}, imageFlags{resize: "fit"}, 0, 32, 3, 512, dataset.ResizeFit},
		{"images 60x100 gray", dataFlags{name: datasetImages, path: folder(60, 100, true)}, imageFlags{resize: "crop"}, 0, 64, 1, 16, dataset.ResizeCrop},
		{"folder 20x20, flags", dataFlags{name: "folder", path: folder(20, 20, false)}, imageFlags{size: 128, channels: 1, resize: "crop"}, 0, 128, 1, 16, dataset.ResizeCrop},
	} {
		geo, pre, err := c.data.geometry(c.img, c.latent)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want, err := model.ForImage(c.size, c.ch, c.lat)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(geo.Sizes, want.Sizes) || geo.Name != want.Name || geo.Latent != c.lat || geo.Depth != want.Depth {
			t.Errorf("%s: geometry %s L%d %v, want %s L%d %v", c.name, geo.Name, geo.Latent, geo.Sizes, want.Name, c.lat, want.Sizes)
		}
		if pre != (checkpoint.Preprocessing{ImageSize: c.size, Channels: c.ch, Resize: c.resize}) {
			t.Errorf("%s: preprocessing %v", c.name, pre)
		}
	}
	// Results records of earlier builds name no input: they are read as
	// results.NativeInput, which must be what train picks without flags.
	for _, kind := range dataset.Kinds() {
		size, channels, ok := results.NativeInput(kind)
		if _, fixed := dataset.FixedImage(kind); ok != fixed {
			t.Errorf("%s: results.NativeInput ok %v, dataset.FixedImage ok %v", kind, ok, fixed)
		}
		if !ok {
			continue
		}
		_, pre, err := (&dataFlags{name: kind}).geometry(imageFlags{resize: "fit"}, 0)
		if err != nil {
			t.Errorf("%s: %v", kind, err)
		} else if pre.ImageSize != size || pre.Channels != channels {
			t.Errorf("%s: train picks %dx%[2]dx%d, results.NativeInput says %dx%[4]dx%d", kind, pre.ImageSize, pre.Channels, size, channels)
		}
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--image-size", "100"}, "--image-size 100: want 28, 32, 61, 64 or 128"},
		{[]string{"--channels", "2"}, "--channels 2: want 1 (gray) or 3 (RGB)"},
		{[]string{"--resize", "pad"}, `--resize "pad": want fit or crop`},
		{[]string{"--latent", "-1"}, "--latent -1"},
	} {
		code, out, stderr := runCLI(t, append([]string{"train", "--dataset", "cifar10", "--data", t.TempDir()}, c.args...)...)
		if code != exitUsage || !strings.Contains(out+stderr, c.msg) {
			t.Errorf("train %v: exit %d, want %d with %q\n%s%s", c.args, code, exitUsage, c.msg, out, stderr)
		}
	}
	code, out, stderr := runCLI(t, "train", "--dataset", "folder", "--data", t.TempDir())
	if code != exitRuntime || !strings.Contains(out+stderr, "--data") || !strings.Contains(out+stderr, "no class folders") {
		t.Errorf("train on an empty folder: exit %d\n%s%s", code, out, stderr)
	}
}

// TestScoreAppliesRecordedPreprocessing saves a 64x64x3 model (encoder
// width 8) that records the crop policy (fresh parameters, as training
// would save them) and
// scores images of other sizes and colours through ocgan score (from the
// checkpoint and from an fp32 bundle), the server's scoring and ocgan
// eval and calibrate; each must equal the scores of the images cut to
// their centred square and resized by hand, and differ from those of the
// whole images resized (fit).
func TestScoreAppliesRecordedPreprocessing(t *testing.T) {
	pinSGEMM(t)
	geo, err := model.ForImage(64, 3, 16)
	if err != nil {
		t.Fatal(err)
	}
	geo.EncoderWidth = 8 // the 64x64x3 chain at a fraction of the cost
	m, err := model.New(geo)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := m.ScoringParams()
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(5); err != nil {
		t.Fatal(err)
	}
	ck, err := checkpoint.FromParams(geo, ps, nil)
	if err != nil {
		t.Fatal(err)
	}
	ck.Preprocess = checkpoint.Preprocessing{ImageSize: 64, Channels: 3, Resize: dataset.ResizeCrop}
	ck.Train = checkpoint.TrainState{Seed: 1, Threshold: 0.25, BestEpoch: 1}
	ck.Meta = map[string]string{"dataset": "folder", "class": "0", "protocol": "1", "status": "done"}
	dir := t.TempDir()
	path := filepath.Join(dir, "crop64.ocgan")
	if err := checkpoint.Save(path, ck); err != nil {
		t.Fatal(err)
	}

	// Class 0 of an image folder: other sizes and colours than the model's.
	root := t.TempDir()
	var files []string
	for i, c := range []struct {
		w, h int
		gray bool
		ext  string
	}{
		{90, 50, false, "png"}, {40, 100, true, "png"}, {64, 64, false, "jpg"}, {20, 31, true, "png"}, {200, 120, false, "jpg"},
		{77, 77, true, "jpg"}, {33, 65, false, "png"}, {128, 96, true, "png"}, {50, 51, false, "png"}, {300, 64, true, "png"},
	} {
		files = append(files, writeImage(t, filepath.Join(root, "0-normal"), fmt.Sprintf("%02d.%s", i, c.ext), c.w, c.h, c.gray, i))
	}
	for i := range 5 { // class 1, after class 0 in the folder reader's order
		files = append(files, writeImage(t, filepath.Join(root, "1-other"), fmt.Sprintf("%02d.png", i), 70+i, 40, i%2 == 0, 50+i))
	}

	be, err := cpuprogram.Open(cpu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	// byHand scores files after cutting each to its centred square (fit
	// false) or not (fit true), then resizing the whole to 64x64x3.
	byHand := func(fit bool) []float64 {
		var px []float32
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			img, err := dataset.DecodeImage(bytes.NewReader(data), f)
			if err != nil {
				t.Fatal(err)
			}
			if !fit {
				b := img.Bounds()
				side := min(b.Dx(), b.Dy())
				x0, y0 := b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2
				img = img.(interface {
					SubImage(image.Rectangle) image.Image
				}).SubImage(image.Rect(x0, y0, x0+side, y0+side))
			}
			x, err := dataset.Preprocess(img, dataset.Options{Height: 64, Width: 64, Channels: 3, Resize: dataset.ResizeFit})
			if err != nil {
				t.Fatal(err)
			}
			px = append(px, x...)
		}
		ds, err := dataset.New(3, 64, 64, px, make([]int, len(files)))
		if err != nil {
			t.Fatal(err)
		}
		s, err := newScorer(be, ck, len(files))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Free()
		v, err := s.Scores(ds)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want, whole := byHand(false), byHand(true)
	for i := range want {
		if want[i] == whole[i] && i != 2 && i != 5 { // 2 and 5 are square
			t.Fatalf("%s: the same score cropped and whole: the test would not tell the policies apart", files[i])
		}
	}
	// The split eval and calibrate make (folder reader order: files).
	all, _, err := dataset.ReadImageFolder(root, dataset.Options{Height: 64, Width: 64, Channels: 3, Resize: dataset.ResizeCrop})
	if err != nil {
		t.Fatal(err)
	}
	split, err := dataset.Protocol1(all, 0, 1)
	if err != nil {
		t.Fatal(err)
	}

	got, _ := scoreJSON(t, append([]string{"--model", path, "--device", "cpu"}, files...)...)
	if !slices.Equal(got, want) {
		t.Errorf("ocgan score: %v\nby hand: %v", got, want)
	}

	key := filepath.Join(dir, "k")
	bundle := filepath.Join(dir, "crop64.bundle")
	if code, _, stderr := runCLI(t, "bundle", "keygen", "--out", key); code != exitOK {
		t.Fatal(stderr)
	}
	if code, _, stderr := runCLI(t, "bundle", "build", "--model", path, "--key", key+".key", "--version", "1.0.0", "--out", bundle); code != exitOK {
		t.Fatal(stderr)
	}
	got, _ = scoreJSON(t, append([]string{"--model", bundle, "--key", key + ".pub", "--device", "cpu"}, files...)...)
	if !slices.Equal(got, want) {
		t.Errorf("ocgan score of the bundle: %v\nby hand: %v", got, want)
	}

	served, err := modelsrc.NewServed(&modelsrc.Model{Checkpoint: ck}, be, "cpu")
	if err != nil {
		t.Fatal(err)
	}
	defer served.Close()
	for i, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(body)) // as the server decodes
		if err != nil {
			t.Fatal(err)
		}
		r, err := served.Score(context.Background(), img)
		if err != nil || r.Score != want[i] {
			t.Errorf("served score of %s: %v, %v; by hand %v", filepath.Base(f), r.Score, err, want[i])
		}
	}

	if code, out, _ := runCLI(t, "inspect", path); code != exitOK || !strings.Contains(out, "preprocessing: every image to 64x64x3, crop") {
		t.Errorf("inspect: exit %d\n%s", code, out)
	}

	rows := evalScoreRows(t, path, root, "--device", "cpu")
	if len(rows)-1 != split.Test.Len() {
		t.Fatalf("eval scored %d test images, the split has %d", len(rows)-1, split.Test.Len())
	}
	for _, row := range rows[1:] {
		i, _ := strconv.Atoi(row[2])
		s, _ := strconv.ParseFloat(row[4], 64)
		if f := split.TestIndex[i]; s != want[f] {
			t.Errorf("eval: test image %d (%s) scored %v, by hand %v", i, filepath.Base(files[f]), s, want[f])
		}
	}

	code, out, stderr := runCLI(t, "calibrate", "--model", path, "--data", root, "--json", "--device", "cpu")
	if code != exitOK {
		t.Fatalf("calibrate: exit %d\n%s", code, stderr)
	}
	var cal struct{ Threshold float64 }
	if err := json.Unmarshal([]byte(out), &cal); err != nil {
		t.Fatal(err)
	}
	var val []float64
	for _, f := range split.ValIndex {
		val = append(val, want[f])
	}
	if q, err := metrics.QuantileThreshold(val, defaultQuantile); err != nil || q != cal.Threshold {
		t.Errorf("calibrate: threshold %v, the quantile of the cropped validation images %v (%v)", cal.Threshold, q, err)
	}
}

// TestBenchAtImageGeometry runs ocgan bench at 32x32x3 (not the default
// 28x28x1; the cheapest colour geometry) with one iteration of each part
// on the native CPU and checks the report names the geometry; unsupported
// sizes and channel counts are usage errors.
func TestBenchAtImageGeometry(t *testing.T) {
	code, out, stderr := runCLI(t, "bench", "--device", "cpu", "--image-size", "32", "--channels", "3", "--json",
		"--train-batch", "2", "--score-batch", "2", "--warmup", "0", "--iters", "1", "--ae-iters", "1", "--score-iters", "1", "--latency", "1")
	if code != exitOK {
		t.Fatalf("bench: exit %d\n%s", code, stderr)
	}
	var r bench.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, out)
	}
	if r.Model != "32x32x3" || r.ImageSize != 32 || r.Channels != 3 || r.Latent != 512 || r.Backend != "cpu" ||
		r.Train.N != 1 || r.Train.ImagesPerBatch != 2 || !(r.TrainImagesPerSec > 0) || !(r.ScoreImagesPerSec > 0) || !(r.ScoreBatch1MS > 0) {
		t.Errorf("bench report %+v", r)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--image-size", "100"}, "--image-size 100: want 28, 32, 61, 64 or 128"},
		{[]string{"--channels", "4"}, "--channels 4"},
		{[]string{"--image-size", "0"}, "--image-size 0"},
	} {
		code, out, stderr := runCLI(t, append([]string{"bench", "--device", "cpu"}, c.args...)...)
		if code != exitUsage || !strings.Contains(out+stderr, c.msg) {
			t.Errorf("bench %v: exit %d, want %d with %q\n%s%s", c.args, code, exitUsage, c.msg, out, stderr)
		}
	}
}
