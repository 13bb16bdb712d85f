package firmware

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// versionBundles writes one tiny bundle per model version into a temporary
// directory and returns their paths and ids.
func versionBundles(t testing.TB, priv ed25519.PrivateKey, versions ...string) (paths, ids []string) {
	t.Helper()
	dir := t.TempDir()
	ck := fullCheckpoint(t, tinyGeometry(t), 3)
	for i, v := range versions {
		data := mustBuild(t, testOpts(v), ck, priv)
		b, err := Open(data, priv.Public().(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, writeBundle(t, dir, "b"+string(rune('0'+i))+".ocgan", data))
		ids = append(ids, b.ID())
	}
	return paths, ids
}

// links returns the ids current and previous point to ("" for none),
// verifying each installed bundle.
func links(t testing.TB, root string, pub ed25519.PublicKey) (cur, prev string) {
	t.Helper()
	for _, l := range []struct {
		get func(string) (Installed, error)
		dst *string
	}{{Current, &cur}, {Previous, &prev}} {
		in, err := l.get(root)
		if errors.Is(err, ErrNotInstalled) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.Open(pub); err != nil {
			t.Fatalf("installed %s does not verify: %v", in.ID, err)
		}
		*l.dst = in.ID
	}
	return cur, prev
}

// leftovers lists staging directories and temporary links under root.
func leftovers(t testing.TB, root string) []string {
	t.Helper()
	var left []string
	for _, d := range []string{root, filepath.Join(root, versionsDir)} {
		ents, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), stagingPre) || strings.HasPrefix(e.Name(), tmpLinkPre) {
				left = append(left, e.Name())
			}
		}
	}
	return left
}

// TestInstallAndRollback walks through installs, a no-op reinstall,
// rollbacks, a refused and a forced downgrade, and a runtime too old,
// checking current and previous after each.
func TestInstallAndRollback(t *testing.T) {
	pub, priv := testKey(1)
	root := t.TempDir()
	paths, ids := versionBundles(t, priv, "1.0.0", "1.1.0")
	opts := InstallOptions{RuntimeVersion: "0.1.0"}
	if _, err := Current(root); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Current of an empty root: %v, want ErrNotInstalled", err)
	}
	type state struct{ cur, prev string }
	check := func(step string, want state) {
		t.Helper()
		cur, prev := links(t, root, pub)
		if (state{cur, prev}) != want {
			t.Fatalf("%s: current %q, previous %q; want %q, %q", step, cur, prev, want.cur, want.prev)
		}
		if l := leftovers(t, root); len(l) > 0 {
			t.Fatalf("%s: leftovers %v", step, l)
		}
	}
	res, err := Install(root, paths[0], pub, opts)
	if err != nil || res.ID != ids[0] || res.NoOp || res.Previous != "" {
		t.Fatalf("first install: %+v, %v", res, err)
	}
	check("first install", state{ids[0], ""})
	if _, err := Rollback(root, pub); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("rollback without previous: %v, want ErrNotInstalled", err)
	}
	if res, err = Install(root, paths[0], pub, opts); err != nil || !res.NoOp {
		t.Fatalf("reinstall: %+v, %v; want a no-op", res, err)
	}
	if res, err = Install(root, paths[1], pub, opts); err != nil || res.ID != ids[1] || res.Previous != ids[0] {
		t.Fatalf("second install: %+v, %v", res, err)
	}
	check("second install", state{ids[1], ids[0]})
	if res, err = Rollback(root, pub); err != nil || res.ID != ids[0] {
		t.Fatalf("rollback: %+v, %v", res, err)
	}
	check("rollback", state{ids[0], ids[1]})
	if _, err = Rollback(root, pub); err != nil {
		t.Fatal(err)
	}
	check("roll forward", state{ids[1], ids[0]})
	if _, err = Install(root, paths[0], pub, opts); !errors.Is(err, ErrDowngrade) || !strings.Contains(err.Error(), "1.0.0 is lower than the current 1.1.0") {
		t.Fatalf("downgrade: %v, want ErrDowngrade naming both versions", err)
	}
	check("refused downgrade", state{ids[1], ids[0]})
	if _, err = Install(root, paths[0], pub, InstallOptions{RuntimeVersion: "0.1.0", Force: true}); err != nil {
		t.Fatal(err)
	}
	check("forced downgrade", state{ids[0], ids[1]})
	for _, rt := range []string{"0.0.9", "0.1.0-dev"} {
		if _, err = Install(root, paths[1], pub, InstallOptions{RuntimeVersion: rt, Force: true}); !errors.Is(err, ErrRuntime) {
			t.Fatalf("runtime %s: %v, want ErrRuntime", rt, err)
		}
	}
	if _, err = Install(root, paths[1], pub, InstallOptions{}); err == nil {
		t.Fatal("install without a runtime version succeeded")
	}
	check("refused runtime", state{ids[0], ids[1]})

	// The layout: relative links, the bundle as given, the marker.
	if target, _ := os.Readlink(filepath.Join(root, linkCurrent)); target != filepath.Join(versionsDir, ids[0]) {
		t.Errorf("current -> %q", target)
	}
	src, _ := os.ReadFile(paths[0])
	in, _ := Current(root)
	if got, _ := os.ReadFile(in.BundlePath()); !slices.Equal(got, src) {
		t.Error("the installed bundle differs from the source")
	}
	var mk marker
	if b, err := os.ReadFile(filepath.Join(in.Dir, markerFile)); err != nil || json.Unmarshal(b, &mk) != nil || mk.ID != ids[0] || mk.ModelVersion != "1.0.0" {
		t.Errorf("marker %+v, %v", mk, err)
	}

	// A damaged installed bundle no longer opens, and rollback refuses to
	// switch to a damaged previous version.
	prev, _ := Previous(root)
	b, _ := os.ReadFile(prev.BundlePath())
	b[len(b)/2] ^= 1
	if err := os.WriteFile(prev.BundlePath(), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := prev.Open(pub); !errors.Is(err, ErrSignature) {
		t.Errorf("damaged installed bundle: %v, want ErrSignature", err)
	}
	if _, err := Rollback(root, pub); !errors.Is(err, ErrSignature) {
		t.Errorf("rollback to a damaged version: %v, want ErrSignature", err)
	}
	// Installing that bundle again replaces the damaged copy.
	if _, err := Install(root, paths[1], pub, opts); err != nil {
		t.Fatal(err)
	}
	check("repair", state{ids[1], ids[0]})
}

// TestInstallRefusesBadBundles checks that a bundle that does not verify
// changes nothing under root.
func TestInstallRefusesBadBundles(t *testing.T) {
	pub, priv := testKey(1)
	other, _ := testKey(2)
	root := t.TempDir()
	paths, ids := versionBundles(t, priv, "1.0.0", "2.0.0")
	opts := InstallOptions{RuntimeVersion: "1.0.0"}
	if _, err := Install(root, paths[0], pub, opts); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(paths[1])
	data[len(data)-100] ^= 1
	bad := writeBundle(t, t.TempDir(), "bad.ocgan", data)
	for _, c := range []struct {
		name string
		path string
		pub  ed25519.PublicKey
		want error
	}{
		{"damaged", bad, pub, ErrSignature},
		{"wrong key", paths[1], other, ErrWrongKey},
		{"missing", filepath.Join(root, "nope"), pub, os.ErrNotExist},
	} {
		if _, err := Install(root, c.path, c.pub, opts); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if cur, prev := links(t, root, pub); cur != ids[0] || prev != "" {
			t.Errorf("%s: current %q, previous %q after a refused install", c.name, cur, prev)
		}
		ents, _ := os.ReadDir(filepath.Join(root, versionsDir))
		if len(ents) != 1 {
			t.Errorf("%s: versions/ holds %d entries", c.name, len(ents))
		}
	}
}

// TestInstallPrunesAndCleans installs six versions with Keep 2 and checks
// that only current, previous and the two newest others remain, and that
// leftovers of a crash are removed.
func TestInstallPrunesAndCleans(t *testing.T) {
	pub, priv := testKey(1)
	root := t.TempDir()
	paths, ids := versionBundles(t, priv, "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5")
	for i, p := range paths {
		if i == 3 {
			// Leftovers of a crashed install.
			os.MkdirAll(filepath.Join(root, versionsDir, stagingPre+"123", "x"), 0o755)
			os.Symlink("versions/nope", filepath.Join(root, tmpLinkPre+"current-abc"))
		}
		if _, err := Install(root, p, pub, InstallOptions{RuntimeVersion: "1.0.0", Keep: 2}); err != nil {
			t.Fatal(err)
		}
	}
	ents, err := os.ReadDir(filepath.Join(root, versionsDir))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	want := []string{ids[2], ids[3], ids[4], ids[5]}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("versions/ holds %v, want %v (versions 1.0.2 to 1.0.5)", got, want)
	}
	if l := leftovers(t, root); len(l) > 0 {
		t.Errorf("leftovers %v", l)
	}
}

// TestVersion finds any installed version by id and refuses ids that are
// not bundle ids or not installed.
func TestVersion(t *testing.T) {
	pub, priv := testKey(1)
	root := t.TempDir()
	paths, ids := versionBundles(t, priv, "1.0.0", "1.1.0")
	opts := InstallOptions{RuntimeVersion: "0.1.0"}
	for _, p := range paths {
		if _, err := Install(root, p, pub, opts); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids { // previous and current
		in, err := Version(root, id)
		if err != nil || in.ID != id {
			t.Fatalf("Version(%s): %+v, %v", id, in, err)
		}
		if b, err := in.Open(pub); err != nil || b.ID() != id {
			t.Fatalf("opening version %s: %v", id, err)
		}
	}
	for _, c := range []struct {
		id   string
		want error
	}{
		{"../x", ErrUnsafePath}, {"", ErrUnsafePath}, {strings.ToUpper(ids[0]), ErrUnsafePath},
		{strings.Repeat("0", len(ids[0])), ErrNotInstalled},
	} {
		if _, err := Version(root, c.id); !errors.Is(err, c.want) {
			t.Errorf("Version(%q): %v, want %v", c.id, err, c.want)
		}
	}
}
