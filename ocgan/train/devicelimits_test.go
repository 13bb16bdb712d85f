package train

import (
	"errors"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/backend"
)

// TestBatchesFitTheDevice checks the up-front batch checks against the Vulkan
// test device: a training batch whose tensors it cannot bind is refused by
// NewTrainer with a *backend.TensorTooLargeError, and a scoring batch is
// lowered to the largest that fits (the native CPU backend has no limit).
func TestBatchesFitTheDevice(t *testing.T) {
	vk, cpu := newBackend(t), newCPUBackend(t)
	cfg := tinyConfig(t)
	const huge = 1 << 24
	fit, err := fitScoreBatch(vk, cfg.Geometry, huge, true)
	if err != nil || fit < 1 || fit >= huge {
		t.Fatalf("scoring batch %d on %s: %d, %v; want a smaller batch", huge, vk.Device().Name, fit, err)
	}
	limit := vk.Device().MaxTensorBytes
	if err := backend.CheckBatch(limit, "scoring batch", fit, scoreGraphs(cfg.Geometry, true)); err != nil {
		t.Errorf("the lowered scoring batch %d does not fit: %v", fit, err)
	}
	if err := backend.CheckBatch(limit, "scoring batch", fit+1, scoreGraphs(cfg.Geometry, true)); err == nil {
		t.Errorf("the lowered scoring batch %d is not the largest: %d fits too", fit, fit+1)
	}
	if got, err := fitScoreBatch(cpu, cfg.Geometry, huge, true); err != nil || got != huge {
		t.Errorf("scoring batch %d on the CPU backend: %d, %v", huge, got, err)
	}

	cfg.Batch = huge
	_, err = NewTrainer(vk, cfg)
	var tl *backend.TensorTooLargeError
	if !errors.As(err, &tl) || tl.What != "training batch" || tl.Batch != huge || tl.MaxBatch < 2 || tl.MaxBatch >= huge {
		t.Fatalf("a trainer at batch %d: %v; want a *TensorTooLargeError", huge, err)
	}
	if err := backend.CheckBatch(limit, "training batch", tl.MaxBatch, trainGraphs(cfg)); err != nil {
		t.Errorf("the largest training batch %d does not fit: %v", tl.MaxBatch, err)
	}
}
