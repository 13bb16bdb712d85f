package program

import (
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// Benchmarks open the device without validation, as a training run would:
//
//	go test -run '^$' -bench . -benchtime 200x ./runtime/program/

func benchLib(b *testing.B) *vulkan.Library {
	b.Helper()
	return vulkan.NewLibrary(vktest.OpenBench(b))
}

// benchNet compiles the test network's training step (all parameters,
// Adam) with strategy s, and runs one warm-up step.
func benchNet(b *testing.B, lib *vulkan.Library, s strategy) (*Program, map[*graph.Tensor][]float32) {
	b.Helper()
	n, grads := newNet(b, trainSeed, func(n *aeNet) []*graph.Tensor { return n.params() })
	p, err := compile(lib, n.g, Options{Outputs: []*graph.Tensor{n.loss}, Adam: NewAdam(grads)}, s, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Free)
	feeds := n.batch(trainSeed)
	if _, err := p.Step(feeds); err != nil {
		b.Fatal(err)
	}
	return p, feeds
}

// BenchmarkTrainStep times the test network's whole training step three
// ways in one run: the recorded-once replay, re-recording the command buffer
// before every step, and one submission (and fence wait) per node.
func BenchmarkTrainStep(b *testing.B) {
	lib := benchLib(b)
	for _, c := range []struct {
		name string
		s    strategy
	}{{"replay", recordOnce}, {"rerecord", recordEveryStep}, {"submit-per-node", submitPerNode}} {
		b.Run(c.name, func(b *testing.B) {
			p, feeds := benchNet(b, lib, c.s)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, err := p.Step(feeds); err != nil {
					b.Fatal(err)
				}
			}
			el := time.Since(start)
			b.ReportMetric(float64(b.N)/el.Seconds(), "steps/s")
			b.ReportMetric(float64(p.Stats().Sequences), "submits/step")
			b.ReportMetric(float64(p.Stats().Dispatches), "dispatches/step")
		})
	}
}

// BenchmarkStepHost times the Go side of a replayed step alone: checking and
// uploading the feeds, writing the step-parameter buffer, advancing the
// counters and reading back the loss; everything Step does except the
// submission and the fence wait.
func BenchmarkStepHost(b *testing.B) {
	lib := benchLib(b)
	p, feeds := benchNet(b, lib, recordOnce)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.upload(feeds); err != nil {
			b.Fatal(err)
		}
		if err := p.finish(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStepTrivial times Step on a one-node graph (scale a 4-float
// input): the fixed cost of a step, submission and fence wait included.
func BenchmarkStepTrivial(b *testing.B) {
	lib := benchLib(b)
	g := graph.New(graph.NewParamSet(), graph.Train)
	x := g.Input("x", 4)
	y := g.Scale(x, 2)
	p, err := Compile(lib, g, Options{Outputs: []*graph.Tensor{y}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Free)
	feeds := map[*graph.Tensor][]float32{x: {1, 2, 3, 4}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Step(feeds); err != nil {
			b.Fatal(err)
		}
	}
}
