package firmware

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// maxMarkerFile bounds the size of installed.json read back.
const maxMarkerFile = 64 << 10

// marker is installed.json, written into a version directory before it
// is renamed into place.
type marker struct {
	ID           string    `json:"id"`
	ModelVersion string    `json:"model_version"`
	Installed    time.Time `json:"installed"`
}

// lockAndClean takes the install lock on root and removes what an
// interrupted install or rollback left behind; the caller runs unlock when
// done.
func lockAndClean(root string) (unlock func(), err error) {
	unlock, err = lockRoot(root)
	if err != nil {
		return nil, err
	}
	if err := cleanup(root); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// cleanup removes what an interrupted install or rollback leaves: staging
// directories under versions/, temporary symlinks in root and temporary
// files of the highest-version record.
func cleanup(root string) error {
	if _, err := atomicfile.RemoveStale(filepath.Join(root, highestFile)); err != nil {
		return fmt.Errorf("clean up: %w", err)
	}
	vdir := filepath.Join(root, versionsDir)
	for _, d := range []struct{ dir, prefix string }{{vdir, stagingPre}, {root, tmpLinkPre}} {
		ents, err := os.ReadDir(d.dir)
		if err != nil {
			return fmt.Errorf("clean up %s: %w", d.dir, err)
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), d.prefix) {
				if err := os.RemoveAll(filepath.Join(d.dir, e.Name())); err != nil {
					return fmt.Errorf("clean up: %w", err)
				}
			}
		}
		if err := syncDir(d.dir); err != nil {
			return fmt.Errorf("clean up: %w", err)
		}
	}
	return nil
}

// prune removes all but the keep most recently installed versions besides
// those in protect (current and previous).
func prune(root string, keep int, protect ...string) error {
	vdir := filepath.Join(root, versionsDir)
	ents, err := os.ReadDir(vdir)
	if err != nil {
		return fmt.Errorf("prune %s: %w", vdir, err)
	}
	type version struct {
		id string
		at time.Time
	}
	var old []version
	for _, e := range ents {
		if !e.IsDir() || !validID(e.Name()) || slices.Contains(protect, e.Name()) {
			continue
		}
		v := version{id: e.Name()}
		if b, err := boundedfile.Read(filepath.Join(vdir, e.Name(), markerFile), maxMarkerFile); err == nil {
			var m marker
			if json.Unmarshal(b, &m) == nil {
				v.at = m.Installed
			}
		}
		old = append(old, v)
	}
	if len(old) <= keep {
		return nil
	}
	slices.SortFunc(old, func(a, b version) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	for _, v := range old[keep:] {
		// Rename first, so a crash leaves a staging directory that the
		// next install removes, never a partial version.
		if err := os.Rename(filepath.Join(vdir, v.id), filepath.Join(vdir, stagingPre+"old-"+v.id)); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		if err := os.RemoveAll(filepath.Join(vdir, stagingPre+"old-"+v.id)); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
	}
	return syncDir(vdir)
}
