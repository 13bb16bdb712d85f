package weights

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
)

// randomCheckpoint returns a scoring checkpoint of geo whose values are
// drawn so that every layer matters to the score: weights of scale
// 1/sqrt(fan), batch-norm gammas, betas and running statistics spread
// around their neutral values (a mapping that swapped any two of them
// changes the scores).
func randomCheckpoint(t testing.TB, geo model.Geometry, seed uint64) *checkpoint.Checkpoint {
	t.Helper()
	m, err := model.New(geo)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := m.ScoringParams()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, name := range ps.Names() {
		shape := ps.Shape(name)
		v := make([]float32, len(ps.Get(name)))
		fan := float64(len(v) / shape[0])
		for i := range v {
			var x float64
			switch suffix(name) {
			case "weight":
				x = rng.NormFloat64() / math.Sqrt(max(fan, 1))
			case "gamma":
				x = 0.5 + rng.Float64()
			case "beta", "bias":
				x = rng.Float64() - 0.5
			case "running_mean":
				x = 0.2 * (rng.Float64() - 0.5)
			case "running_var":
				x = 0.5 + rng.Float64()
			default:
				t.Fatalf("no draw for %q", name)
			}
			v[i] = float32(x)
		}
		if err := ps.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	ck, err := checkpoint.FromParams(geo, ps, nil)
	if err != nil {
		t.Fatal(err)
	}
	ck.Train.Threshold = 0.25
	return ck
}

func suffix(name string) string {
	return name[strings.LastIndexByte(name, '.')+1:]
}

// testImages returns n images of geo in [-1, 1]: a few soft blobs on a dark
// background, drawn from seed.
func testImages(geo model.Geometry, n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	s, c := geo.ImageSize, geo.Channels
	out := make([]float32, n*c*s*s)
	for i := range n {
		type blob struct{ x, y, r, a float64 }
		blobs := make([]blob, 1+rng.IntN(3))
		for b := range blobs {
			blobs[b] = blob{rng.Float64() * float64(s), rng.Float64() * float64(s), 2 + rng.Float64()*float64(s)/4, 0.5 + rng.Float64()}
		}
		for ch := range c {
			for y := range s {
				for x := range s {
					v := 0.0
					for _, b := range blobs {
						dx, dy := float64(x)-b.x, float64(y)-b.y
						v += b.a * math.Exp(-(dx*dx+dy*dy)/(2*b.r*b.r))
					}
					out[((i*c+ch)*s+y)*s+x] = float32(2*math.Min(v, 1) - 1)
				}
			}
		}
	}
	return out
}

// ourScores scores pixels with ck on the native CPU backend.
func ourScores(t testing.TB, ck *checkpoint.Checkpoint, pixels []float32) []float64 {
	t.Helper()
	scores, _ := ourReconstructions(t, ck, pixels)
	return scores
}

// writeFloats writes v as raw little-endian float32.
func writeFloats(t testing.TB, path string, v []float32) {
	t.Helper()
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// peerPython is the Python that runs the peer: Debian's, which has torch.
const peerPython = "/usr/bin/python3"

// peerDir returns the directory of the PyTorch peer's ocgan.py
// ($OCGAN_PEER_DIR, else shared/peers/torch_ocgan beside or above the
// repository), skipping the test when there is none or torch does not
// import.
func peerDir(t testing.TB) string {
	t.Helper()
	var dirs []string
	if d := os.Getenv("OCGAN_PEER_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	if root, err := filepath.Abs("../.."); err == nil {
		dirs = append(dirs, filepath.Join(root, "shared/peers/torch_ocgan"), filepath.Join(root, "../shared/peers/torch_ocgan"))
	}
	dir := ""
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "ocgan.py")); err == nil {
			dir = d
			break
		}
	}
	if dir == "" {
		t.Skipf("the PyTorch peer's ocgan.py is not in any of %v (set OCGAN_PEER_DIR)", dirs)
	}
	if out, err := exec.Command(peerPython, "-c", "import torch, numpy").CombinedOutput(); err != nil {
		t.Skipf("%s cannot import torch and numpy (%v): %s", peerPython, err, out)
	}
	return dir
}

// runPeer runs testdata/peer.py with args and returns the scores it wrote
// to out.
func runPeer(t testing.TB, out string, args ...string) []float64 {
	t.Helper()
	cmd := exec.Command(peerPython, append([]string{"testdata/peer.py"}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("peer.py %v: %v\n%s", args[0], err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var scores []float64
	if err := json.Unmarshal(b, &scores); err != nil {
		t.Fatalf("peer.py's scores: %v", err)
	}
	return scores
}

// compareScores fails t unless got and want agree within a relative
// tolerance, and logs the largest differences.
func compareScores(t testing.TB, got, want []float64, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d scores, the peer gives %d", len(got), len(want))
	}
	var maxAbs, maxRel float64
	bad := 0
	for i := range got {
		d := math.Abs(got[i] - want[i])
		r := d / math.Abs(want[i])
		maxAbs, maxRel = math.Max(maxAbs, d), math.Max(maxRel, r)
		if !(r <= rel) {
			if bad < 5 {
				t.Errorf("image %d: score %.8g, the peer's %.8g (relative difference %.3g > %g)", i, got[i], want[i], r, rel)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d scores differ from the peer's", bad, len(got))
	}
	t.Logf("%d scores: max absolute difference %.3g, max relative %.3g (scores %.4g … %.4g)",
		len(got), maxAbs, maxRel, minOf(want), maxOf(want))
}

func minOf(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}
