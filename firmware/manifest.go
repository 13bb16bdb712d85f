package firmware

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ocgan-vk/ocgan/runtime/strictjson"
)

// idBytes is the number of SHA-256 bytes of the manifest that make a
// bundle id (hex-encoded, so ids are 2*idBytes characters).
const idBytes = 16

// manifest is the JSON object after the header.
type manifest struct {
	Parts []partJSON `json:"parts"`
}

// partJSON is one manifest entry.
type partJSON struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Part describes one part of a bundle: its name, size, SHA-256 (hex) and
// offset in the bundle file.
type Part struct {
	Name   string
	Size   int64
	SHA256 string
	Offset int64
}

// bundleID returns the id of the bundle with manifest bytes m.
func bundleID(m []byte) string {
	s := sha256.Sum256(m)
	return hex.EncodeToString(s[:idBytes])
}

// validID reports whether s looks like a bundle id (lowercase hex of the
// right length), so it is safe as a directory name.
func validID(s string) bool {
	if len(s) != 2*idBytes {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// checkPartName refuses a name that is not one plain file name: empty, "."
// or "..", containing a path separator, a NUL or another control
// character, invalid UTF-8, or longer than 255 bytes.
func checkPartName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%w: part name %q", ErrUnsafePath, name)
	case len(name) > 255:
		return fmt.Errorf("%w: part name of %d bytes", ErrUnsafePath, len(name))
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: part name %q is not UTF-8", ErrUnsafePath, name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("%w: part name %q contains a path separator", ErrUnsafePath, name)
	case strings.Contains(name, ".."):
		return fmt.Errorf("%w: part name %q contains \"..\"", ErrUnsafePath, name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: part name %q contains a control character", ErrUnsafePath, name)
		}
	}
	return nil
}

// parseManifest decodes the manifest m of a bundle whose parts occupy
// exactly payload bytes starting at offset, and checks the part list:
// plain names, the known parts each once, sizes adding up to payload.
func parseManifest(m []byte, offset, payload int64) ([]Part, error) {
	var mj manifest
	if err := strictjson.Decode(m, &mj); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrCorrupt, err)
	}
	known := map[string]bool{PartModel: false, PartMeta: false}
	parts := make([]Part, 0, len(mj.Parts))
	off, left := offset, payload
	for i, p := range mj.Parts {
		if err := checkPartName(p.Name); err != nil {
			return nil, fmt.Errorf("manifest entry %d: %w", i, err)
		}
		seen, ok := known[p.Name]
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: manifest entry %d: unknown part %q", ErrCorrupt, i, p.Name)
		case seen:
			return nil, fmt.Errorf("%w: manifest entry %d: part %q listed twice", ErrCorrupt, i, p.Name)
		case p.Size < 0 || p.Size > left:
			return nil, fmt.Errorf("%w: part %q: size %d, only %d bytes of parts left", ErrCorrupt, p.Name, p.Size, left)
		}
		sum, err := hex.DecodeString(p.SHA256)
		if err != nil || len(sum) != sha256.Size {
			return nil, fmt.Errorf("%w: part %q: sha256 %q is not 64 hex digits", ErrCorrupt, p.Name, p.SHA256)
		}
		known[p.Name] = true
		parts = append(parts, Part{Name: p.Name, Size: p.Size, SHA256: strings.ToLower(p.SHA256), Offset: off})
		off += p.Size
		left -= p.Size
	}
	for name, seen := range known {
		if !seen {
			return nil, fmt.Errorf("%w: manifest lacks part %q", ErrCorrupt, name)
		}
	}
	if left != 0 {
		return nil, fmt.Errorf("%w: parts hold %d bytes, the file %d", ErrCorrupt, payload-left, payload)
	}
	return parts, nil
}

// checkHashes compares every part's SHA-256 with the manifest's.
func checkHashes(data []byte, parts []Part) error {
	for _, p := range parts {
		s := sha256.Sum256(data[p.Offset : p.Offset+p.Size])
		if got := hex.EncodeToString(s[:]); got != p.SHA256 {
			return fmt.Errorf("%w: part %q has sha256 %s, the manifest says %s", ErrHash, p.Name, got, p.SHA256)
		}
	}
	return nil
}
