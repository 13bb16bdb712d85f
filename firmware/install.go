package firmware

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DefaultKeep is the number of old versions Install keeps besides current
// and previous.
const DefaultKeep = 3

// InstallOptions control Install.
type InstallOptions struct {
	// Force installs a bundle that lowers the model or format version.
	Force bool
	// RuntimeVersion is the installing runtime's semantic version
	// (required); a bundle needing a newer one is refused.
	RuntimeVersion string
	// Keep is the number of old versions kept besides current and
	// previous; 0 means DefaultKeep, negative keeps none.
	Keep int

	// step, if set, is called after each step of the install, by name
	// (installSteps); the crash test kills the process there.
	step func(name string)
}

// installSteps are the steps of an install of a new bundle, in order.
var installSteps = []string{
	"cleaned", "staging-created", "bundle-written", "bundle-synced", "marker-written",
	"staging-synced", "staged-verified", "renamed", "versions-synced",
	"previous-link-created", "previous-switched", "previous-synced",
	"current-link-created", "current-switched", "current-synced", "pruned",
}

// InstallResult says what Install did.
type InstallResult struct {
	// ID is the installed bundle's id, now current.
	ID string
	// Previous is the id previous now points to ("" if none).
	Previous string
	// NoOp is true when the bundle already was current.
	NoOp bool
	// Warnings are problems that did not stop the install: a current
	// version that no longer verified, a failed pruning.
	Warnings []string
}

// Install verifies the bundle at bundlePath with pub and makes it the
// current version under root (see the package documentation for the
// layout and the crash guarantees). It refuses a bundle that needs a newer
// runtime than opts.RuntimeVersion (ErrRuntime) or that lowers the current
// model version or format version unless opts.Force (ErrDowngrade); when
// current is missing, broken or no longer verifies, the versions compared
// with are the highest ever installed under root (recorded in
// highest.json). A current link that dangles or points elsewhere than an
// installed version (ErrBrokenLink) is replaced only with opts.Force. A
// failed install leaves no staging directory behind. Installing the
// current bundle again changes nothing.
func Install(root, bundlePath string, pub ed25519.PublicKey, opts InstallOptions) (InstallResult, error) {
	res, err := install(root, bundlePath, pub, opts)
	if err != nil {
		return res, fmt.Errorf("firmware: install %s into %s: %w", bundlePath, root, err)
	}
	return res, nil
}

func install(root, bundlePath string, pub ed25519.PublicKey, opts InstallOptions) (InstallResult, error) {
	var res InstallResult
	step := opts.step
	if step == nil {
		step = func(string) {}
	}
	if opts.Keep == 0 {
		opts.Keep = DefaultKeep
	}
	if _, err := parseSemver(opts.RuntimeVersion); err != nil {
		return res, fmt.Errorf("runtime version: %v", err)
	}
	vdir := filepath.Join(root, versionsDir)
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return res, err
	}
	unlock, err := lockAndClean(root)
	if err != nil {
		return res, err
	}
	defer unlock()
	step("cleaned")

	data, err := readBundleFile(bundlePath, MaxBundleBytes)
	if err != nil {
		return res, err
	}
	b, err := open(data, pub, MaxBundleBytes)
	if err != nil {
		return res, err
	}
	if _, err := b.Checkpoint(); err != nil {
		return res, err
	}
	meta := b.Meta()
	if err := meta.CheckRuntime(opts.RuntimeVersion); err != nil {
		return res, err
	}
	res.ID = b.ID()

	cur, err := Current(root)
	hasCur := err == nil
	switch {
	case errors.Is(err, ErrNotInstalled):
	case err != nil && !opts.Force:
		return res, fmt.Errorf("%w (Force replaces it)", err)
	case err != nil:
		res.Warnings = append(res.Warnings, fmt.Sprintf("replaced a broken current link: %v", err))
	}
	rec, hasRec, err := readHighest(root)
	switch {
	case err != nil && !opts.Force:
		return res, fmt.Errorf("%w (Force replaces it)", err)
	case err != nil:
		res.Warnings = append(res.Warnings, fmt.Sprintf("replaced a damaged record: %v", err))
	}
	// The downgrade check compares with the current version when it
	// verifies, else with the highest version ever installed.
	checked := false
	next := rec.raise(meta)
	if hasCur {
		old, err := cur.Open(pub)
		switch {
		case err != nil:
			res.Warnings = append(res.Warnings, fmt.Sprintf("current version %s no longer verifies: %v", cur.ID, err))
		case cur.ID == b.ID():
			res.NoOp = true
			res.Previous, _ = readLink(root, linkPrevious)
			return res, nil
		default:
			next, checked = next.raise(old.Meta()), true
			if !opts.Force {
				if err := checkDowngrade("the current", old.Meta(), b); err != nil {
					return res, err
				}
			}
		}
	}
	if hasRec && !checked && !opts.Force {
		if err := checkDowngrade("the highest installed", rec.meta(), b); err != nil {
			return res, err
		}
	}

	dir := filepath.Join(vdir, b.ID())
	ok, err := reusable(dir, b.ID(), pub)
	if err != nil {
		return res, err
	}
	if !ok {
		if err := stage(vdir, dir, data, b, pub, step); err != nil {
			return res, err
		}
	}
	if err := writeHighest(root, next); err != nil {
		return res, err
	}
	step("highest-recorded")
	if hasCur && cur.ID != b.ID() {
		if err := switchLink(root, linkPrevious, cur.ID, step); err != nil {
			return res, err
		}
	}
	if err := switchLink(root, linkCurrent, b.ID(), step); err != nil {
		return res, err
	}
	res.Previous, _ = readLink(root, linkPrevious)
	if err := prune(root, max(opts.Keep, 0), res.ID, res.Previous); err != nil {
		res.Warnings = append(res.Warnings, err.Error())
	}
	step("pruned")
	return res, nil
}

// checkDowngrade refuses a bundle of a lower format or model version than
// cur, which what names ("the current").
func checkDowngrade(what string, cur Meta, b *Bundle) error {
	if b.format < cur.FormatVersion {
		return fmt.Errorf("%w: format version %d, %s bundle %s has %d (Force installs it)", ErrDowngrade, b.format, what, cur.BundleID, cur.FormatVersion)
	}
	c, err := CompareVersions(b.meta.ModelVersion, cur.ModelVersion)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrDowngrade, err)
	}
	if c < 0 {
		return fmt.Errorf("%w: model version %s is lower than %s %s (bundle %s); Force installs it", ErrDowngrade, b.meta.ModelVersion, what, cur.ModelVersion, cur.BundleID)
	}
	return nil
}

// reusable reports whether dir already holds the verified bundle id (left
// by an earlier install); a directory that does not verify is moved aside
// for cleanup.
func reusable(dir, id string, pub ed25519.PublicKey) (bool, error) {
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if _, err := (Installed{ID: id, Dir: dir}).Open(pub); err == nil {
		return true, nil
	}
	aside := filepath.Join(filepath.Dir(dir), stagingPre+"broken-"+id)
	if err := os.Rename(dir, aside); err != nil {
		return false, fmt.Errorf("move aside damaged %s: %w", dir, err)
	}
	if err := os.RemoveAll(aside); err != nil {
		return false, err
	}
	return false, syncDir(filepath.Dir(dir))
}

// stage writes data and a marker into a new staging directory under vdir,
// syncs them, verifies the written copy, and renames the directory to dir.
// On any failure the staging directory is removed.
func stage(vdir, dir string, data []byte, b *Bundle, pub ed25519.PublicKey, step func(string)) (err error) {
	stg, err := os.MkdirTemp(vdir, stagingPre)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			if rerr := os.RemoveAll(stg); rerr != nil {
				err = errors.Join(err, fmt.Errorf("remove %s: %w", stg, rerr))
			}
		}
	}()
	if err := os.Chmod(stg, 0o755); err != nil {
		return err
	}
	step("staging-created")
	if err := writeSynced(filepath.Join(stg, bundleFile), data, step, "bundle"); err != nil {
		return err
	}
	mk, err := json.MarshalIndent(marker{ID: b.ID(), ModelVersion: b.meta.ModelVersion, Installed: time.Now().UTC()}, "", "  ")
	if err != nil {
		return err
	}
	if err := writeSynced(filepath.Join(stg, markerFile), mk, func(string) {}, ""); err != nil {
		return err
	}
	step("marker-written")
	if err := syncDir(stg); err != nil {
		return err
	}
	step("staging-synced")
	if _, err := (Installed{ID: b.ID(), Dir: stg}).Open(pub); err != nil {
		return fmt.Errorf("the staged copy does not verify: %w", err)
	}
	step("staged-verified")
	if err := os.Rename(stg, dir); err != nil {
		return err
	}
	step("renamed")
	if err := syncDir(vdir); err != nil {
		return err
	}
	step("versions-synced")
	return nil
}

// writeSynced creates path with data and syncs it, calling step with
// what+"-written" and what+"-synced" in between.
func writeSynced(path string, data []byte, step func(string), what string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	step(what + "-written")
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	step(what + "-synced")
	return f.Close()
}
