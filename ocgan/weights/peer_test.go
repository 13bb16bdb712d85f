package weights

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/model"
)

// scoreTolerance is the relative difference allowed between a score here
// and the peer's. Scores are mean squared errors whose scale depends on the
// model and the images, so the bound is relative; both sides compute in
// float32 with different summation orders, which leaves differences of
// about 1e-6 relative.
const scoreTolerance = 1e-4

// peerImages is the number of images each peer test scores.
const peerImages = 256

func geoArgs(geo model.Geometry) []string {
	return []string{strconv.Itoa(geo.ImageSize), strconv.Itoa(geo.Channels), strconv.Itoa(geo.Latent)}
}

// TestExportScoresInPeer exports a checkpoint's encoder and decoder, loads
// them into the peer's networks and compares the peer's scores with ours.
func TestExportScoresInPeer(t *testing.T) {
	peer := peerDir(t)
	dir := t.TempDir()
	geo := model.MNIST28()
	ck := randomCheckpoint(t, geo, 7)
	pixels := testImages(geo, peerImages, 3)
	weights, imgs, out := filepath.Join(dir, "w.safetensors"), filepath.Join(dir, "x.f32"), filepath.Join(dir, "scores.json")
	if err := WriteFile(weights, ck); err != nil {
		t.Fatal(err)
	}
	writeFloats(t, imgs, pixels)
	want := runPeer(t, out, append([]string{"score", peer, weights, imgs}, append(geoArgs(geo), out)...)...)
	compareScores(t, ourScores(t, ck, pixels), want, scoreTolerance)
}

// TestImportPeerTrained trains the peer's encoder and decoder for a few
// steps from a fixed seed, imports the weights it saves, and compares our
// scores with the peer's.
func TestImportPeerTrained(t *testing.T) {
	peer := peerDir(t)
	dir := t.TempDir()
	geo := model.MNIST28()
	pixels := testImages(geo, peerImages, 5)
	weights, imgs, out := filepath.Join(dir, "peer.safetensors"), filepath.Join(dir, "x.f32"), filepath.Join(dir, "scores.json")
	writeFloats(t, imgs, pixels)
	want := runPeer(t, out, append([]string{"train", peer, "11", weights, imgs}, append(geoArgs(geo), out)...)...)
	f, err := ReadFile(weights, 0)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := Import(f, ImportOptions{Geometry: &geo})
	if err != nil {
		t.Fatal(err)
	}
	compareScores(t, ourScores(t, ck, pixels), want, scoreTolerance)
	if _, err := os.Stat(weights); err != nil {
		t.Fatal(err)
	}
}
