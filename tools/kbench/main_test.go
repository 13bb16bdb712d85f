package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/kernels/cpu/blas"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/ocgan/model"
)

func runKbench(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("OCGAN_VK_PIPELINE_CACHE", t.TempDir())
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestJSONReport(t *testing.T) {
	code, out, stderr := runKbench(t, "--validate", "--batch", "2", "--warmup", "0", "--runs", "3", "--filter", "^(axpy|copy)", "--json", "--compare-ref")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(rep.Results) != 2 || rep.Batch != 2 || rep.Runs != 3 || !strings.Contains(rep.Device, "llvmpipe") || rep.Backend != "vulkan" || rep.BLAS != "" {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Results {
		if r.MinMs <= 0 || r.MinMs > r.MedianMs || r.MedianMs > r.P90Ms || r.GBs <= 0 || r.RefMs <= 0 || r.Dispatches != 1 {
			t.Errorf("implausible result %+v", r)
		}
	}
}

func TestTable(t *testing.T) {
	code, out, stderr := runKbench(t, "--batch", "1", "--runs", "1", "--filter", "fill")
	if code != 0 || !strings.Contains(out, "GFLOP/s") || !strings.Contains(out, "fill 784") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestConvCasesAndCustomShape(t *testing.T) {
	code, out, stderr := runKbench(t, "--batch", "1", "--runs", "2", "--warmup", "0", "--json", "--compare-ref",
		"--filter", "^(enc4 conv2d_fwd|dec1 convT_bwd_filter|custom)", "--conv", "1,3,9,7,5,3,3,2,1",
		"--convt", "2,5,4,3,3,5,5,2,2,1", "--dense", "3,13,7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	// enc4 fwd, dec1 bwd_filter, and the three directions of each custom shape.
	if len(rep.Results) != 11 {
		t.Fatalf("%d results, want 11: %+v", len(rep.Results), rep.Results)
	}
	for _, r := range rep.Results {
		if r.GFLOP <= 0 || r.GFLOPs <= 0 || r.RefMs <= 0 {
			t.Errorf("implausible %+v", r)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--runs", "0"},
		{"--filter", "("},
		{"--filter", "no-such-kernel"},
		{"--conv", "1,2,3"},
		{"--conv", "1,1,4,4,1,9,9,1,0"},
		{"--convt", "1,1,4,4,1,5,5,2,2,3"},
		{"--dense", "1,0,3"},
		{"--dense", "1,2"},
		{"--threads", "2"},
		{"--device", "cpu", "--threads", "-1"},
		{"extra"},
		{"--bogus"},
	} {
		if code, _, _ := runKbench(t, args...); code != 2 {
			t.Errorf("kbench %v: exit %d, want 2", args, code)
		}
	}
}

func TestPercentile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if percentile(v, 0.5) != 5 || percentile(v, 0.9) != 9 || percentile(v, 0) != 1 || percentile(v[:1], 0.9) != 1 {
		t.Errorf("percentiles %v %v %v", percentile(v, 0.5), percentile(v, 0.9), percentile(v, 0))
	}
}

// openCPU returns a CPU backend device, or skips the test when no SGEMM
// library is installed.
func openCPU(t *testing.T, threads int) *cpu.Device {
	t.Helper()
	d, err := cpu.NewDevice(cpu.Options{Threads: threads})
	var ue *blas.UnavailableError
	if errors.As(err, &ue) {
		t.Skipf("no SGEMM library (%s): %v", blas.InstallHint, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

func TestCPUJSONReport(t *testing.T) {
	openCPU(t, 0)
	code, out, stderr := runKbench(t, "--device", "cpu", "--threads", "2", "--batch", "4", "--runs", "1", "--warmup", "0",
		"--json", "--compare-ref", "--filter", `^(enc2 conv2d_fwd|dec3 convT_bwd_filter|dl dense 4x128->64 bwd_data|fill)`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Backend != "cpu" || rep.Threads != 2 || rep.Device == "" || rep.Driver != "" || len(rep.Results) != 4 ||
		!regexp.MustCompile(`^(onednn|openblas) \d`).MatchString(rep.BLAS) {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Results {
		if r.MedianMs <= 0 || r.GBs <= 0 || r.RefMs <= 0 || r.Dispatches != 0 {
			t.Errorf("implausible %+v", r)
		}
		gemm := r.Op != "fill"
		if gemm != (r.GFLOPs > 0) || gemm != (r.SgemmMs > 0) || gemm != (r.SgemmGFLOPs > 0) || gemm != (r.OfSgemm > 0) {
			t.Errorf("GEMM-shaped %v, but %+v", gemm, r)
		}
		if gemm && math.Abs(r.OfSgemm-r.SgemmMs/r.MedianMs) > 1e-9*r.OfSgemm {
			t.Errorf("of_sgemm %v, want sgemm_ms/median_ms = %v", r.OfSgemm, r.SgemmMs/r.MedianMs)
		}
	}
}

func TestCPUTable(t *testing.T) {
	openCPU(t, 0)
	t.Setenv("OCGAN_DEVICE", "cpu") // the default device, as for the other tools
	code, out, stderr := runKbench(t, "--batch", "1", "--runs", "1", "--filter", "^(enc4 conv2d_fwd|copy)")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"backend cpu, SGEMM ", "wall clock", "sgemm GFLOP/s", "of sgemm", "enc4 conv2d_fwd", "copy 784", "%"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestCPUCompareTorch runs --compare-torch with a stand-in interpreter that
// answers 1.5 ms for every shape it is given.
func TestCPUCompareTorch(t *testing.T) {
	openCPU(t, 0)
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	fake := filepath.Join(t.TempDir(), "python")
	script := "#!/bin/sh\nexec " + py + ` -c 'import json, sys; s = json.load(sys.stdin); print(json.dumps({"torch": "0.0", "device": "cpu", "gpu": None, "clock": "wall", "tf32_default": None, "fp32": {c["name"]: 1.5 for c in s["cases"]}}))'` + "\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runKbench(t, "--device", "cpu", "--batch", "2", "--runs", "1", "--json", "--compare-torch", "--python", fake,
		"--filter", "^(dv2 conv2d_bwd_data|dec2 convT_fwd|dl dense 2x16->128 fwd)")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.TorchDevice != "cpu" || rep.TorchClock != "wall" || rep.TorchTF32Default != nil || len(rep.Results) != 3 {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Results {
		conv := strings.HasPrefix(r.Op, "conv")
		if conv != (r.TorchMs == 1.5) || conv != (math.Abs(r.TorchGFLOPs-r.GFLOP/1.5e-3) < 1e-9) || r.TorchTF32Ms != 0 {
			t.Errorf("conv %v, torch %v ms %v GFLOP/s", conv, r.TorchMs, r.TorchGFLOPs)
		}
	}
}

// testCatalog is the catalog at a batch, with a shape of each kind given on
// the command line.
func testCatalog(t *testing.T, batch int) []benchCase {
	t.Helper()
	cases, err := catalog(batch, model.MNIST28(), extraShapes{convs: []string{"3,3,9,7,5,3,3,2,1"},
		convTs: []string{"2,5,4,3,3,5,5,2,2,1"}, denses: []string{"3,13,7"}})
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestCPUCasesMatchReference runs every case of the catalog once on the CPU
// backend and compares what it writes with the Go reference of the case.
func TestCPUCasesMatchReference(t *testing.T) {
	d := openCPU(t, 2)
	for _, batch := range []int{1, 2} {
		for _, c := range testCatalog(t, batch) {
			if c.cpu == nil || c.ref == nil || c.record == nil {
				t.Errorf("%s: a backend or the reference is missing", c.name)
				continue
			}
			h := c.hostArrays()
			hr := make([][]float32, len(h))
			for i, v := range h {
				hr[i] = append([]float32(nil), v...)
			}
			want, err := c.ref(hr)
			if err != nil {
				t.Errorf("%s: reference: %v", c.name, err)
				continue
			}
			if err := c.cpu(d, h); err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			kerneltest.ExpectClose(t, fmt.Sprintf("batch %d: %s", batch, c.name), h[c.out], want)
		}
	}
}

// TestGemmShapes checks that the SGEMM calls of every conv, transposed-conv and
// dense case do the case's work and are valid calls.
func TestGemmShapes(t *testing.T) {
	d := openCPU(t, 1)
	lib, err := openDeviceSgemm(d)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	for _, c := range testCatalog(t, 2) {
		gemm := strings.HasPrefix(c.op, "conv") || strings.HasPrefix(c.op, "dense")
		if gemm != (len(c.gemms) > 0) {
			t.Errorf("%s (%s): %d SGEMM calls", c.name, c.op, len(c.gemms))
			continue
		}
		if !gemm {
			continue
		}
		if c.gemmFlops() != c.flops {
			t.Errorf("%s: SGEMM calls do %v flops, the kernel %v", c.name, c.gemmFlops(), c.flops)
		}
		if err := newGemmRun(lib, c.gemms, rand.New(rand.NewSource(1)))(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestDeviceSgemm checks that the raw SGEMM timing uses the backend's library
// whichever one the backend picked.
func TestDeviceSgemm(t *testing.T) {
	for _, env := range []string{"dnnl", "openblas"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(blas.EnvVar, env)
			d, err := cpu.NewDevice(cpu.Options{Threads: 1})
			var ue *blas.UnavailableError
			if errors.As(err, &ue) {
				t.Skipf("%s not installed: %v", env, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			t.Setenv(blas.EnvVar, "") // let blas.Open choose
			lib, err := openDeviceSgemm(d)
			if err != nil {
				t.Fatal(err)
			}
			defer lib.Close()
			if !strings.HasPrefix(d.BLAS(), lib.Name()+",") || lib.Threads() != 1 {
				t.Errorf("device %q, SGEMM %s with %d threads", d.BLAS(), lib.Name(), lib.Threads())
			}
			if v := os.Getenv(blas.EnvVar); v != "" {
				t.Errorf("%s left set to %q", blas.EnvVar, v)
			}
		})
	}
}
