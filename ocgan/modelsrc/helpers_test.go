package modelsrc

import (
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocgan-vk/ocgan/firmware"
	"github.com/ocgan-vk/ocgan/kernels/cpu/blas"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// runtimeVersion is the version the fixtures were written by.
const runtimeVersion = "0.1.0-dev"

// fixture is what expected.json records of one fixture model: what ocgan
// 0.1.0-dev printed for it.
type fixture struct {
	Threshold float64            `json:"threshold"`
	Scores    map[string]float64 `json:"scores"`
	Verdicts  map[string]string  `json:"verdicts"`
	Version   string             `json:"version"`
	ID        string             `json:"id"`
}

// images are the fixture images, in a fixed order.
var images = []string{"bar0.png", "bar4.png", "disc1.png", "disc5.png"}

// fixtures reads testdata/expected.json, by model file.
func fixtures(t *testing.T) map[string]fixture {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]fixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// fleetKey is the public key that signed the fixture bundle.
func fleetKey(t *testing.T) KeyFunc {
	t.Helper()
	return func() (ed25519.PublicKey, error) {
		return firmware.LoadPublicKey(filepath.Join("testdata", "fleet.pub"))
	}
}

// installRoot installs the fixture bundle under a new install root.
func installRoot(t *testing.T) (root, id string) {
	t.Helper()
	key, err := fleetKey(t)()
	if err != nil {
		t.Fatal(err)
	}
	root = filepath.Join(t.TempDir(), "root")
	res, err := firmware.Install(root, filepath.Join("testdata", "v1.bundle"), key, firmware.InstallOptions{RuntimeVersion: runtimeVersion})
	if err != nil {
		t.Fatal(err)
	}
	return root, res.ID
}

// openDevice opens the native CPU backend ("cpu", with oneDNN's SGEMM, the
// library the fixture scores were computed with: the libraries differ in
// the last bits) or the first Vulkan device with validation on ("vulkan"),
// closed at cleanup.
func openDevice(t *testing.T, which string) backend.Backend {
	t.Helper()
	t.Setenv(blas.EnvVar, "dnnl")
	cfg := device.Config{Device: "cpu", Threads: 1}
	if which == "vulkan" {
		cfg = device.Config{Device: "llvmpipe", Vulkan: vk.Config{Validate: true, PipelineCacheDir: t.TempDir()}}
	}
	be, err := device.Open(cfg)
	if err != nil {
		t.Fatalf("opening the %s device: %v", which, err)
	}
	t.Cleanup(func() {
		if err := be.Close(); err != nil {
			t.Errorf("closing the %s device: %v", which, err)
		}
	})
	return be
}

// readImages reads the fixture images with the model's preprocessing.
func readImages(t *testing.T, m *Model) *dataset.Dataset {
	t.Helper()
	var paths []string
	for _, name := range images {
		paths = append(paths, filepath.Join("testdata", "img", name))
	}
	ds, err := dataset.ReadImages(paths, m.Checkpoint.Preprocessing().Options())
	if err != nil {
		t.Fatal(err)
	}
	return ds
}
