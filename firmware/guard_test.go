package firmware

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stagingDir returns the one staging directory under root's versions/.
func stagingDir(t *testing.T, root string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(root, versionsDir, stagingPre+"*"))
	if err != nil || len(m) != 1 {
		t.Fatalf("staging directories %v, %v; want one", m, err)
	}
	return m[0]
}

// TestFailedInstallRemovesStaging makes each step of staging fail (a write
// refused, a copy that does not verify, a rename refused) and checks that
// the install fails, leaves no staging directory, and changes nothing.
func TestFailedInstallRemovesStaging(t *testing.T) {
	pub, priv := testKey(1)
	paths, ids := versionBundles(t, priv, "1.0.0", "1.1.0")
	for _, tc := range []struct {
		step     string
		sabotage func(t *testing.T, root string)
	}{
		{"staging-created", func(t *testing.T, root string) {
			// The bundle file exists already: its write is refused.
			if err := os.WriteFile(filepath.Join(stagingDir(t, root), bundleFile), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"bundle-written", func(t *testing.T, root string) {
			if err := os.Mkdir(filepath.Join(stagingDir(t, root), markerFile), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"staging-synced", func(t *testing.T, root string) {
			if err := os.Truncate(filepath.Join(stagingDir(t, root), bundleFile), 100); err != nil {
				t.Fatal(err)
			}
		}},
		{"staged-verified", func(t *testing.T, root string) {
			// A non-empty directory where the version goes: the rename fails.
			if err := os.MkdirAll(filepath.Join(root, versionsDir, ids[1], "x"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.step, func(t *testing.T) {
			root := t.TempDir()
			if _, err := Install(root, paths[0], pub, InstallOptions{RuntimeVersion: "1.0.0"}); err != nil {
				t.Fatal(err)
			}
			opts := InstallOptions{RuntimeVersion: "1.0.0", step: func(name string) {
				if name == tc.step {
					tc.sabotage(t, root)
				}
			}}
			_, err := Install(root, paths[1], pub, opts)
			if err == nil {
				t.Fatal("install succeeded")
			}
			t.Log(err)
			if l := leftovers(t, root); len(l) > 0 {
				t.Errorf("leftovers %v", l)
			}
			if cur, _ := links(t, root, pub); cur != ids[0] {
				t.Errorf("current %s, want %s", cur, ids[0])
			}
		})
	}
}

// TestBrokenCurrentNeedsForce points current at a version that is gone and
// at a foreign directory: Current, and Install without Force, report the
// link and its target.
func TestBrokenCurrentNeedsForce(t *testing.T) {
	pub, priv := testKey(1)
	paths, ids := versionBundles(t, priv, "0.9.0", "1.1.0")
	for _, target := range []string{filepath.Join(versionsDir, strings.Repeat("0", len(ids[0]))), "/etc", "elsewhere"} {
		t.Run(filepath.Base(target), func(t *testing.T) {
			root := t.TempDir()
			opts := InstallOptions{RuntimeVersion: "1.0.0"}
			if _, err := Install(root, paths[1], pub, opts); err != nil {
				t.Fatal(err)
			}
			cur := filepath.Join(root, linkCurrent)
			if err := os.Remove(cur); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, cur); err != nil {
				t.Fatal(err)
			}
			for what, err := range map[string]error{
				"Current": func() error { _, err := Current(root); return err }(),
				"Install": func() error { _, err := Install(root, paths[0], pub, opts); return err }(),
			} {
				if !errors.Is(err, ErrBrokenLink) || errors.Is(err, ErrNotInstalled) || errors.Is(err, ErrUnsafePath) ||
					!strings.Contains(err.Error(), target) {
					t.Errorf("%s: %v, want ErrBrokenLink naming %s", what, err, target)
				}
			}
			res, err := Install(root, paths[0], pub, InstallOptions{RuntimeVersion: "1.0.0", Force: true})
			if err != nil || res.ID != ids[0] || len(res.Warnings) == 0 {
				t.Fatalf("forced: %+v, %v", res, err)
			}
		})
	}
}

// TestHighestVersionGuardsDowngrades removes current, then breaks the
// current bundle: a lower version is still refused, compared with the
// highest ever installed, and a higher one raises the record.
func TestHighestVersionGuardsDowngrades(t *testing.T) {
	pub, priv := testKey(1)
	paths, ids := versionBundles(t, priv, "0.9.0", "1.1.0", "1.2.0")
	opts := InstallOptions{RuntimeVersion: "1.0.0"}
	root := t.TempDir()
	for _, p := range paths[:2] {
		if _, err := Install(root, p, pub, opts); err != nil {
			t.Fatal(err)
		}
	}
	wantRefused := func(what string) {
		t.Helper()
		_, err := Install(root, paths[0], pub, opts)
		if !errors.Is(err, ErrDowngrade) || !strings.Contains(err.Error(), "lower than the highest installed 1.1.0") {
			t.Fatalf("%s: %v, want ErrDowngrade against the highest installed 1.1.0", what, err)
		}
	}
	if err := os.Remove(filepath.Join(root, linkCurrent)); err != nil {
		t.Fatal(err)
	}
	wantRefused("current removed")
	if _, err := Install(root, paths[1], pub, opts); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(root, versionsDir, ids[1], bundleFile), 100); err != nil {
		t.Fatal(err)
	}
	wantRefused("current no longer verifies")

	// A rollback does not lower the record, but the current version is the
	// reference while it verifies.
	if _, err := Install(root, paths[2], pub, opts); err != nil {
		t.Fatal(err)
	}
	h, ok, err := readHighest(root)
	if err != nil || !ok || h.ModelVersion != "1.2.0" || h.BundleID != ids[2] {
		t.Fatalf("record %+v, %v, %v; want 1.2.0 from %s", h, ok, err, ids[2])
	}
	if _, err := Install(root, paths[0], pub, InstallOptions{RuntimeVersion: "1.0.0", Force: true}); err != nil {
		t.Fatal(err)
	}
	if h, _, _ := readHighest(root); h.ModelVersion != "1.2.0" {
		t.Fatalf("a forced downgrade lowered the record to %s", h.ModelVersion)
	}

	// A damaged record needs Force, which rewrites it.
	if err := os.WriteFile(filepath.Join(root, highestFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Install(root, paths[2], pub, opts); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged record: %v, want ErrCorrupt", err)
	}
	if _, err := Install(root, paths[2], pub, InstallOptions{RuntimeVersion: "1.0.0", Force: true}); err != nil {
		t.Fatal(err)
	}
	if h, _, err := readHighest(root); err != nil || h.ModelVersion != "1.2.0" {
		t.Fatalf("rewritten record %+v, %v", h, err)
	}
}
