package firmware

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// The constants of the bundle format (see the package documentation).
const (
	// Magic opens every bundle file.
	Magic = "OCGANBDL"
	// FormatVersion is the bundle format version this package writes and
	// reads.
	FormatVersion uint32 = 1
	// MaxBundleBytes is the largest bundle Open and OpenFile accept (1 GiB).
	MaxBundleBytes int64 = 1 << 30
	// MaxManifestBytes is the largest manifest accepted (64 KiB).
	MaxManifestBytes = 64 << 10
	// KeyIDSize is the length of a key id: the first bytes of the SHA-256 of
	// the ed25519 public key.
	KeyIDSize = 8

	// headerSize is magic, version, manifest length, total length, key id.
	headerSize = 8 + 4 + 4 + 8 + KeyIDSize
	sigSize    = ed25519.SignatureSize
)

// The part names of a bundle; a manifest lists each exactly once.
const (
	// PartModel holds the encoder and decoder weights.
	PartModel = "model"
	// PartMeta holds meta.json (see Meta).
	PartMeta = "meta.json"
)

// header is the fixed-size start of a bundle.
type header struct {
	version     uint32
	manifestLen uint32
	total       uint64
	keyID       [KeyIDSize]byte
}

// putHeader writes h into the first headerSize bytes of b.
func putHeader(b []byte, h header) {
	copy(b, Magic)
	binary.LittleEndian.PutUint32(b[8:], h.version)
	binary.LittleEndian.PutUint32(b[12:], h.manifestLen)
	binary.LittleEndian.PutUint64(b[16:], h.total)
	copy(b[24:], h.keyID[:])
}

// parseHeader checks the magic, the version and the lengths of data
// against each other and against limit, before anything else is read.
func parseHeader(data []byte, limit int64) (header, error) {
	var h header
	if k := min(len(data), len(Magic)); string(data[:k]) != Magic[:k] {
		return h, fmt.Errorf("%w: starts with %q, want %q", ErrBadMagic, data[:k], Magic)
	}
	if len(data) < headerSize {
		return h, fmt.Errorf("%w: %d bytes, the header alone is %d", ErrTruncated, len(data), headerSize)
	}
	h.version = binary.LittleEndian.Uint32(data[8:])
	h.manifestLen = binary.LittleEndian.Uint32(data[12:])
	h.total = binary.LittleEndian.Uint64(data[16:])
	copy(h.keyID[:], data[24:])
	if h.version != FormatVersion {
		return h, fmt.Errorf("%w: format version %d, this build reads version %d", ErrVersion, h.version, FormatVersion)
	}
	if h.manifestLen > MaxManifestBytes {
		return h, fmt.Errorf("%w: manifest of %d bytes, at most %d accepted", ErrTooLarge, h.manifestLen, MaxManifestBytes)
	}
	if h.total > uint64(limit) {
		return h, fmt.Errorf("%w: header says %d bytes, at most %d accepted", ErrTooLarge, h.total, limit)
	}
	if min := uint64(headerSize) + uint64(h.manifestLen) + sigSize; h.total < min {
		return h, fmt.Errorf("%w: header says %d bytes in all, but header, manifest and signature need %d", ErrCorrupt, h.total, min)
	}
	if uint64(len(data)) < h.total {
		return h, fmt.Errorf("%w: %d bytes, the header says %d", ErrTruncated, len(data), h.total)
	}
	if uint64(len(data)) > h.total {
		return h, fmt.Errorf("%w: %d bytes after the signature", ErrCorrupt, uint64(len(data))-h.total)
	}
	return h, nil
}

// KeyID returns the id of pub: the hex of the first KeyIDSize bytes of its
// SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	id := keyID(pub)
	return hex.EncodeToString(id[:])
}

func keyID(pub ed25519.PublicKey) [KeyIDSize]byte {
	s := sha256.Sum256(pub)
	var id [KeyIDSize]byte
	copy(id[:], s[:])
	return id
}
