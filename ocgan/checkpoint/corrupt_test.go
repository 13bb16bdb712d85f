package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// errKinds are the kinds Decode may return for bad data.
var errKinds = []error{ErrBadMagic, ErrVersion, ErrTruncated, ErrChecksum, ErrTooLarge, ErrCorrupt}

func isKind(err error) bool {
	for _, k := range errKinds {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

func TestEveryTruncationRefused(t *testing.T) {
	b := mustEncode(t, small())
	for n := 0; n < len(b); n++ {
		_, err := Decode(bytes.NewReader(b[:n]), 0)
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("prefix of %d/%d bytes: %v; want ErrTruncated", n, len(b), err)
		}
	}
}

func TestEveryFlippedByteRefused(t *testing.T) {
	for _, c := range []*Checkpoint{small(), cropped()} {
		everyFlippedByteRefused(t, mustEncode(t, c))
	}
}

func everyFlippedByteRefused(t *testing.T, b []byte) {
	for i := range b {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			c := bytes.Clone(b)
			c[i] ^= mask
			_, err := Decode(bytes.NewReader(c), 0)
			switch {
			case err == nil:
				t.Fatalf("byte %d ^ %#x: accepted", i, mask)
			case i < 8 && !errors.Is(err, ErrBadMagic),
				i >= 8 && i < 12 && !errors.Is(err, ErrVersion),
				i >= 12 && i < 16 && !errors.Is(err, ErrCorrupt),
				i >= headerSize && !errors.Is(err, ErrChecksum),
				!isKind(err):
				t.Fatalf("byte %d ^ %#x: %v", i, mask, err)
			}
		}
	}
}

func TestHeaderErrors(t *testing.T) {
	good := mustEncode(t, small())
	setU32 := func(off int, v uint32) []byte {
		c := bytes.Clone(good)
		binary.LittleEndian.PutUint32(c[off:], v)
		return resum(c)
	}
	for _, tc := range []struct {
		name string
		data []byte
		kind error
		want string
	}{
		{"empty", nil, ErrTruncated, "0 bytes"},
		{"other file", []byte("PK\x03\x04 a zip file, not ours......"), ErrBadMagic, `starts with "PK\x03\x04 a z"`},
		{"short other file", []byte("{}"), ErrBadMagic, "bad magic"},
		{"future version", setU32(8, 3), ErrVersion, "version 3 (this build reads versions 1 to 2)"},
		{"version 0", setU32(8, 0), ErrVersion, "version 0"},
		{"flags", setU32(12, 4), ErrCorrupt, "flags 0x4"},
		{"trailing data", append(bytes.Clone(good), 0), ErrCorrupt, "data after the checksum"},
		{"checksum", append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1), ErrChecksum, "SHA-256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tc.data), 0)
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want %v mentioning %q", err, tc.kind, tc.want)
			}
		})
	}
}

func TestLoadErrorNamesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.ckpt")
	b := mustEncode(t, small())
	if err := os.WriteFile(path, b[:len(b)-5], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load: %v; want ErrTruncated naming %s", err, path)
	}
	_, err = Load(filepath.Join(dir, "missing.ckpt"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.ckpt") {
		t.Fatalf("Load of a missing file: %v", err)
	}
}

// Manifests that are valid JSON but disagree with the data or the format.
func TestManifestInconsistencies(t *testing.T) {
	geo := `"geometry":{"name":"MNIST28","image_size":28,"channels":1,"latent":16,"depth":3,"kernel":5,"stride":2,"encoder_width":64,"visual_width":12,"classifier_width":64,"latent_widths":[128,64,32,16],"sizes":[28,14,7,4,1],"conv_pad":[2,2,2,1],"transposed_pad":[[1,1],[2,0],[2,1],[2,1]],"dropout_p":0.5,"dropout_block":3,"bn_momentum":0.9,"bn_eps":1e-05,"leaky_slope":0.2}`
	train := `"train":{"epoch":0,"iteration":0,"seed":0,"rng_counter":0,"best_val_mse":0,"best_epoch":0,"threshold":0}`
	man := func(rest string) string { return "{" + geo + "," + train + rest + "}" }
	p := `{"name":"p","role":"param","shape":[2],"offset":0}`
	eight := make([]byte, 8)
	for _, tc := range []struct {
		name, manifest string
		data           []byte
		want           string
	}{
		{"valid", man(`,"tensors":[` + p + `]`), eight, ""},
		{"unknown field", man(`,"tensors":[],"extra":1`), nil, `unknown field "extra"`},
		{"not json", "{{{", nil, "manifest:"},
		{"trailing json", man(`,"tensors":[]`) + "{}", nil, "data after the JSON object"},
		{"bad geometry", `{"geometry":{"latent":1},` + train + `,"tensors":[]}`, nil, "geometry"},
		{"short data", man(`,"tensors":[` + p + `]`), eight[:4], "holds more than 1 elements"},
		{"extra data", man(`,"tensors":[` + p + `]`), append(eight, 1, 2, 3, 4), "4 bytes of tensor data after the last tensor"},
		{"offset", man(`,"tensors":[{"name":"p","role":"param","shape":[2],"offset":4}]`), eight, "offset 4, want 0"},
		{"zero dim", man(`,"tensors":[{"name":"p","role":"param","shape":[0],"offset":0}]`), nil, "dimension 0"},
		{"scalar", man(`,"tensors":[{"name":"p","role":"param","shape":[],"offset":0}]`), nil, "rank 0"},
		{"role", man(`,"tensors":[{"name":"p","role":"grad","shape":[2],"offset":0}]`), eight, `role "grad"`},
		{"duplicate", man(`,"tensors":[` + p + `,{"name":"p","role":"state","shape":[2],"offset":8}]`), append(eight, eight...), "appears twice"},
		{"adam without param", man(`,"tensors":[{"name":"q","role":"adam_m","shape":[1],"offset":0},{"name":"q","role":"adam_v","shape":[1],"offset":4}],"adam_steps":{"q":1}`), eight, `adam state of "q": no param`},
		{"adam m only", man(`,"tensors":[` + p + `,{"name":"p","role":"adam_m","shape":[2],"offset":8}],"adam_steps":{"p":1}`), make([]byte, 16), "only one of"},
		{"adam shape", man(`,"tensors":[{"name":"p","role":"adam_m","shape":[1,2],"offset":0},{"name":"p","role":"adam_v","shape":[2],"offset":8},` + strings.Replace(p, `"offset":0`, `"offset":16`, 1) + `],"adam_steps":{"p":1}`), make([]byte, 24), "moments of shape [1 2]"},
		{"adam no steps", man(`,"tensors":[` + p + `,{"name":"p","role":"adam_m","shape":[2],"offset":8},{"name":"p","role":"adam_v","shape":[2],"offset":16}]`), make([]byte, 24), "no adam_steps entry"},
		{"steps without adam", man(`,"tensors":[` + p + `],"adam_steps":{"p":1}`), eight, "which has no moments"},
		{"threshold string", strings.Replace(man(`,"tensors":[]`), `"threshold":0`, `"threshold":"big"`, 1), nil, `float "big"`},
		{"huge int", strings.Replace(man(`,"tensors":[]`), `"epoch":0`, `"epoch":1e300`, 1), nil, "manifest:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(craft(t, tc.manifest, tc.data)), 0)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want ErrCorrupt mentioning %q", err, tc.want)
			}
		})
	}
}

func TestSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.ckpt")
	if err := Save(path, small()); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)

	// An invalid checkpoint writes nothing.
	bad := small()
	bad.Tensors[0].Shape = []int{7}
	if err := Save(path, bad); err == nil {
		t.Fatal("saving an invalid checkpoint succeeded")
	}
	// A failing write (the target is a non-empty directory, so the rename
	// fails) leaves no temporary file.
	blocked := filepath.Join(dir, "blocked.ckpt")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Save(blocked, small()); err == nil || !strings.Contains(err.Error(), blocked) {
		t.Fatalf("saving over a directory: %v; want an error naming it", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, old) {
		t.Fatal("the existing checkpoint changed")
	}
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "blocked.ckpt,c.ckpt" {
		t.Fatalf("directory holds %v; want only blocked.ckpt and c.ckpt (no temporaries)", names)
	}

	// Overwriting a checkpoint replaces it whole.
	next := small()
	next.Train.Epoch = 4
	if err := Save(path, next); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil || got.Train.Epoch != 4 {
		t.Fatalf("after overwrite: epoch %v, %v", got, err)
	}
}
