package firmware

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// Bundle is an opened bundle whose signature and part hashes have been
// verified and whose meta.json has been parsed. The model is decoded on
// demand by Checkpoint.
type Bundle struct {
	id     string
	keyID  string
	format uint32
	size   int64
	parts  []Part
	meta   Meta
	model  []byte
}

// ID returns the bundle id: the hex of the first 16 bytes of the SHA-256
// of its manifest, which pins every part's hash.
func (b *Bundle) ID() string { return b.id }

// KeyID returns the id of the key that signed the bundle.
func (b *Bundle) KeyID() string { return b.keyID }

// Size returns the bundle's size in bytes.
func (b *Bundle) Size() int64 { return b.size }

// Parts returns the manifest's parts in file order.
func (b *Bundle) Parts() []Part { return slices.Clone(b.parts) }

// Meta returns the parsed meta.json, with BundleID set.
func (b *Bundle) Meta() Meta { return b.meta }

// Checkpoint decodes the model part into a checkpoint with float32
// tensors (the encoder and decoder of the bundle's geometry), whose
// Train.Threshold is the bundle's threshold and whose Preprocess is the
// one meta.json records (an fp32 model part's own record must agree).
// Errors wrap ErrCorrupt.
func (b *Bundle) Checkpoint() (*checkpoint.Checkpoint, error) {
	var ck *checkpoint.Checkpoint
	var err error
	if b.meta.Weights == WeightsFP16 {
		ck, err = decodeFP16(b.model)
	} else {
		ck, err = checkpoint.Decode(bytes.NewReader(b.model), int64(maxModelBytes))
	}
	if err != nil {
		return nil, fmt.Errorf("firmware: bundle %s: %w: %s model part: %w", b.id, ErrCorrupt, b.meta.Weights, err)
	}
	g := ck.Geometry
	if g.Name != b.meta.Geometry || g.ImageSize != b.meta.Input.ImageSize || g.Channels != b.meta.Input.Channels {
		return nil, fmt.Errorf("firmware: bundle %s: %w: model geometry %q (%d px, %d channels), meta.json says %q (%d px, %d channels)",
			b.id, ErrCorrupt, g.Name, g.ImageSize, g.Channels, b.meta.Geometry, b.meta.Input.ImageSize, b.meta.Input.Channels)
	}
	pre := b.meta.Input.Preprocessing()
	if b.meta.Weights == WeightsFP32 && ck.Preprocessing() != pre {
		return nil, fmt.Errorf("firmware: bundle %s: %w: the model part records the preprocessing %v, meta.json %v",
			b.id, ErrCorrupt, ck.Preprocessing(), pre)
	}
	if ck, err = stripForScoring(ck); err != nil {
		return nil, fmt.Errorf("firmware: bundle %s: %w: model part: %w", b.id, ErrCorrupt, err)
	}
	ck.Preprocess = pre
	ck.Train.Threshold = b.meta.Threshold
	return ck, nil
}

// Open verifies and parses a bundle held in data, in this order: header
// (magic, version, lengths), key id and ed25519 signature, manifest and
// part list, part hashes, meta.json. Nothing is decoded before the
// signature and the hashes verify. The Bundle keeps copies of what it
// needs, not data. Errors wrap the package's sentinels.
func Open(data []byte, pub ed25519.PublicKey) (*Bundle, error) {
	b, err := open(data, pub, MaxBundleBytes)
	if err != nil {
		return nil, fmt.Errorf("firmware: open bundle: %w", err)
	}
	return b, nil
}

// OpenFile reads the bundle at path (refusing a file larger than
// MaxBundleBytes before reading it) and opens it like Open. Errors name
// the file.
func OpenFile(path string, pub ed25519.PublicKey) (*Bundle, error) {
	data, err := readBundleFile(path, MaxBundleBytes)
	if err == nil {
		var b *Bundle
		if b, err = open(data, pub, MaxBundleBytes); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("firmware: bundle %s: %w", path, err)
}

// readBundleFile reads a regular file of at most limit bytes.
func readBundleFile(path string, limit int64) ([]byte, error) {
	data, err := boundedfile.Read(path, limit)
	if errors.Is(err, boundedfile.ErrTooLarge) {
		return nil, fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	return data, err
}

// open is Open with the size cap given.
func open(data []byte, pub ed25519.PublicKey, limit int64) (*Bundle, error) {
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %d bytes, at most %d accepted", ErrTooLarge, len(data), limit)
	}
	h, err := parseHeader(data, limit)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(data, h, pub); err != nil {
		return nil, err
	}
	return parseBody(data, h)
}

// verifySignature checks that pub is the key the header names and that the
// signature over everything before it verifies.
func verifySignature(data []byte, h header, pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: public key of %d bytes, want %d", ErrKey, len(pub), ed25519.PublicKeySize)
	}
	if want := keyID(pub); want != h.keyID {
		return fmt.Errorf("%w: %w: signed by key %s, verifying with key %s",
			ErrSignature, ErrWrongKey, hex.EncodeToString(h.keyID[:]), hex.EncodeToString(want[:]))
	}
	end := len(data) - sigSize
	if !ed25519.Verify(pub, data[:end], data[end:]) {
		return fmt.Errorf("%w: key %s: the signature does not match the content", ErrSignature, KeyID(pub))
	}
	return nil
}

// parseBody parses the manifest, checks the part hashes and parses
// meta.json of data with header h. With a verified signature it runs on
// signed bytes; Inspect runs it on unverified ones.
func parseBody(data []byte, h header) (*Bundle, error) {
	mStart := int64(headerSize)
	mEnd := mStart + int64(h.manifestLen)
	payload := int64(h.total) - mEnd - sigSize
	parts, err := parseManifest(data[mStart:mEnd], mEnd, payload)
	if err != nil {
		return nil, err
	}
	if err := checkHashes(data, parts); err != nil {
		return nil, err
	}
	b := &Bundle{
		id: bundleID(data[mStart:mEnd]), keyID: hex.EncodeToString(h.keyID[:]),
		format: h.version, size: int64(h.total), parts: parts,
	}
	for _, p := range parts {
		content := data[p.Offset : p.Offset+p.Size]
		switch p.Name {
		case PartMeta:
			if b.meta, err = parseMeta(content, h.version); err != nil {
				return nil, err
			}
		case PartModel:
			b.model = bytes.Clone(content)
		}
	}
	b.meta.BundleID = b.id
	return b, nil
}
