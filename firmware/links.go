package firmware

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The names in an install root.
const (
	linkCurrent  = "current"
	linkPrevious = "previous"
	versionsDir  = "versions"
	bundleFile   = "bundle.ocgan"
	markerFile   = "installed.json"
	lockFile     = ".lock"
	tmpLinkPre   = ".tmp-link-"
	stagingPre   = ".staging-"
)

// switchLink points root/name at versions/id atomically: it makes a
// symlink under a temporary name, renames it over root/name and syncs
// root. step is called after each of the three.
func switchLink(root, name, id string, step func(string)) error {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := filepath.Join(root, tmpLinkPre+name+"-"+hex.EncodeToString(rnd[:]))
	if err := os.Symlink(filepath.Join(versionsDir, id), tmp); err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	step(name + "-link-created")
	if err := os.Rename(tmp, filepath.Join(root, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("switch %s to %s: %w", name, id, err)
	}
	step(name + "-switched")
	if err := syncDir(root); err != nil {
		return fmt.Errorf("switch %s to %s: %w", name, id, err)
	}
	step(name + "-synced")
	return nil
}

// readLink returns the id root/name points to, an error wrapping
// ErrNotInstalled if there is no such link, and one wrapping ErrBrokenLink,
// naming the target, if it is not a symbolic link of the form
// versions/<id> to a directory.
func readLink(root, name string) (string, error) {
	p := filepath.Join(root, name)
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s does not exist", ErrNotInstalled, p)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	if st.Mode()&fs.ModeSymlink == 0 {
		return "", fmt.Errorf("%w: %s is a %v, not a symbolic link", ErrBrokenLink, p, st.Mode().Type())
	}
	target, err := os.Readlink(p)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	id, ok := strings.CutPrefix(filepath.ToSlash(target), versionsDir+"/")
	if !ok || !validID(id) {
		return "", fmt.Errorf("%w: %s points to %q, not to %s/<bundle id>", ErrBrokenLink, p, target, versionsDir)
	}
	st, err = os.Stat(filepath.Join(root, versionsDir, id))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%w: %s points to %s, which does not exist", ErrBrokenLink, p, target)
	case err != nil:
		return "", fmt.Errorf("%s points to %s: %w", p, target, err)
	case !st.IsDir():
		return "", fmt.Errorf("%w: %s points to %s, which is not a directory", ErrBrokenLink, p, target)
	}
	return id, nil
}

// syncDir makes the entries of dir (creations, renames, removals)
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
