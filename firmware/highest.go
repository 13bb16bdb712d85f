package firmware

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// highestFile is the record of the highest versions ever installed under an
// install root, written atomically before current switches to a new
// version. It only grows, so it guards against downgrades when current is
// gone, broken or no longer verifies.
const highestFile = "highest.json"

// maxHighestFile bounds the record's size.
const maxHighestFile = 4 << 10

// highest is the content of highestFile: the highest format version and
// model version installed, and the bundle that brought the model version.
type highest struct {
	FormatVersion uint32 `json:"format_version"`
	ModelVersion  string `json:"model_version"`
	BundleID      string `json:"bundle_id"`
}

// meta returns the record as the Meta checkDowngrade compares with.
func (h highest) meta() Meta {
	return Meta{FormatVersion: h.FormatVersion, ModelVersion: h.ModelVersion, BundleID: h.BundleID}
}

// readHighest returns root's record; ok is false when there is none. A
// record that cannot be read or parsed is an error wrapping ErrCorrupt.
func readHighest(root string) (h highest, ok bool, err error) {
	p := filepath.Join(root, highestFile)
	data, err := boundedfile.Read(p, maxHighestFile)
	if errors.Is(err, fs.ErrNotExist) {
		return highest{}, false, nil
	}
	if err != nil {
		return highest{}, false, fmt.Errorf("%w: highest-version record: %w", ErrCorrupt, err)
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return highest{}, false, fmt.Errorf("%w: highest-version record %s: %v", ErrCorrupt, p, err)
	}
	if _, err := parseSemver(h.ModelVersion); err != nil {
		return highest{}, false, fmt.Errorf("%w: highest-version record %s: model version: %v", ErrCorrupt, p, err)
	}
	return h, true, nil
}

// raise returns h raised to cover m: the higher format version, and the
// higher model version with its bundle.
func (h highest) raise(m Meta) highest {
	h.FormatVersion = max(h.FormatVersion, m.FormatVersion)
	if c, err := CompareVersions(m.ModelVersion, h.ModelVersion); h.ModelVersion == "" || (err == nil && c > 0) {
		h.ModelVersion, h.BundleID = m.ModelVersion, m.BundleID
	}
	return h
}

// writeHighest writes h as root's record, atomically.
func writeHighest(root string, h highest) error {
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(root, highestFile), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("record the highest version: %w", err)
	}
	return nil
}
