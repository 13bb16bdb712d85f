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

// timeTorch runs the PyTorch timing script on every case that has a torch twin and
// returns median milliseconds by case name.
func timeTorch(o options, cases []benchCase, progress io.Writer) (map[string]float64, error) {
	type job struct {
		Name string `json:"name"`
		torchCase
	}
	var jobs []job
	for _, c := range cases {
		if c.torch != nil {
			jobs = append(jobs, job{c.name, *c.torch})
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
	var res map[string]float64
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("--compare-torch: reading the script's output: %v", err)
	}
	return res, nil
}
