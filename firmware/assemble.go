package firmware

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// namedPart is a part's name and content, as Build lays it out.
type namedPart struct {
	name string
	data []byte
}

// assemble lays out a bundle of the given format version holding parts in
// order, and signs it with key. It checks nothing about the parts, so
// tests can make hostile bundles with valid signatures.
func assemble(version uint32, parts []namedPart, key ed25519.PrivateKey) ([]byte, error) {
	var m manifest
	for _, p := range parts {
		s := sha256.Sum256(p.data)
		m.Parts = append(m.Parts, partJSON{Name: p.name, Size: int64(len(p.data)), SHA256: hex.EncodeToString(s[:])})
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return assembleRaw(version, mj, parts, key)
}

// assembleRaw is assemble with the manifest bytes given.
func assembleRaw(version uint32, mj []byte, parts []namedPart, key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: private key of %d bytes, want %d", ErrKey, len(key), ed25519.PrivateKeySize)
	}
	if len(mj) > MaxManifestBytes {
		return nil, fmt.Errorf("%w: manifest of %d bytes, at most %d", ErrTooLarge, len(mj), MaxManifestBytes)
	}
	total := int64(headerSize + len(mj) + sigSize)
	for _, p := range parts {
		total += int64(len(p.data))
	}
	if total > MaxBundleBytes {
		return nil, fmt.Errorf("%w: %d bytes, readers accept at most %d", ErrTooLarge, total, MaxBundleBytes)
	}
	out := make([]byte, headerSize, total)
	putHeader(out, header{
		version: version, manifestLen: uint32(len(mj)), total: uint64(total),
		keyID: keyID(key.Public().(ed25519.PublicKey)),
	})
	out = append(out, mj...)
	for _, p := range parts {
		out = append(out, p.data...)
	}
	return append(out, ed25519.Sign(key, out)...), nil
}
