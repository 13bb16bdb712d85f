package main

import (
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// menderRequireEnv, set to 1, runs TestMenderModule (`make mender-test`,
// which installs mender-client and mender-artifact; CI runs it): it needs
// root and the two tools, and takes a minute, so `go test ./...` skips it.
const menderRequireEnv = "OCGAN_MENDER_TEST"

// menderCLIEnv marks a run of the test binary as the ocgan CLI that the
// update module calls (see ocganWrapper).
const menderCLIEnv = "OCGAN_TEST_MENDER_CLI"

// ocganWrapper writes an executable dir/ocgan that runs this test binary
// as the ocgan CLI, with its arguments.
func ocganWrapper(t *testing.T, dir string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ocgan")
	script := "#!/bin/sh\n" + menderCLIEnv + "=1 exec '" + exe + "' -test.run='^TestMenderModule$' -- \"$@\"\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// menderModulesDir is where the Mender client (3.x) looks for update
// modules, and menderEtcDir where it reads artifact_info (the name of the
// factory artifact); both are fixed at build time.
const (
	menderModulesDir = "/usr/share/mender/modules/v3"
	menderEtcDir     = "/etc/mender"
)

// menderDevice is a Mender client in standalone mode with its own
// configuration, data directory and modules directory (the last and its
// configuration directory bind-mounted over menderModulesDir and
// menderEtcDir in a private mount namespace), so that nothing of the
// machine's /etc/mender, /var/lib/mender or modules is read or written.
type menderDevice struct {
	t                       *testing.T
	conf, data, etc, moddir string
	env                     []string
}

func newMenderDevice(t *testing.T, deviceType, ocganConf string) *menderDevice {
	t.Helper()
	d := &menderDevice{t: t, data: t.TempDir(), etc: t.TempDir(), moddir: t.TempDir()}
	module, err := os.ReadFile(filepath.Join("..", "..", "firmware", "mender", "ocgan-bundle"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.moddir, "ocgan-bundle"), module, 0o755); err != nil {
		t.Fatal(err)
	}
	conf, err := json.Marshal(map[string]any{
		"ModulesPath":      d.moddir,
		"ModulesWorkPath":  filepath.Join(d.data, "modules", "v3"),
		"DeviceTypeFile":   filepath.Join(d.data, "device_type"),
		"ArtifactInfoFile": filepath.Join(d.data, "artifact_info"),
	})
	if err != nil {
		t.Fatal(err)
	}
	d.conf = filepath.Join(d.etc, "mender.conf")
	for name, text := range map[string]string{
		d.conf:                                string(conf),
		filepath.Join(d.etc, "artifact_info"): "artifact_name=factory\n",
		filepath.Join(d.data, "device_type"):  "device_type=" + deviceType + "\n",
	} {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d.env = append(os.Environ(), "OCGAN_MENDER_CONF="+ocganConf, "OCGAN_VK_PIPELINE_CACHE="+t.TempDir())
	return d
}

// mender runs the client with args and returns its exit status and output.
func (d *menderDevice) mender(args ...string) (int, string) {
	d.t.Helper()
	all := append([]string{"--config", d.conf, "--fallback-config", filepath.Join(d.data, "none.conf"),
		"--data", d.data, "--no-syslog", "--log-level", "info"}, args...)
	cmd := exec.Command("unshare", append([]string{"--mount", "--", "sh", "-c",
		`mount --bind "$0" ` + menderModulesDir + ` && mount --bind "$1" ` + menderEtcDir + ` && shift && exec mender "$@"`,
		d.moddir, d.etc}, all...)...)
	cmd.Env = d.env
	out, err := cmd.CombinedOutput()
	return exitCode(err), string(out)
}

// TestMenderModule deploys bundles through the Mender client (standalone
// mode) and the ocgan-bundle update module: install and commit A; a bundle
// signed by another key and a corrupt one fail, Mender rolls back and A
// stays current; install and commit B; install C and roll it back with
// `mender rollback`, which makes B current again. An `ocgan serve` on the
// install root serves, after each step, the version current then.
func TestMenderModule(t *testing.T) {
	if os.Getenv(menderCLIEnv) == "1" {
		os.Exit(run(flag.Args(), os.Stdout, os.Stderr))
	}
	if os.Getenv(menderRequireEnv) != "1" {
		t.Skip("the deployment through the Mender client runs with `make mender-test` (" + menderRequireEnv + "=1; root, mender-client, mender-artifact)")
	}
	for _, tool := range []string{"mender", "mender-artifact"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatal(tool + " is not installed (Debian: apt-get install mender-client mender-artifact; `make mender-test` installs them)")
		}
	}
	if out, err := exec.Command("unshare", "--mount", "--", "mount", "--bind", t.TempDir(), menderModulesDir).CombinedOutput(); err != nil {
		t.Fatal("cannot bind-mount a private modules folder over " + menderModulesDir + " (needs root and unshare): " + strings.TrimSpace(string(out)))
	}
	model, _ := trainTiny(t)
	dir := t.TempDir()
	key, other := filepath.Join(dir, "fleet"), filepath.Join(dir, "other")
	for _, k := range []string{key, other} {
		if code, out, stderr := runCLI(t, "bundle", "keygen", "--out", k); code != exitOK {
			t.Fatalf("keygen: exit %d\n%s%s", code, out, stderr)
		}
	}
	bundle := func(name, version, signer string) string {
		out := filepath.Join(dir, name+".bundle")
		if code, o, stderr := runCLI(t, "bundle", "build", "--model", model, "--key", signer+".key", "--version", version, "--out", out); code != exitOK {
			t.Fatalf("bundle build %s: exit %d\n%s%s", name, code, o, stderr)
		}
		return out
	}
	versions := map[string]string{"a": "1.0.0", "b": "1.1.0", "c": "1.2.0"}
	bundles := map[string]string{
		"a":       bundle("a", versions["a"], key),
		"b":       bundle("b", versions["b"], key),
		"c":       bundle("c", versions["c"], key),
		"foreign": bundle("foreign", "1.0.1", other),
		"corrupt": bundle("corrupt", "1.0.2", key),
	}
	data, err := os.ReadFile(bundles["corrupt"])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x20
	if err := os.WriteFile(bundles["corrupt"], data, 0o644); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for name, b := range bundles {
		cmd := exec.Command(filepath.Join("..", "mender-artifact.sh"), b, "ocgan-test-board")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("mender-artifact.sh %s: %v\n%s", b, err, out)
		}
		if name != "corrupt" && name != "foreign" {
			ids[name] = bundleID(t, b, key+".pub")
		}
	}
	artifact := func(name string) string { return filepath.Join(dir, name+".mender") }

	root := filepath.Join(t.TempDir(), "ocgan")
	conf := filepath.Join(t.TempDir(), "mender.conf")
	ocgan := ocganWrapper(t, t.TempDir())
	text := "# the test's device\nocgan=" + ocgan + "\nroot=" + root + "\nkey=" + key + ".pub\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	dev := newMenderDevice(t, "ocgan-test-board", conf)
	current := func() string {
		t.Helper()
		target, err := os.Readlink(filepath.Join(root, "current"))
		if err != nil {
			return ""
		}
		return filepath.Base(target)
	}
	steps := []struct {
		what       string
		args       []string
		ok         bool
		wantActive string // the bundle current afterwards
		wantOut    string // in the client's output
	}{
		{"install A", []string{"install", artifact("a")}, true, "a", "ocgan-bundle ArtifactInstall: installed"},
		{"commit A", []string{"commit"}, true, "a", ""},
		{"install a bundle signed by another key", []string{"install", artifact("foreign")}, false, "a", "signed by key"},
		{"install a corrupt bundle", []string{"install", artifact("corrupt")}, false, "a", "failed; the current version"},
		{"install B", []string{"install", artifact("b")}, true, "b", "(previous: " + ids["a"] + ")"},
		{"commit B", []string{"commit"}, true, "b", ""},
		{"install C", []string{"install", artifact("c")}, true, "c", ""},
		{"roll C back", []string{"rollback"}, true, "b", "rolled back to " + ids["b"]},
	}
	var served func(want string) string // the version `ocgan serve` reports once it is want
	for i, s := range steps {
		code, out := dev.mender(s.args...)
		if (code == 0) != s.ok {
			t.Fatalf("%s: mender %v exit %d, want success %v\n%s", s.what, s.args, code, s.ok, out)
		}
		if got := current(); got != ids[s.wantActive] {
			t.Fatalf("%s: current is %q, want %s (%s)\n%s", s.what, got, strings.ToUpper(s.wantActive), ids[s.wantActive], out)
		}
		if os.Getenv("OCGAN_MENDER_LOG") == "1" {
			t.Logf("%s:\n%s", s.what, out)
		}
		if !strings.Contains(out, s.wantOut) {
			t.Errorf("%s: output lacks %q\n%s", s.what, s.wantOut, out)
		}
		if i == 1 {
			// From here on, a running `ocgan serve` follows every deployment.
			served = serveInstallRoot(t, ocgan, root, key+".pub")
		}
		if served != nil {
			if got, want := served(versions[s.wantActive]), versions[s.wantActive]; got != want {
				t.Errorf("%s: ocgan serve serves model %s, want %s", s.what, got, want)
			}
		}
	}
	code, out := dev.mender("show-artifact")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || lines[len(lines)-1] != "b" {
		t.Errorf("show-artifact: exit %d, want the artifact name b last\n%s", code, out)
	}
}

// serveInstallRoot runs `ocgan serve` (the executable ocgan) on an install
// root and returns a function that waits, up to 30 s, until /healthz
// reports the model version want, and returns the version it reports.
func serveInstallRoot(t *testing.T, ocgan, root, pub string) func(want string) string {
	t.Helper()
	cmd := exec.Command(ocgan, "serve", "--model", root, "--key", pub, "--addr", "127.0.0.1:0", "--poll", "50ms")
	cmd.Env = append(os.Environ(), "OCGAN_VK_PIPELINE_CACHE="+t.TempDir())
	base, serverLog := startServe(t, cmd)
	return func(want string) string {
		t.Helper()
		var got string
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get(base + "/healthz")
			if err != nil {
				t.Fatalf("GET /healthz: %v\n%s", err, serverLog())
			}
			var h struct {
				ModelVersion string `json:"model_version"`
			}
			err = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("GET /healthz: %v", err)
			}
			if got = h.ModelVersion; got == want {
				break
			}
		}
		return got
	}
}

// bundleID returns the id of a bundle verified with pub.
func bundleID(t *testing.T, bundle, pub string) string {
	t.Helper()
	code, out, stderr := runCLI(t, "bundle", "verify", "--key", pub, bundle)
	if code != exitOK {
		t.Fatalf("verify %s: exit %d\n%s", bundle, code, stderr)
	}
	// "PATH: OK: bundle ID, model ..."
	_, rest, _ := strings.Cut(out, "OK: bundle ")
	id, _, _ := strings.Cut(rest, ",")
	return id
}

// TestMenderModuleQueries runs the update module directly: its answers to
// the client's queries, unknown states, and the refusals of a bad
// configuration, with the file and line named.
func TestMenderModuleQueries(t *testing.T) {
	module := filepath.Join("..", "..", "firmware", "mender", "ocgan-bundle")
	dir := t.TempDir()
	files := filepath.Join(dir, "files")
	if err := os.MkdirAll(filepath.Join(files, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(dir, "fleet.pub")
	if err := os.WriteFile(pub, []byte("key"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := ocganWrapper(t, dir)
	example, err := os.ReadFile(filepath.Join("..", "..", "firmware", "mender", "mender.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, conf, state string
		code              int
		want              string
	}{
		{"reboot query", "", "NeedsArtifactReboot", 0, "No\n"},
		{"rollback query", "", "SupportsRollback", 0, "Yes\n"},
		{"unknown state", "", "ArtifactVerifyReboot_Future", 0, ""},
		{"download left to the client", "", "Download", 0, ""},
		{"no state", "", "", 1, "usage: ocgan-bundle STATE FILES"},
		{"unknown key", "ocgan=" + exe + "\nkey=" + pub + "\nroots=/x\n", "ArtifactInstall", 1, "mender.conf:3: unknown key 'roots'"},
		{"not KEY=VALUE", "# c\n\nroot\n", "ArtifactInstall", 1, "mender.conf:3: want KEY=VALUE"},
		{"empty value", "root=\n", "ArtifactCommit", 1, "mender.conf:1: root has an empty value"},
		{"missing binary", "ocgan=" + filepath.Join(dir, "nope") + "\nkey=" + pub + "\n", "ArtifactInstall", 1, "nope is not an executable file"},
		{"missing key", "ocgan=" + exe + "\nkey=" + filepath.Join(dir, "none.pub") + "\n", "ArtifactInstall", 1, "none.pub does not exist"},
		{"no payload", "ocgan=" + exe + "\nkey=" + pub + "\nroot=" + filepath.Join(dir, "root") + "\n", "ArtifactInstall", 1, "exactly one bundle file, found 0"},
		{"the example configuration", string(example), "ArtifactCommit", 0, ""},
		{"rollback of nothing", "root=" + filepath.Join(dir, "root") + "\n", "ArtifactRollback", 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf := filepath.Join(t.TempDir(), "mender.conf")
			if err := os.WriteFile(conf, []byte(c.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(module, c.state, files)
			cmd.Env = append(os.Environ(), "OCGAN_MENDER_CONF="+conf)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			code := exitCode(cmd.Run())
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.code, stdout.String(), stderr.String())
			}
			if got := stdout.String(); c.code == 0 && got != c.want {
				t.Errorf("stdout %q, want %q", got, c.want)
			}
			if c.code != 0 && !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), c.want)
			}
		})
	}
}
