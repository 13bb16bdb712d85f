package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/cpu/blas"
)

// runCLI runs the command in-process with validation on and returns its streams.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("OCGAN_VK_VALIDATE", "1")
	t.Setenv("OCGAN_VK_PIPELINE_CACHE", t.TempDir())
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// pinSGEMM makes the native CPU backend use oneDNN's SGEMM for the rest of
// the test: scores compared bit for bit across device opens hold on one
// library, and the backend's timed pick could differ between opens on a
// busy machine.
func pinSGEMM(t *testing.T) {
	t.Helper()
	t.Setenv(blas.EnvVar, "dnnl")
}

func TestDevicesJSONNamesLlvmpipe(t *testing.T) {
	code, out, stderr := runCLI(t, "devices", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep devicesReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("devices --json is not JSON: %v\n%s", err, out)
	}
	if rep.Loader == "" || rep.Selected < 0 || rep.Selected >= len(rep.Devices) {
		t.Fatalf("bad report header: loader %q selected %d of %d", rep.Loader, rep.Selected, len(rep.Devices))
	}
	found, cpu := false, false
	for _, d := range rep.Devices {
		if d.Backend == "vulkan" && strings.Contains(d.Name, "llvmpipe") && d.Vulkan != nil && d.Vulkan.Type == "cpu" && d.Vulkan.Subgroup.Size > 0 {
			found = true
		}
		if d.Backend == "cpu" && d.Available && d.CPU != nil && d.CPU.BLAS != "" && d.CPU.Threads > 0 {
			cpu = true
		}
	}
	if !found || !cpu {
		t.Fatalf("llvmpipe (%v) or the native CPU (%v) not listed:\n%s", found, cpu, out)
	}
	if strings.Contains(stderr, "validation") {
		t.Fatalf("validation messages: %s", stderr)
	}
}

func TestDevicesTable(t *testing.T) {
	code, out, stderr := runCLI(t, "devices", "--device", "llvmpipe")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"llvmpipe", "subgroup", "fp16 arithmetic", "unified", "* "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestDevicesShowSubgroupMask lists the devices under $OCGAN_VK_SUBGROUP_OPS: the
// table shows the classes ocgan uses and those the device reports; a bad value
// is an error naming the variable.
func TestDevicesShowSubgroupMask(t *testing.T) {
	tests := []struct {
		mask string
		code int
		want string
	}{
		{"basic", exitOK, "lanes (basic) [OCGAN_VK_SUBGROUP_OPS; the device reports basic, vote"},
		{"-ballot", exitOK, "arithmetic, shuffle"},
		{"basic,balot", exitRuntime, `OCGAN_VK_SUBGROUP_OPS: unknown subgroup operation class "balot"`},
	}
	for _, tc := range tests {
		t.Setenv("OCGAN_VK_SUBGROUP_OPS", tc.mask)
		code, out, stderr := runCLI(t, "devices", "--device", "llvmpipe")
		if code != tc.code || !strings.Contains(out+stderr, tc.want) {
			t.Errorf("mask %q: exit %d, want %d and %q in:\n%s%s", tc.mask, code, tc.code, tc.want, out, stderr)
		}
		for _, line := range strings.Split(out, "\n") {
			used, _, _ := strings.Cut(line, "[")
			if tc.mask == "-ballot" && strings.Contains(line, "lanes (") && strings.Contains(used, "ballot") {
				t.Errorf("mask -ballot: ballot still listed as used: %s", line)
			}
		}
	}
}

func TestSelftestPasses(t *testing.T) {
	for _, dev := range []string{"cpu", "llvmpipe"} {
		code, out, stderr := runCLI(t, "selftest", "--device", dev, "--n", "4099", "--steps", "37")
		if code != exitOK || !strings.Contains(out, "selftest OK") {
			t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", dev, code, out, stderr)
		}
		if !strings.Contains(out, "75 dependent nodes") {
			t.Errorf("%s: unexpected node count:\n%s", dev, out)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"ocgan " + version, "go: go1", "commit:", "vulkan loader: libvulkan.so.1", "llvmpipe"} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, exitUsage, "Usage"},
		{[]string{"help"}, exitOK, "Usage"},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{[]string{"devices", "--no-such-flag"}, exitUsage, "unknown flag"},
		{[]string{"devices", "extra"}, exitUsage, "unexpected argument"},
		{[]string{"selftest", "--n", "0"}, exitUsage, "--n 0: want 1 to"},
		{[]string{"selftest", "--n", "1000000000"}, exitUsage, "--n 1000000000: want 1 to"},
		{[]string{"selftest", "--steps", "0"}, exitUsage, "--steps 0: want 1 to"},
		{[]string{"bundle", "install", "--root", os.TempDir(), "--keep", "-3", "missing.bundle"}, exitUsage, "--keep -3: want 0 to"},
		{[]string{"devices", "--device", "no-such-gpu"}, exitRuntime, "no device matches"},
		{[]string{"selftest", "--device", "42"}, exitRuntime, "out of range"},
	}
	for _, tc := range tests {
		code, out, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(out+stderr, tc.msg) {
			t.Errorf("ocgan %v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tc.args, code, tc.code, tc.msg, out, stderr)
		}
	}
}

// TestMissingLoaderOrDriver runs the command in a child process (one process keeps
// the first loader it opened) with the loader or the drivers made unfindable:
// asking for a Vulkan device fails and says what to install, while the native CPU
// backend stays available.
func TestMissingLoaderOrDriver(t *testing.T) {
	if os.Getenv("OCGAN_TEST_CHILD") == "1" {
		if os.Getenv("OCGAN_TEST_CPU") == "1" {
			os.Exit(run([]string{"selftest", "--n", "100"}, os.Stdout, os.Stderr))
		}
		os.Exit(run([]string{"devices", "--device", "llvmpipe"}, os.Stdout, os.Stderr))
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env  string
		want []string
	}{
		{"OCGAN_VK_LOADER=libvulkan-not-installed.so.1",
			[]string{"vulkan loader not found", "libvulkan-not-installed.so.1", "libvulkan1", "mesa-vulkan-drivers"}},
		{"VK_ICD_FILENAMES=/nonexistent/icd.json",
			[]string{"no Vulkan device found", "libvulkan1", "mesa-vulkan-drivers"}},
	}
	for _, tc := range tests {
		cmd := exec.Command(exe, "-test.run=^TestMissingLoaderOrDriver$")
		cmd.Env = append(os.Environ(), "OCGAN_TEST_CHILD=1", tc.env)
		out, err := cmd.CombinedOutput()
		if code := exitCode(err); code != exitRuntime {
			t.Fatalf("%s: exit %d, want %d:\n%s", tc.env, code, exitRuntime, out)
		}
		for _, want := range tc.want {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: error lacks %q:\n%s", tc.env, want, out)
			}
		}
		cmd = exec.Command(exe, "-test.run=^TestMissingLoaderOrDriver$")
		cmd.Env = append(os.Environ(), "OCGAN_TEST_CHILD=1", "OCGAN_TEST_CPU=1", tc.env)
		out, err = cmd.CombinedOutput()
		if code := exitCode(err); code != exitOK || !strings.Contains(string(out), "cpu backend") || !strings.Contains(string(out), "selftest OK") {
			t.Errorf("%s: the default device should be the native CPU: exit %d:\n%s", tc.env, code, out)
		}
	}
}

// exitCode returns a finished command's exit status (0 for nil).
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestLimitsEnv(t *testing.T) {
	t.Setenv("OCGAN_VK_LIMITS", "storage=four")
	code, out, stderr := runCLI(t, "devices")
	if code != exitUsage || !strings.Contains(stderr, "OCGAN_VK_LIMITS") || !strings.Contains(stderr, "storage") {
		t.Errorf("devices with OCGAN_VK_LIMITS=storage=four: exit %d, want %d naming the variable\nstdout: %s\nstderr: %s", code, exitUsage, out, stderr)
	}
	t.Setenv("OCGAN_VK_LIMITS", "min")
	code, out, stderr = runCLI(t, "devices", "--device", "llvmpipe")
	for _, want := range []string{"lowered by OCGAN_VK_LIMITS=min", "4 per stage", "training", "no: the limits refuse",
		"batch norm backward (batch_norm_bwd: 8 storage buffers)"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("devices with OCGAN_VK_LIMITS=min: exit %d, want %d with %q\nstdout: %s\nstderr: %s", code, exitOK, want, out, stderr)
		}
	}
}
