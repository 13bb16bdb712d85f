package firmware

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// testKey returns a key pair derived from seed, so tests are reproducible.
func testKey(seed byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	priv := ed25519.NewKeyFromSeed(s)
	return priv.Public().(ed25519.PublicKey), priv
}

// tinyGeometry is a valid geometry whose encoder and decoder hold 527
// values, for tests that build many bundles.
func tinyGeometry(t testing.TB) model.Geometry {
	t.Helper()
	g, err := model.Custom("tiny", 8, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	g.EncoderWidth, g.Depth, g.DropoutBlock = 2, 1, 1
	g.Sizes, g.ConvPad, g.TransposedPad = nil, nil, nil
	if g, err = g.Derive(); err != nil {
		t.Fatal(err)
	}
	return g
}

// fullCheckpoint returns a checkpoint of all five networks of geo,
// initialised from seed, with Adam state for the first param, a finite
// threshold and dataset/class meta: what training saves.
func fullCheckpoint(t testing.TB, geo model.Geometry, seed uint64) *checkpoint.Checkpoint {
	t.Helper()
	m, err := model.New(geo)
	if err != nil {
		t.Fatal(err)
	}
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Train)
	x := g.Input("x", m.ImageShape(2)...)
	z := m.Encoder(g, x)
	rec := m.Decoder(g, z)
	m.LatentDiscriminator(g, z)
	m.VisualDiscriminator(g, x)
	m.Classifier(g, rec)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(seed); err != nil {
		t.Fatal(err)
	}
	ck, err := checkpoint.FromParams(geo, ps, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := ck.Tensors[0]
	ck.Adam = []checkpoint.Adam{{Name: p.Name, M: make([]float32, len(p.Data)), V: make([]float32, len(p.Data)), Steps: 7}}
	ck.Train = checkpoint.TrainState{Epoch: 2, Iteration: 40, Seed: seed, BestValMSE: 0.0125, BestEpoch: 1, Threshold: 0.0375}
	ck.Meta = map[string]string{"dataset": "mnist", "class": "3"}
	return ck
}

// testOpts returns build options with a fixed creation time.
func testOpts(version string) BuildOptions {
	return BuildOptions{ModelVersion: version, MinRuntimeVersion: "0.1.0", ScoreMean: 0.02, ScoreStd: 0.005,
		Created: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
}

// mustBuild builds a bundle or fails the test.
func mustBuild(t testing.TB, opts BuildOptions, ck *checkpoint.Checkpoint, key ed25519.PrivateKey) []byte {
	t.Helper()
	b, err := Build(opts, ck, key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeBundle writes data to dir/name and returns the path.
func writeBundle(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// signBytes signs msg with key.
func signBytes(key ed25519.PrivateKey, msg []byte) []byte { return ed25519.Sign(key, msg) }

// sha256Hex returns the hex SHA-256 of b.
func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
