package weights

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/cpuprogram"
)

// onnxImages is the number of real images each ONNX execution test scores.
const onnxImages = 64

// reconTolerance is the absolute difference allowed between a
// reconstruction value here and the ONNX graph's (values in [-1, 1]).
const reconTolerance = 1e-4

// TestONNXRunsInTorch exports the scorer of every geometry's depth and
// padding kind, checks it with onnx's checker and shape inference, executes
// it node by node with torch.nn.functional (testdata/onnx_run.py) on real
// MNIST test images, and compares the reconstructions and scores with our
// scorer's.
func TestONNXRunsInTorch(t *testing.T) {
	onnxPython(t)
	mnist := mnistTestImages(t, 3*onnxImages)
	dir := t.TempDir()
	type job struct {
		geo                             model.Geometry
		ck                              *checkpoint.Checkpoint
		pixels                          []float32
		path, imgs, reconOut, scoresOut string
	}
	var jobs []job
	var args []string
	for _, geo := range onnxRunGeometries(t) {
		j := job{geo: geo, ck: randomCheckpoint(t, geo, 21), pixels: realImages(t, mnist, geo, onnxImages)}
		base := filepath.Join(dir, geo.Name)
		j.path, j.imgs, j.reconOut, j.scoresOut = base+".onnx", base+".f32", base+".recon.f32", base+".scores.f32"
		if err := WriteONNXFile(j.path, j.ck, ONNXOptions{ProducerVersion: "test"}); err != nil {
			t.Fatal(err)
		}
		writeFloats(t, j.imgs, j.pixels)
		jobs = append(jobs, j)
		args = append(args, j.path, j.imgs, j.reconOut, j.scoresOut)
	}
	// One Python process for all geometries: importing torch takes seconds.
	cmd := exec.Command(peerPython, append([]string{"testdata/onnx_run.py"}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("onnx_run.py: %v\n%s", err, b)
	}
	for _, j := range jobs {
		t.Run(j.geo.Name, func(t *testing.T) {
			scores, recon := ourReconstructions(t, j.ck, j.pixels)
			theirScores := readFloats(t, j.scoresOut)
			want := make([]float64, len(theirScores))
			for i, v := range theirScores {
				want[i] = float64(v)
			}
			compareScores(t, scores, want, scoreTolerance)
			theirRecon := readFloats(t, j.reconOut)
			if len(theirRecon) != len(recon) {
				t.Fatalf("%d reconstruction values, ours %d", len(theirRecon), len(recon))
			}
			maxDiff := 0.0
			for i := range recon {
				maxDiff = math.Max(maxDiff, math.Abs(float64(recon[i]-theirRecon[i])))
			}
			if !(maxDiff <= reconTolerance) {
				t.Errorf("reconstructions differ by up to %.3g, more than %g", maxDiff, reconTolerance)
			}
			t.Logf("reconstructions: max absolute difference %.3g", maxDiff)
		})
	}
}

// onnxRunGeometries are the geometries the execution test runs: the two
// presets and the authors' valid-padding one at their full widths, and one
// of each larger depth (64 and 128 pixels) at narrow widths.
func onnxRunGeometries(t testing.TB) []model.Geometry {
	var out []model.Geometry
	for _, g := range onnxGeometries(t, false) {
		if g.Name == "MNIST28" || g.Name == "CIFAR32" || g.Name == "Authors61" {
			out = append(out, g)
		}
	}
	for _, g := range onnxGeometries(t, true) {
		if g.Name == "64x64x1" || g.Name == "128x128x3" {
			out = append(out, g)
		}
	}
	return out
}

// onnxPython skips t unless peerPython imports onnx, torch and numpy.
func onnxPython(t testing.TB) {
	t.Helper()
	if out, err := exec.Command(peerPython, "-c", "import onnx, torch, numpy").CombinedOutput(); err != nil {
		t.Skipf("%s cannot import onnx, torch and numpy (install python3-onnx python3-torch): %v: %s", peerPython, err, out)
	}
}

// mnistTestImages returns the first n MNIST test images, 28x28 gray,
// skipping t when MNIST is not installed.
func mnistTestImages(t testing.TB, n int) *dataset.Dataset {
	t.Helper()
	dir, err := dataset.MNISTDir()
	if errors.Is(err, dataset.ErrNotFound) {
		t.Skipf("MNIST is not installed (make test fetches it): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, dataset.TestImagesFile+".gz") // as the Go module ships it
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(dir, dataset.TestImagesFile)
	}
	ds, err := dataset.ReadIDX(path, "", dataset.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sub, err := ds.Subset(idx)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// realImages returns n images of geo made of MNIST images resized to the
// geometry's size; an RGB image takes three different digits as its R, G
// and B planes, so that the channels differ.
func realImages(t testing.TB, mnist *dataset.Dataset, geo model.Geometry, n int) []float32 {
	t.Helper()
	r, err := mnist.Resized(geo.ImageSize, geo.ImageSize)
	if err != nil {
		t.Fatal(err)
	}
	plane := geo.ImageSize * geo.ImageSize
	out := make([]float32, 0, n*geo.Channels*plane)
	for i := range n {
		for c := range geo.Channels {
			out = append(out, r.Image(geo.Channels*i+c)...)
		}
	}
	return out
}

// ourReconstructions scores pixels with ck on the native CPU backend and
// returns the scores and the reconstructions.
func ourReconstructions(t testing.TB, ck *checkpoint.Checkpoint, pixels []float32) ([]float64, []float32) {
	t.Helper()
	be, err := cpuprogram.Open(cpu.Options{})
	if err != nil {
		t.Fatalf("opening the native CPU backend (run `make test` to install its SGEMM library): %v", err)
	}
	defer be.Close()
	m, err := model.New(ck.Geometry)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := m.ScoringParams()
	if err != nil {
		t.Fatal(err)
	}
	if err := ck.Restore(ps, nil); err != nil {
		t.Fatal(err)
	}
	geo := ck.Geometry
	n := len(pixels) / (geo.Channels * geo.ImageSize * geo.ImageSize)
	ds, err := dataset.New(geo.Channels, geo.ImageSize, geo.ImageSize, pixels, make([]int, n))
	if err != nil {
		t.Fatal(err)
	}
	s, err := train.NewReconstructor(be, geo, 32, ps)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free()
	scores, recon, err := s.Reconstruct(ds)
	if err != nil {
		t.Fatal(err)
	}
	return scores, recon
}

// readFloats reads raw little-endian float32.
func readFloats(t testing.TB, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}
