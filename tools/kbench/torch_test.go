package main

import (
	"strings"
	"testing"
)

func TestParseTorchTimes(t *testing.T) {
	names := []string{"enc2 conv2d_fwd", "dec3 convT_fwd"}
	cases := []struct {
		name, device, out string
		err               string // "": valid
	}{
		{"cpu", "cpu", `{"torch": "2.1", "device": "cpu", "gpu": null, "clock": "wall", "tf32_default": null,
			"fp32": {"enc2 conv2d_fwd": 1.5, "dec3 convT_fwd": 2}}`, ""},
		{"cuda", "cuda", `{"torch": "2.1", "device": "cuda", "gpu": "NVIDIA H100", "clock": "cuda-events",
			"tf32_default": {"matmul": false, "cudnn": true},
			"fp32": {"enc2 conv2d_fwd": 0.05, "dec3 convT_fwd": 0.07}, "tf32": {"enc2 conv2d_fwd": 0.03, "dec3 convT_fwd": 0.04}}`, ""},
		{"cuda without tf32 times", "cuda", `{"torch": "2.1", "device": "cuda", "gpu": "X", "clock": "cuda-events",
			"tf32_default": {"matmul": false, "cudnn": true}, "fp32": {"enc2 conv2d_fwd": 0.05, "dec3 convT_fwd": 0.07}}`, "TF32 times false"},
		{"cuda timed by the wall clock", "cuda", `{"torch": "2.1", "device": "cuda", "gpu": "X", "clock": "wall",
			"tf32_default": {"matmul": false, "cudnn": true},
			"fp32": {"enc2 conv2d_fwd": 0.05, "dec3 convT_fwd": 0.07}, "tf32": {"enc2 conv2d_fwd": 0.03, "dec3 convT_fwd": 0.04}}`, "want CUDA events"},
		{"a tf32 time missing", "cuda", `{"torch": "2.1", "device": "cuda", "gpu": "X", "clock": "cuda-events",
			"tf32_default": {"matmul": true, "cudnn": true},
			"fp32": {"enc2 conv2d_fwd": 0.05, "dec3 convT_fwd": 0.07}, "tf32": {"enc2 conv2d_fwd": 0.03}}`, `no positive tf32 time for "dec3 convT_fwd"`},
		{"tf32 on the cpu", "cpu", `{"torch": "2.1", "device": "cpu", "gpu": null, "clock": "wall", "tf32_default": null,
			"fp32": {"enc2 conv2d_fwd": 1.5, "dec3 convT_fwd": 2}, "tf32": {"enc2 conv2d_fwd": 1.5, "dec3 convT_fwd": 2}}`, "cuda only"},
		{"another device", "cuda", `{"torch": "2.1", "device": "cpu", "gpu": null, "clock": "wall", "tf32_default": null,
			"fp32": {"enc2 conv2d_fwd": 1.5, "dec3 convT_fwd": 2}}`, `asked for "cuda"`},
		{"unknown clock", "cpu", `{"torch": "2.1", "device": "cpu", "clock": "sundial", "fp32": {"enc2 conv2d_fwd": 1, "dec3 convT_fwd": 2}}`, "unknown clock"},
		{"zero time", "cpu", `{"torch": "2.1", "device": "cpu", "clock": "wall", "fp32": {"enc2 conv2d_fwd": 0, "dec3 convT_fwd": 2}}`, `no positive fp32 time for "enc2 conv2d_fwd"`},
		{"old flat output", "cpu", `{"enc2 conv2d_fwd": 1.5, "dec3 convT_fwd": 2}`, "unknown field"},
		{"not json", "cpu", `Traceback (most recent call last):`, "reading the PyTorch script's output"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseTorchTimes([]byte(c.out), c.device, names)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.FP32[names[0]] <= 0 || (c.device == "cuda") != (got.TF32Default != nil && got.TF32[names[1]] > 0) {
				t.Errorf("parsed %+v", got)
			}
		})
	}
}

func TestTorchHeaderNamesTF32(t *testing.T) {
	rep := &report{TorchDevice: "cuda", TorchVersion: "2.1", TorchGPU: "NVIDIA H100", TorchClock: "cuda-events",
		TorchTF32Default: &tf32State{Matmul: false, CuDNN: true}}
	h := torchHeader(rep)
	for _, want := range []string{"PyTorch 2.1 on cuda (NVIDIA H100)", "medians by CUDA events", "TF32 off", "TF32 on", "matmul off, cuDNN on"} {
		if !strings.Contains(h, want) {
			t.Errorf("header %q lacks %q", h, want)
		}
	}
	cpu := torchHeader(&report{TorchDevice: "cpu", TorchVersion: "1.13", TorchClock: "wall"})
	if strings.Contains(cpu, "TF32") || !strings.Contains(cpu, "medians by the wall clock") {
		t.Errorf("cpu header %q", cpu)
	}
}
