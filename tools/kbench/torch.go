package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
)

//go:embed torch_layers.py
var torchScript string

// torchCase is the PyTorch equivalent of a kernel: the op and its shape.
type torchCase struct {
	Op     string         `json:"op"` // conv2d_fwd, conv2d_bwd_data, conv2d_bwd_filter, conv_transpose2d_fwd, ...
	Params map[string]int `json:"params"`
}

// torchTimes is what the PyTorch timing script reports: median milliseconds by
// case name, strict float32 and (on CUDA) with TF32 on, and how it timed them.
type torchTimes struct {
	Version string `json:"torch"`
	Device  string `json:"device"`
	// GPU is the CUDA device's name (CUDA only).
	GPU string `json:"gpu"`
	// Clock is "wall" (CPU) or "cuda-events".
	Clock string `json:"clock"`
	// TF32Default is PyTorch's own TF32 setting (CUDA only).
	TF32Default *tf32State `json:"tf32_default"`
	// FP32 has TF32 off for matmul and cuDNN; TF32 has both on (CUDA only).
	FP32 map[string]float64 `json:"fp32"`
	TF32 map[string]float64 `json:"tf32"`
}

// tf32State is whether TF32 is allowed in matmuls and in cuDNN convolutions.
type tf32State struct {
	Matmul bool `json:"matmul"`
	CuDNN  bool `json:"cudnn"`
}

// clocks are the timing methods the script may name.
var clocks = map[string]bool{"wall": true, "cuda-events": true}

// parseTorchTimes reads the script's output and checks that it is complete:
// a known clock, a median for every case wanted in fp32 and, on CUDA, in
// TF32 with PyTorch's default TF32 setting.
func parseTorchTimes(b []byte, device string, names []string) (*torchTimes, error) {
	var t torchTimes
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("reading the PyTorch script's output: %w", err)
	}
	if t.Device != device {
		return nil, fmt.Errorf("the PyTorch script timed on %q, asked for %q", t.Device, device)
	}
	if !clocks[t.Clock] {
		return nil, fmt.Errorf("the PyTorch script names an unknown clock %q", t.Clock)
	}
	cuda := device == "cuda"
	if cuda != (t.TF32 != nil) || cuda != (t.TF32Default != nil) || cuda != (t.Clock == "cuda-events") {
		return nil, fmt.Errorf("the PyTorch script's output on %s: clock %q, TF32 times %v, TF32 default %v: want CUDA events and both TF32 fields on cuda only",
			device, t.Clock, t.TF32 != nil, t.TF32Default != nil)
	}
	for _, n := range names {
		for mode, m := range map[string]map[string]float64{"fp32": t.FP32, "tf32": t.TF32} {
			if mode == "tf32" && !cuda {
				continue
			}
			if ms, ok := m[n]; !ok || !(ms > 0) {
				return nil, fmt.Errorf("the PyTorch script's output has no positive %s time for %q", mode, n)
			}
		}
	}
	return &t, nil
}

// timeTorch runs the PyTorch timing script on every case that has a torch twin
// (nil when none has).
func timeTorch(o options, cases []benchCase, progress io.Writer) (*torchTimes, error) {
	type job struct {
		Name string `json:"name"`
		torchCase
	}
	var jobs []job
	var names []string
	for _, c := range cases {
		if c.torch != nil {
			jobs = append(jobs, job{c.name, *c.torch})
			names = append(names, c.name)
		}
	}
	if len(jobs) == 0 {
		return nil, nil
	}
	in, err := json.Marshal(map[string]any{"warmup": o.warmup + 1, "runs": o.runs, "device": o.torchDevice, "cases": jobs})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "timing %d shapes in PyTorch on %s (%s)\n", len(jobs), o.torchDevice, o.python)
	cmd := exec.Command(o.python, "-c", torchScript)
	cmd.Stdin = bytes.NewReader(in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("--compare-torch: %s: %v\n%s(install PyTorch, e.g. Debian's python3-torch)", o.python, err, errb.String())
	}
	t, err := parseTorchTimes(out.Bytes(), o.torchDevice, names)
	if err != nil {
		return nil, fmt.Errorf("--compare-torch: %w", err)
	}
	return t, nil
}
