package checkpoint

import (
	"bytes"
	"testing"
)

// decodeOK checks what Decode or decodePayload accepted: it must encode
// again, and decode to the same checkpoint.
func decodeOK(t *testing.T, c *Checkpoint) {
	b, err := encode(c)
	if err != nil {
		t.Fatalf("an accepted checkpoint does not encode: %v", err)
	}
	c2, err := Decode(bytes.NewReader(b), 0)
	if err != nil {
		t.Fatalf("re-encoded checkpoint refused: %v", err)
	}
	if d := diff(c, c2); d != "" {
		t.Fatalf("re-encoded checkpoint differs: %s", d)
	}
}

// FuzzDecode feeds arbitrary files to Decode: it must not panic, must
// classify every refusal, and must keep allocation bounded (maxBytes 16 MiB,
// MaxRatio). Each input is also tried with its checksum recomputed, so that
// mutations reach the zstd decoder and the manifest parser.
func FuzzDecode(f *testing.F) {
	valid := mustEncode(f, small())
	noAdam := small()
	noAdam.Adam, noAdam.Meta = nil, nil
	f.Add(valid)
	f.Add(mustEncode(f, noAdam))
	f.Add(mustEncode(f, cropped()))
	f.Add([]byte{})
	f.Add([]byte(Magic))
	for _, n := range []int{7, headerSize - 1, headerSize, headerSize + 10, len(valid) - sumSize, len(valid) - 1} {
		f.Add(bytes.Clone(valid[:n]))
	}
	for _, i := range []int{0, 8, 12, 16, 24, headerSize, headerSize + 20, len(valid) / 2, len(valid) - 1} {
		c := bytes.Clone(valid)
		c[i] ^= 0x5a
		f.Add(c)
	}
	f.Add(append(bytes.Clone(valid), 0))
	comp := valid[headerSize : len(valid)-sumSize]
	f.Add(rawFile(Version+1, 0, uint64(len(comp)), uint64(len(comp)), comp))
	f.Add(rawFile(Version, 0, 100<<30, uint64(len(comp)), comp))
	f.Add(rawFile(Version, 0, 1<<20, 100<<30, comp))
	f.Add(craft(f, `{"tensors":[{"name":"big","role":"param","shape":[25000000000],"offset":0}]}`, make([]byte, 8)))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, resum(b)} {
			c, err := Decode(bytes.NewReader(in), 16<<20)
			if err != nil {
				if !isKind(err) {
					t.Fatalf("refusal of an unknown kind: %v", err)
				}
				continue
			}
			decodeOK(t, c)
		}
	})
}

// FuzzPayload feeds arbitrary payloads (manifest length, manifest, tensor
// data) straight to the payload parser of every format version, past the
// checksum and zstd.
func FuzzPayload(f *testing.F) {
	noAdam := small()
	noAdam.Adam = nil
	for _, c := range []*Checkpoint{small(), noAdam, cropped()} {
		p, _, err := encodePayload(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, '{', '}'})
	f.Fuzz(func(t *testing.T, b []byte) {
		for v := MinVersion; v <= Version; v++ {
			if c, err := decodePayload(b, v); err == nil {
				decodeOK(t, c)
			}
		}
	})
}
