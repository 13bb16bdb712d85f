package firmware

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
)

// Installed is one installed version: the directory versions/<id> of an
// install root.
type Installed struct {
	// ID is the bundle id, which is also the directory's name.
	ID string
	// Dir is root/versions/<id>.
	Dir string
}

// BundlePath returns the path of the installed bundle file.
func (in Installed) BundlePath() string { return filepath.Join(in.Dir, bundleFile) }

// Open reads and verifies the installed bundle again (signature, hashes,
// and that its id is the directory's name).
func (in Installed) Open(pub ed25519.PublicKey) (*Bundle, error) {
	b, err := OpenFile(in.BundlePath(), pub)
	if err != nil {
		return nil, err
	}
	if b.ID() != in.ID {
		return nil, fmt.Errorf("firmware: bundle %s: %w: its id is %s, the directory's %s", in.BundlePath(), ErrCorrupt, b.ID(), in.ID)
	}
	return b, nil
}

// Current returns the version root/current points to. A server polls it
// and reloads when the ID changes. With no current version the error
// wraps ErrNotInstalled.
func Current(root string) (Installed, error) {
	return installed(root, linkCurrent)
}

// Previous returns the version root/previous points to, the one Rollback
// would make current.
func Previous(root string) (Installed, error) {
	return installed(root, linkPrevious)
}

// Version returns the installed version id of root (any, not only current
// or previous), e.g. the id a server saw in Current a moment ago, which stays
// valid even if current has moved on since. An id that is not a bundle id
// wraps ErrUnsafePath; one not installed, ErrNotInstalled.
func Version(root, id string) (Installed, error) {
	if !validID(id) {
		return Installed{}, fmt.Errorf("firmware: %w: %q is not a bundle id", ErrUnsafePath, id)
	}
	dir := filepath.Join(root, versionsDir, id)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return Installed{}, fmt.Errorf("firmware: %w: no version %s under %s", ErrNotInstalled, id, root)
	}
	return Installed{ID: id, Dir: dir}, nil
}

func installed(root, link string) (Installed, error) {
	id, err := readLink(root, link)
	if err != nil {
		return Installed{}, fmt.Errorf("firmware: %w", err)
	}
	return Installed{ID: id, Dir: filepath.Join(root, versionsDir, id)}, nil
}
