package train

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// Benchmarks open the device without validation, as a training run would,
// at the MNIST28 geometry. On lavapipe an iteration takes seconds:
//
//	go test -run '^$' -bench . -benchtime 2x ./ocgan/train/

func benchLib(b *testing.B) backend.Backend {
	b.Helper()
	return program.NewBackend(vulkan.NewLibrary(vktest.OpenBench(b)))
}

// BenchmarkIteration times one full Algorithm-1 iteration (classifier,
// discriminators, 5 mining steps, generator) at batch 64, after one
// warm-up iteration.
func BenchmarkIteration(b *testing.B) {
	cfg := DefaultConfig(model.MNIST28())
	tr, err := NewTrainer(benchLib(b), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(tr.Free)
	x := kernels.FillUniform(cfg.Batch*28*28, 1, 1)
	if _, err := tr.Step(x, true); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Step(x, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*cfg.Batch)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkScore times Eval-mode scoring (En, De, per-image MSE) at batch
// 256, after one warm-up batch.
func BenchmarkScore(b *testing.B) {
	cfg := DefaultConfig(model.MNIST28())
	cfg.Mode = AutoEncoder // the scorer does not depend on the mode; build less
	tr, err := NewTrainer(benchLib(b), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(tr.Free)
	s := tr.Scorer()
	copy(s.p.feeds[s.p.in], kernels.FillUniform(cfg.ScoreBatch*28*28, 2, 2))
	copy(s.p.feeds[s.p.target], s.p.feeds[s.p.in])
	if _, err := s.p.step(0); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.p.step(0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*cfg.ScoreBatch)/b.Elapsed().Seconds(), "images/s")
}
