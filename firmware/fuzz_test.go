package firmware

import (
	"crypto/ed25519"
	"encoding/binary"
	"slices"
	"testing"
)

// resign returns data with its total length and key id fixed and signed
// again with testKey(1), so that the fuzzer's mutations reach the checks
// after the signature.
func resign(data []byte) []byte {
	if len(data) < headerSize+sigSize {
		return data
	}
	_, priv := testKey(1)
	d := slices.Clone(data)
	binary.LittleEndian.PutUint64(d[16:], uint64(len(d)))
	id := keyID(priv.Public().(ed25519.PublicKey))
	copy(d[24:], id[:])
	copy(d[len(d)-sigSize:], signBytes(priv, d[:len(d)-sigSize]))
	return d
}

// FuzzOpen feeds the reader arbitrary bytes, as they are and re-signed with
// the test key: Open, Inspect and Checkpoint must return errors, never
// panic, and a bundle that opens must decode or fail with an error.
func FuzzOpen(f *testing.F) {
	pub, priv := testKey(1)
	data, meta, mdl := tinyBundle(f)
	opts := testOpts("1.0.0")
	opts.FP16 = true
	fp16 := mustBuild(f, opts, fullCheckpoint(f, tinyGeometry(f), 3), priv)
	f.Add(data)
	f.Add(fp16)
	f.Add(data[:len(data)/2])
	f.Add([]byte(Magic))
	f.Add([]byte{})
	flipped := slices.Clone(data)
	flipped[300] ^= 1
	f.Add(flipped)
	for _, ps := range [][]namedPart{
		{{PartMeta, meta}, {"../x", mdl}},
		{{PartMeta, meta}, {PartModel, mdl}, {PartModel, mdl}},
		{{PartMeta, meta}, {PartModel, mdl[:100]}},
	} {
		b, err := assemble(FormatVersion, ps, priv)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range [][]byte{data, resign(data)} {
			if b, err := Open(d, pub); err == nil {
				b.Checkpoint()
			}
			Inspect(d, nil)
		}
	})
}

// FuzzParts signs bundles of arbitrary meta.json and model parts with
// correct hashes, so the fuzzer explores meta.json parsing and both model
// decoders: no panics, and bounded allocation by construction.
func FuzzParts(f *testing.F) {
	pub, priv := testKey(1)
	_, meta, mdl := tinyBundle(f)
	opts := testOpts("1.0.0")
	opts.FP16 = true
	meta16, mdl16 := partsOf(f, mustBuild(f, opts, fullCheckpoint(f, tinyGeometry(f), 3), priv))
	f.Add(meta, mdl)
	f.Add(meta16, mdl16)
	f.Fuzz(func(t *testing.T, meta, mdl []byte) {
		data, err := assemble(FormatVersion, []namedPart{{PartMeta, meta}, {PartModel, mdl}}, priv)
		if err != nil {
			return
		}
		b, err := Open(data, pub)
		if err != nil {
			return
		}
		if ck, err := b.Checkpoint(); err == nil && ck.Geometry.Name != b.Meta().Geometry {
			t.Fatalf("decoded geometry %q, meta.json says %q", ck.Geometry.Name, b.Meta().Geometry)
		}
	})
}
