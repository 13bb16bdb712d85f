package modelsrc

import (
	"crypto/ed25519"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/firmware"
)

// TestOpenFixtures opens the checkpoint, the bundle and an install root of
// the bundle written by ocgan 0.1.0-dev and scores the fixture images on
// the native CPU backend: thresholds, bundle ids and versions, and scores
// are the ones that release printed, bit for bit.
func TestOpenFixtures(t *testing.T) {
	want := fixtures(t)
	root, rootID := installRoot(t)
	be := openDevice(t, "cpu")
	tests := []struct {
		name, path, fixture, source string
		version, id                 string
	}{
		{"checkpoint", filepath.Join("testdata", "scoring.ocgan"), "scoring.ocgan", filepath.Join("testdata", "scoring.ocgan"), "", ""},
		{"bundle", filepath.Join("testdata", "v1.bundle"), "v1.bundle",
			filepath.Join("testdata", "v1.bundle") + " (bundle " + want["v1.bundle"].ID + ", model 1.0.0)", "1.0.0", want["v1.bundle"].ID},
		{"install root", root, "v1.bundle", "", "1.0.0", want["v1.bundle"].ID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keyCalls := 0
			key := fleetKey(t)
			o := Opener{Runtime: runtimeVersion, Key: func() (ed25519.PublicKey, error) { keyCalls++; return key() }}
			m, err := o.Open(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			f := want[tc.fixture]
			if m.Threshold != f.Threshold || m.Version != tc.version || m.ID != tc.id {
				t.Errorf("threshold %v, version %q, id %q; want %v, %q, %q", m.Threshold, m.Version, m.ID, f.Threshold, tc.version, tc.id)
			}
			if tc.source != "" && m.Source != tc.source {
				t.Errorf("source %q, want %q", m.Source, tc.source)
			}
			if wantCalls := min(len(tc.version), 1); keyCalls != wantCalls {
				t.Errorf("the key was asked for %d times, want %d", keyCalls, wantCalls)
			}
			s, err := NewScorer(be, m.Checkpoint, len(images))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Free()
			scores, err := s.Scores(readImages(t, m))
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range images {
				if scores[i] != f.Scores[name] {
					t.Errorf("%s scores %v, want %v", name, scores[i], f.Scores[name])
				}
			}
		})
	}
	if id, err := (&Source{path: root}).Current(); err != nil || id != rootID {
		t.Errorf("install root: current id %q (%v), want %q", id, err, rootID)
	}
}

// TestOpenRefusals: a missing file, a bundle without a key, with another
// key, one byte flipped, and for a runtime older than it needs, each with
// its typed error; a file that is neither a checkpoint nor a bundle.
func TestOpenRefusals(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "v1.bundle"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := filepath.Join(dir, "flipped.bundle")
	data[len(data)/2] ^= 1
	if err := os.WriteFile(flipped, data, 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.ocgan")
	if err := os.WriteFile(garbage, []byte("not a model at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	other, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join("testdata", "v1.bundle")
	noKey := func() (ed25519.PublicKey, error) { return LoadKey("") }
	tests := []struct {
		name, path, runtime string
		key                 KeyFunc
		want                error
	}{
		{"missing", filepath.Join(dir, "none.ocgan"), runtimeVersion, fleetKey(t), fs.ErrNotExist},
		{"no key", bundle, runtimeVersion, noKey, ErrNoKey},
		{"other key", bundle, runtimeVersion, func() (ed25519.PublicKey, error) { return other, nil }, firmware.ErrWrongKey},
		{"flipped byte", flipped, runtimeVersion, fleetKey(t), nil},
		{"old runtime", bundle, "0.0.9", fleetKey(t), firmware.ErrRuntime},
		{"garbage", garbage, runtimeVersion, fleetKey(t), nil},
	}
	t.Setenv(KeyEnv, "")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Opener{Key: tc.key, Runtime: tc.runtime}.Open(tc.path)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("Open(%s) = %v, %v; want an error wrapping %v", tc.path, m, err, tc.want)
			}
			if !strings.Contains(err.Error(), filepath.Base(tc.path)) && tc.want != ErrNoKey && tc.want != firmware.ErrWrongKey {
				t.Errorf("the error does not name the file: %v", err)
			}
		})
	}
}

// TestLoadKey reads the key from the file given, else from $OCGAN_BUNDLE_KEY.
func TestLoadKey(t *testing.T) {
	want, err := firmware.LoadPublicKey(filepath.Join("testdata", "fleet.pub"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(KeyEnv, filepath.Join("testdata", "fleet.pub"))
	for _, path := range []string{"", filepath.Join("testdata", "fleet.pub")} {
		if got, err := LoadKey(path); err != nil || !got.Equal(want) {
			t.Errorf("LoadKey(%q) = %x, %v; want %x", path, got, err, want)
		}
	}
	t.Setenv(KeyEnv, "")
	if _, err := LoadKey(""); !errors.Is(err, ErrNoKey) {
		t.Errorf("LoadKey without a key: %v, want ErrNoKey", err)
	}
}

// TestFileDigest is the first 16 hex digits of the file's sha256.
func TestFileDigest(t *testing.T) {
	want := fixtures(t)["scoring.ocgan"].ID
	if got, err := FileDigest(filepath.Join("testdata", "scoring.ocgan")); err != nil || got != want {
		t.Errorf("FileDigest = %q, %v; want %q", got, err, want)
	}
}
