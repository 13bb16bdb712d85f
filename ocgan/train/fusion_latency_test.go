package train

import (
	"os"
	"sort"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/program"
)

// fusionLatencyEnv runs TestFusionLatency (a measurement, minutes on lavapipe).
const fusionLatencyEnv = "OCGAN_FUSION_LATENCY"

// TestFusionLatency measures the batch-1 MNIST28 scoring forward on the
// Vulkan device unfused, fused, and with the batch norms folded
// (graph.FoldBatchNorm) then fused, the three programs stepped in turn 300
// times in one process (the first 20 steps of each untimed), and logs each
// one's dispatches and median, p10 and p90 step time. Their scores must
// agree within the kernel tolerance. It runs only with
// OCGAN_FUSION_LATENCY=1.
func TestFusionLatency(t *testing.T) {
	if os.Getenv(fusionLatencyEnv) != "1" {
		t.Skipf("a measurement: set %s=1 to run it", fusionLatencyEnv)
	}
	be := newBackend(t)
	m, err := model.New(model.MNIST28())
	if err != nil {
		t.Fatal(err)
	}
	ps := graph.NewParamSet()
	sp, err := buildScore(m, ps, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(3); err != nil {
		t.Fatal(err)
	}
	f, err := graph.FoldBatchNorm(sp.g, sp.outputs)
	if err != nil {
		t.Fatal(err)
	}
	x := kernels.FillUniform(28*28, 1, 5)
	type variant struct {
		name   string
		g      *graph.Graph
		in, tg *graph.Tensor
		out    *graph.Tensor
		opts   backend.Options
	}
	vs := []variant{
		{"unfused", sp.g, sp.in, sp.target, sp.scores, backend.Options{Outputs: sp.outputs, Unfused: true}},
		{"fused", sp.g, sp.in, sp.target, sp.scores, backend.Options{Outputs: sp.outputs}},
		{"folded+fused", f.Graph, f.Tensors[sp.in], f.Tensors[sp.target], f.Tensors[sp.scores], backend.Options{Outputs: []*graph.Tensor{f.Tensors[sp.scores]}}},
	}
	progs := make([]backend.Program, len(vs))
	for i, v := range vs {
		p, err := be.Compile(v.g, v.opts)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Free()
		progs[i] = p
	}
	times := make([][]float64, len(vs))
	var scores [][]float32
	for r := 0; r < 300; r++ {
		for i, v := range vs {
			start := time.Now()
			out, err := progs[i].Step(map[*graph.Tensor][]float32{v.in: x, v.tg: x})
			if err != nil {
				t.Fatal(err)
			}
			times[i] = append(times[i], float64(time.Since(start).Microseconds())/1000)
			if r == 0 {
				scores = append(scores, append([]float32(nil), out[v.out]...))
			}
		}
	}
	for i, v := range vs {
		tt := times[i][20:]
		sort.Float64s(tt)
		t.Logf("%s: %d dispatches, median %.2f ms (p10 %.2f, p90 %.2f)", v.name, progs[i].(*program.Program).Stats().Dispatches,
			tt[len(tt)/2], tt[len(tt)/10], tt[len(tt)*9/10])
		kerneltest.ExpectClose(t, v.name+" score", scores[i], scores[0])
	}
}
