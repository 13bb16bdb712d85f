package firmware

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"strings"
)

// Report is what Inspect finds in a bundle.
type Report struct {
	// Verified is true only when the signature was checked with a public
	// key and verified; otherwise nothing in the report can be trusted.
	Verified bool
	// KeyID names the key the bundle says signed it.
	KeyID         string
	FormatVersion uint32
	ID            string
	Size          int64
	Parts         []Part
	Meta          Meta
}

// Inspect reports on the bundle in data. With a public key it verifies the
// bundle like Open and fails if Open would; with pub nil it checks
// everything but the signature (header, manifest, hashes, meta.json) and
// returns a report with Verified false.
func Inspect(data []byte, pub ed25519.PublicKey) (*Report, error) {
	var b *Bundle
	var err error
	if pub != nil {
		b, err = open(data, pub, MaxBundleBytes)
	} else {
		var h header
		if h, err = parseHeader(data, MaxBundleBytes); err == nil {
			b, err = parseBody(data, h)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("firmware: inspect: %w", err)
	}
	return &Report{Verified: pub != nil, KeyID: b.keyID, FormatVersion: b.format, ID: b.id,
		Size: b.size, Parts: b.Parts(), Meta: b.meta}, nil
}

// WriteTo writes the report as text for people.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var s strings.Builder
	if r.Verified {
		fmt.Fprintf(&s, "signature: VERIFIED with key %s\n", r.KeyID)
	} else {
		fmt.Fprintf(&s, "signature: UNVERIFIED (no public key given); claims key %s\n", r.KeyID)
	}
	m := r.Meta
	fmt.Fprintf(&s, "bundle:    %s (format %d, %d bytes)\n", r.ID, r.FormatVersion, r.Size)
	fmt.Fprintf(&s, "model:     %s, geometry %s, %s weights\n", m.ModelVersion, m.Geometry, m.Weights)
	fmt.Fprintf(&s, "runtime:   >= %s\n", m.MinRuntimeVersion)
	fmt.Fprintf(&s, "created:   %s\n", m.Created.Format("2006-01-02T15:04:05Z07:00"))
	fmt.Fprintf(&s, "source:    dataset %q, class %q\n", m.Source.Dataset, m.Source.Class)
	fmt.Fprintf(&s, "threshold: %g (score mean %g, std %g)\n", m.Threshold, m.Score.Mean, m.Score.Std)
	fmt.Fprintf(&s, "input:     %dx%d, %d channel(s), range [%g, %g], resize %s (%v), grayscale %s\n",
		m.Input.ImageSize, m.Input.ImageSize, m.Input.Channels, m.Input.Range[0], m.Input.Range[1], m.Input.Resize,
		m.Input.Preprocessing().Resize, m.Input.Grayscale)
	for _, p := range r.Parts {
		fmt.Fprintf(&s, "part:      %-10s %10d bytes at %8d  sha256 %s\n", p.Name, p.Size, p.Offset, p.SHA256)
	}
	n, err := io.WriteString(w, s.String())
	return int64(n), err
}
