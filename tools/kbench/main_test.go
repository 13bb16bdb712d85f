package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
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
	if len(rep.Results) != 2 || rep.Batch != 2 || rep.Runs != 3 || !strings.Contains(rep.Device, "llvmpipe") {
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
