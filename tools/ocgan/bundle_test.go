package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trainTiny trains a 1-epoch model on two classes of synthetic shapes and
// returns it with the image folder root.
func trainTiny(t *testing.T) (model, root string) {
	t.Helper()
	root = t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 6)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 6)
	model = filepath.Join(t.TempDir(), "m.ocgan")
	if code, out, stderr := runCLI(t, "train", "--dataset", "folder", "--data", root, "--class", "0", "--protocol", "1",
		"--epochs", "1", "--batch", "4", "--out", model); code != exitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, stderr)
	}
	return model, root
}

// scoreJSON runs ocgan score --json and returns the scores and verdicts.
func scoreJSON(t *testing.T, args ...string) ([]float64, []string) {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"score", "--json"}, args...)...)
	if code != exitOK {
		t.Fatalf("score %v: exit %d\n%s", args, code, stderr)
	}
	var scores []float64
	var verdicts []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			Score   float64
			Verdict string
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("score line %q: %v", line, err)
		}
		scores, verdicts = append(scores, r.Score), append(verdicts, r.Verdict)
	}
	return scores, verdicts
}

// TestBundleCommands: keygen, build (fp32, fp16), verify, inspect, install,
// status, score from a bundle and from an install root, rollback, and the
// refusals: a flipped byte, another key, no key, a downgrade.
func TestBundleCommands(t *testing.T) {
	pinSGEMM(t) // scores are compared bit for bit across runs
	model, root := trainTiny(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "fleet")
	other := filepath.Join(dir, "other")
	for _, k := range []string{key, other} {
		if code, out, stderr := runCLI(t, "bundle", "keygen", "--out", k); code != exitOK || !strings.Contains(out, "key id") {
			t.Fatalf("keygen: exit %d\n%s%s", code, out, stderr)
		}
	}
	if st, err := os.Stat(key + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v %v", st, err)
	}
	b1 := filepath.Join(dir, "v1.bundle")
	b2 := filepath.Join(dir, "v2.bundle")
	b16 := filepath.Join(dir, "v1-fp16.bundle")
	for _, c := range []struct {
		out, version string
		fp16         bool
	}{{b1, "1.0.0", false}, {b2, "1.1.0+tiny", false}, {b16, "1.0.0", true}} {
		args := []string{"bundle", "build", "--model", model, "--key", key + ".key", "--version", c.version, "--out", c.out}
		if c.fp16 {
			args = append(args, "--fp16")
		}
		if code, out, stderr := runCLI(t, args...); code != exitOK || !strings.Contains(out, "wrote") {
			t.Fatalf("bundle build %s: exit %d\n%s%s", c.version, code, out, stderr)
		}
	}
	st32, _ := os.Stat(b1)
	st16, _ := os.Stat(b16)
	if st16.Size() >= st32.Size() {
		t.Errorf("fp16 bundle %d bytes, fp32 %d", st16.Size(), st32.Size())
	}
	if code, out, stderr := runCLI(t, "bundle", "verify", "--key", key+".pub", b1); code != exitOK || !strings.Contains(out, "OK") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, _ := runCLI(t, "bundle", "inspect", b1); code != exitOK || !strings.Contains(out, "UNVERIFIED") {
		t.Errorf("inspect without a key: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "bundle", "inspect", "--key", key+".pub", b1); code != exitOK || strings.Contains(out, "UNVERIFIED") {
		t.Errorf("inspect with the key: exit %d\n%s", code, out)
	}

	// The bundle scores exactly as the checkpoint (fp32), and fp16 closely.
	imgs := []string{filepath.Join(root, "0-bar"), filepath.Join(root, "1-disc")}
	want, wantV := scoreJSON(t, append([]string{"--model", model}, imgs...)...)
	got, gotV := scoreJSON(t, append([]string{"--model", b1, "--key", key + ".pub"}, imgs...)...)
	half, _ := scoreJSON(t, append([]string{"--model", b16, "--key", key + ".pub"}, imgs...)...)
	for i := range want {
		if got[i] != want[i] || gotV[i] != wantV[i] {
			t.Errorf("image %d: bundle %v %s, checkpoint %v %s", i, got[i], gotV[i], want[i], wantV[i])
		}
		if d := half[i] - want[i]; d > 2e-3*want[i] || d < -2e-3*want[i] {
			t.Errorf("image %d: fp16 bundle %v, fp32 %v", i, half[i], want[i])
		}
	}

	// Install v1 then v2; score from the root; roll back; refuse a downgrade.
	inst := filepath.Join(dir, "root")
	t.Setenv(keyEnv, key+".pub")
	for _, b := range []string{b1, b2} {
		if code, out, stderr := runCLI(t, "bundle", "install", "--root", inst, b); code != exitOK || !strings.Contains(out, "installed") {
			t.Fatalf("install %s: exit %d\n%s%s", b, code, out, stderr)
		}
	}
	if code, out, _ := runCLI(t, "bundle", "status", "--root", inst); code != exitOK || !strings.Contains(out, "1.1.0+tiny") || !strings.Contains(out, "1.0.0") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	fromRoot, _ := scoreJSON(t, append([]string{"--model", inst}, imgs...)...)
	if fromRoot[0] != want[0] {
		t.Errorf("score from the install root %v, checkpoint %v", fromRoot[0], want[0])
	}
	if code, out, stderr := runCLI(t, "bundle", "rollback", "--root", inst); code != exitOK || !strings.Contains(out, "rolled back") {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, _ := runCLI(t, "bundle", "status", "--root", inst); code != exitOK || !strings.Contains(strings.SplitN(out, "\n", 3)[1], "1.0.0") {
		t.Errorf("status after rollback: current should be 1.0.0\n%s", out)
	}
	if code, out, stderr := runCLI(t, "bundle", "install", "--root", inst, b2); code != exitOK {
		t.Fatalf("reinstall v2: exit %d\n%s%s", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, "bundle", "install", "--root", inst, b1); code != exitRuntime || !strings.Contains(stderr, "downgrade") && !strings.Contains(stderr, "lower") {
		t.Errorf("downgrade: exit %d\n%s", code, stderr)
	}

	// Refusals.
	bad := filepath.Join(dir, "bad.bundle")
	data, _ := os.ReadFile(b1)
	data[len(data)/3] ^= 0x10
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(keyEnv, "")
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"bundle", "verify", "--key", key + ".pub", bad}, exitRuntime, "bad.bundle"},
		{[]string{"bundle", "verify", "--key", other + ".pub", b1}, exitRuntime, "signed by key"},
		{[]string{"score", "--model", bad, "--key", key + ".pub", imgs[0]}, exitRuntime, "bad.bundle"},
		{[]string{"score", "--model", b1, imgs[0]}, exitUsage, "--key"},
		{[]string{"bundle", "install", "--root", inst, "--key", key + ".pub", bad}, exitRuntime, "bad.bundle"},
		{[]string{"bundle", "build", "--model", model, "--key", key + ".key", "--out", filepath.Join(dir, "x")}, exitUsage, "--version"},
		{[]string{"bundle", "build", "--model", model, "--key", key + ".pub", "--version", "1.0.0", "--out", filepath.Join(dir, "x")}, exitRuntime, "fleet.pub"},
		{[]string{"bundle", "build", "--model", model, "--key", key + ".key", "--version", "one", "--out", filepath.Join(dir, "x")}, exitRuntime, "one"},
	} {
		code, out, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(out+stderr, c.msg) {
			t.Errorf("ocgan %v: exit %d, want %d with %q\n%s%s", c.args, code, c.code, c.msg, out, stderr)
		}
	}
}
