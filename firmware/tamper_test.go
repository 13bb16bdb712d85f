package firmware

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// tinyBundle returns a valid fp32 bundle of the tiny geometry, its meta.json
// and model part, signed with testKey(1).
func tinyBundle(t testing.TB) (data, meta, mdl []byte) {
	t.Helper()
	_, priv := testKey(1)
	data = mustBuild(t, testOpts("1.0.0"), fullCheckpoint(t, tinyGeometry(t), 3), priv)
	meta, mdl = partsOf(t, data)
	return data, meta, mdl
}

// partsOf returns the meta.json and model parts of a bundle signed with
// testKey(1).
func partsOf(t testing.TB, data []byte) (meta, mdl []byte) {
	t.Helper()
	pub, _ := testKey(1)
	b, err := Open(data, pub)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range b.Parts() {
		c := data[p.Offset : p.Offset+p.Size]
		if p.Name == PartMeta {
			meta = c
		} else {
			mdl = c
		}
	}
	return meta, mdl
}

// TestFlipEveryByte flips each byte of a small bundle in turn (and, for
// the header, each bit): Open must refuse every one.
func TestFlipEveryByte(t *testing.T) {
	pub, _ := testKey(1)
	data, _, _ := tinyBundle(t)
	kinds := map[string]int{}
	for i := range data {
		masks := []byte{0xff}
		if i < headerSize {
			masks = []byte{1, 2, 4, 8, 16, 32, 64, 128}
		}
		for _, m := range masks {
			d := slices.Clone(data)
			d[i] ^= m
			_, err := Open(d, pub)
			if err == nil {
				t.Fatalf("flipping byte %d (mask %#x) of %d was not noticed", i, m, len(data))
			}
			for _, k := range []error{ErrBadMagic, ErrVersion, ErrTruncated, ErrTooLarge, ErrSignature, ErrCorrupt} {
				if errors.Is(err, k) {
					kinds[k.Error()]++
				}
			}
		}
	}
	t.Logf("%d bytes, refusals: %v", len(data), kinds)
	if kinds[ErrSignature.Error()] < len(data)-headerSize {
		t.Errorf("only %d flips refused by the signature", kinds[ErrSignature.Error()])
	}
}

// TestTruncated cuts a small bundle at every length and appends data: Open
// must refuse each with ErrTruncated (or ErrBadMagic inside the magic) and
// ErrCorrupt for trailing data.
func TestTruncated(t *testing.T) {
	pub, _ := testKey(1)
	data, _, _ := tinyBundle(t)
	for n := 0; n < len(data); n++ {
		_, err := Open(data[:n], pub)
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("truncated to %d of %d bytes: err = %v, want ErrTruncated", n, len(data), err)
		}
	}
	if _, err := Open(append(slices.Clone(data), 0), pub); !errors.Is(err, ErrCorrupt) {
		t.Errorf("one byte appended: err = %v, want ErrCorrupt", err)
	}
	if _, err := Open([]byte("OCGANCKP\x01\x00\x00\x00"), pub); !errors.Is(err, ErrBadMagic) {
		t.Errorf("a checkpoint header: err = %v, want ErrBadMagic", err)
	}
}

// TestWrongKey verifies with another key: the error must name both key ids.
func TestWrongKey(t *testing.T) {
	pub1, _ := testKey(1)
	pub2, _ := testKey(2)
	data, _, _ := tinyBundle(t)
	_, err := Open(data, pub2)
	if !errors.Is(err, ErrSignature) || !errors.Is(err, ErrWrongKey) {
		t.Fatalf("err = %v, want ErrSignature and ErrWrongKey", err)
	}
	want := "signed by key " + KeyID(pub1) + ", verifying with key " + KeyID(pub2)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to say %q", err, want)
	}
	// The right key id with a signature from another key.
	_, priv2 := testKey(2)
	forged := slices.Clone(data)
	copy(forged[len(forged)-sigSize:], signBytes(priv2, forged[:len(forged)-sigSize]))
	if _, err := Open(forged, pub1); !errors.Is(err, ErrSignature) || errors.Is(err, ErrWrongKey) {
		t.Errorf("signature by another key under the right key id: err = %v, want ErrSignature only", err)
	}
	if _, err := Open(data, pub1[:31]); !errors.Is(err, ErrKey) {
		t.Errorf("31-byte public key: err = %v, want ErrKey", err)
	}
}

// TestSignedHostileBundles signs hand-made bundles with the test key, so
// the signature verifies and the check under test is what refuses them.
func TestSignedHostileBundles(t *testing.T) {
	pub, priv := testKey(1)
	_, meta, mdl := tinyBundle(t)
	parts := func(names ...string) []namedPart {
		var ps []namedPart
		for _, n := range names {
			c := mdl
			if n == PartMeta {
				c = meta
			}
			ps = append(ps, namedPart{n, c})
		}
		return ps
	}
	metaWith := func(edit func(m map[string]any)) []namedPart {
		var m map[string]any
		if err := json.Unmarshal(meta, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, _ := json.Marshal(m)
		return []namedPart{{PartMeta, b}, {PartModel, mdl}}
	}
	good := parts(PartMeta, PartModel)
	for _, c := range []struct {
		name    string
		version uint32
		parts   []namedPart
		// manifest, if set, replaces the generated one.
		manifest func([]byte) []byte
		want     error
	}{
		{"parent dir", 1, append(parts(PartMeta, PartModel), namedPart{"../x", nil}), nil, ErrUnsafePath},
		{"parent dir instead of model", 1, []namedPart{{PartMeta, meta}, {"../model", mdl}}, nil, ErrUnsafePath},
		{"absolute", 1, []namedPart{{PartMeta, meta}, {"/etc/x", mdl}}, nil, ErrUnsafePath},
		{"subdirectory", 1, []namedPart{{PartMeta, meta}, {"a/b", mdl}}, nil, ErrUnsafePath},
		{"backslash", 1, []namedPart{{PartMeta, meta}, {`..\model`, mdl}}, nil, ErrUnsafePath},
		{"dot dot", 1, []namedPart{{PartMeta, meta}, {"..", mdl}}, nil, ErrUnsafePath},
		{"empty name", 1, []namedPart{{PartMeta, meta}, {"", mdl}}, nil, ErrUnsafePath},
		{"NUL", 1, []namedPart{{PartMeta, meta}, {"model\x00", mdl}}, nil, ErrUnsafePath},
		{"newline", 1, []namedPart{{PartMeta, meta}, {"mo\ndel", mdl}}, nil, ErrUnsafePath},
		{"duplicate", 1, parts(PartMeta, PartModel, PartModel), nil, ErrCorrupt},
		{"unknown part", 1, parts(PartMeta, PartModel, "extra"), nil, ErrCorrupt},
		{"missing model", 1, parts(PartMeta), nil, ErrCorrupt},
		{"no parts", 1, nil, nil, ErrCorrupt},
		{"version 2", 2, good, nil, ErrVersion},
		{"version 0", 0, good, nil, ErrVersion},
		{"wrong hash", 1, good, func(m []byte) []byte {
			var mj manifest
			json.Unmarshal(m, &mj)
			mj.Parts[1].SHA256 = sha256Hex([]byte("another model"))
			b, _ := json.Marshal(mj)
			return b
		}, ErrHash},
		{"hash not hex", 1, good, func(m []byte) []byte {
			var mj manifest
			json.Unmarshal(m, &mj)
			mj.Parts[1].SHA256 = "zz"
			b, _ := json.Marshal(mj)
			return b
		}, ErrCorrupt},
		{"sizes do not add up", 1, good, func(m []byte) []byte {
			var mj manifest
			json.Unmarshal(m, &mj)
			mj.Parts[0].Size--
			b, _ := json.Marshal(mj)
			return b
		}, ErrCorrupt},
		{"negative size", 1, good, func(m []byte) []byte {
			var mj manifest
			json.Unmarshal(m, &mj)
			mj.Parts[0].Size = -1
			b, _ := json.Marshal(mj)
			return b
		}, ErrCorrupt},
		{"huge size", 1, good, func(m []byte) []byte {
			var mj manifest
			json.Unmarshal(m, &mj)
			mj.Parts[0].Size = 1 << 62
			b, _ := json.Marshal(mj)
			return b
		}, ErrCorrupt},
		{"unknown manifest field", 1, good, func(m []byte) []byte {
			return append([]byte(`{"x":1,`), m[1:]...)
		}, ErrCorrupt},
		{"trailing JSON", 1, good, func(m []byte) []byte { return append(slices.Clone(m), "{}"...) }, ErrCorrupt},
		{"manifest not JSON", 1, good, func([]byte) []byte { return []byte("\x00\x01") }, ErrCorrupt},
		{"meta format 2", 1, metaWith(func(m map[string]any) { m["format_version"] = 2 }), nil, ErrCorrupt},
		{"meta unknown field", 1, metaWith(func(m map[string]any) { m["extra"] = true }), nil, ErrCorrupt},
		{"meta weights", 1, metaWith(func(m map[string]any) { m["weights"] = "int8" }), nil, ErrCorrupt},
		{"meta range", 1, metaWith(func(m map[string]any) { m["input"].(map[string]any)["range"] = []float64{0, 1} }), nil, ErrCorrupt},
		{"meta resize policy", 1, metaWith(func(m map[string]any) { m["input"].(map[string]any)["resize_policy"] = "pad" }), nil, ErrCorrupt},
		{"meta model version", 1, metaWith(func(m map[string]any) { m["model_version"] = "latest" }), nil, ErrCorrupt},
		{"meta not JSON", 1, []namedPart{{PartMeta, []byte("]")}, {PartModel, mdl}}, nil, ErrCorrupt},
	} {
		t.Run(c.name, func(t *testing.T) {
			var data []byte
			var err error
			if c.manifest == nil {
				data, err = assemble(c.version, c.parts, priv)
			} else {
				var m manifest
				for _, p := range c.parts {
					m.Parts = append(m.Parts, partJSON{Name: p.name, Size: int64(len(p.data)), SHA256: sha256Hex(p.data)})
				}
				mj, _ := json.Marshal(m)
				data, err = assembleRaw(c.version, c.manifest(mj), c.parts, priv)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = Open(data, pub)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			t.Log(err)
		})
	}
	// The same parts, correctly assembled, open: the cases above fail for
	// the reason they name.
	data, err := assemble(1, good, priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(data, pub); err != nil {
		t.Fatalf("the unmodified hand-made bundle: %v", err)
	}
}

// TestSignedCorruptModel signs bundles whose model part does not decode or
// does not match meta.json: Open accepts them (the signature, hashes and
// meta verify) and Checkpoint refuses them with ErrCorrupt.
func TestSignedCorruptModel(t *testing.T) {
	pub, priv := testKey(1)
	_, meta, mdl := tinyBundle(t)
	fp16 := bytes.Replace(meta, []byte(`"fp32"`), []byte(`"fp16"`), 1)
	otherGeo := bytes.Replace(meta, []byte(`"tiny"`), []byte(`"MNIST28"`), 1)
	otherPre := bytes.Replace(meta, []byte(`"bt601-luma"`), []byte(`"bt601-luma", "resize_policy": "crop"`), 1)
	for _, c := range []struct {
		name      string
		meta, mdl []byte
	}{
		{"truncated checkpoint", meta, mdl[:len(mdl)-1]},
		{"empty model", meta, nil},
		{"checkpoint labelled fp16", fp16, mdl},
		{"geometry name differs", otherGeo, mdl},
		{"preprocessing differs", otherPre, mdl},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, err := assemble(1, []namedPart{{PartMeta, c.meta}, {PartModel, c.mdl}}, priv)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Open(data, pub)
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.Checkpoint()
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			t.Log(err)
		})
	}
}

// TestHostileLengths gives the reader headers whose length fields are
// absurd: each is refused before anything is allocated for it.
func TestHostileLengths(t *testing.T) {
	pub, _ := testKey(1)
	data, _, _ := tinyBundle(t)
	set := func(off int, v uint64, size int) []byte {
		d := slices.Clone(data)
		if size == 4 {
			binary.LittleEndian.PutUint32(d[off:], uint32(v))
		} else {
			binary.LittleEndian.PutUint64(d[off:], v)
		}
		return d
	}
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"manifest 4 GiB", set(12, 1<<32-1, 4), ErrTooLarge},
		{"manifest just over the cap", set(12, MaxManifestBytes+1, 4), ErrTooLarge},
		{"manifest longer than the file", set(12, uint64(len(data)), 4), ErrCorrupt},
		{"total 2^63", set(16, 1<<63, 8), ErrTooLarge},
		{"total one more", set(16, uint64(len(data))+1, 8), ErrTruncated},
		{"total one less", set(16, uint64(len(data))-1, 8), ErrCorrupt},
		{"total below header+signature", set(16, 10, 8), ErrCorrupt},
	} {
		if _, err := Open(c.data, pub); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := open(data, pub, int64(len(data)-1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("bundle above the cap: err = %v, want ErrTooLarge", err)
	}
}

// TestInspect reports on a bundle with and without the key: without it the
// report must say UNVERIFIED; with a wrong key Inspect fails.
func TestInspect(t *testing.T) {
	pub, _ := testKey(1)
	other, _ := testKey(2)
	data, _, _ := tinyBundle(t)
	for _, c := range []struct {
		name     string
		pub      []byte
		verified bool
		text     string
	}{
		{"no key", nil, false, "UNVERIFIED"},
		{"key", pub, true, "VERIFIED with key " + KeyID(pub)},
	} {
		r, err := Inspect(data, c.pub)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var buf bytes.Buffer
		if _, err := r.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if r.Verified != c.verified || !strings.Contains(out, "signature: "+c.text) || !strings.Contains(out, r.ID) ||
			len(r.Parts) != 2 || r.KeyID != KeyID(pub) || !strings.Contains(out, "sha256 "+r.Parts[1].SHA256) {
			t.Errorf("%s: report %+v:\n%s", c.name, r, out)
		}
		t.Logf("%s:\n%s", c.name, out)
	}
	if _, err := Inspect(data, other); !errors.Is(err, ErrWrongKey) {
		t.Errorf("wrong key: err = %v, want ErrWrongKey", err)
	}
	d := slices.Clone(data)
	d[len(d)-sigSize-1] ^= 1 // inside the last part: the hash notices without a key
	if _, err := Inspect(d, nil); !errors.Is(err, ErrHash) {
		t.Errorf("damaged part without a key: err = %v, want ErrHash", err)
	}
}
