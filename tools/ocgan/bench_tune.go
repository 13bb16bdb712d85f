package main

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/program"
)

// tuneConvs is bench --tune: it tunes the conv kernel calls shapes on be's
// Vulkan device with the given repetitions, writes the device's tuning table
// and makes be use it.
func tuneConvs(e *env, be backend.Backend, shapes []vulkan.ConvShape, o vulkan.ConvTuneOptions) error {
	vb, ok := be.(*program.Backend)
	if !ok {
		return usageError{fmt.Errorf("--tune tunes the Vulkan conv kernels; %s is not a Vulkan device", deviceLabel(be))}
	}
	lib := vb.Library()
	path := vulkan.ConvTuningPath(lib.Context().CacheDir(), lib.Context().Info())
	if path == "" {
		return fmt.Errorf("--tune: the tuning table is off (%s=off, or the pipeline cache is off); set %s to a file", vulkan.TuningEnv, vulkan.TuningEnv)
	}
	o.Progress = func(i, n int, r vulkan.ConvTuneResult) {
		fmt.Fprintf(e.stderr, "bench: tuned [%d/%d] %v: %v %.3f ms (heuristic %v %.3f ms)%s\n", i, n, r.Shape, r.Best, r.BestMs, r.Heuristic, r.HeuristicMs,
			r.Confirmation.Note())
	}
	rep, err := lib.TuneConvs(shapes, o)
	if err != nil {
		return err
	}
	if err := rep.Table.Save(path); err != nil {
		return err
	}
	lib.SetConvTuning(rep.Table)
	var heur, tuned float64
	for _, r := range rep.Results {
		heur, tuned = heur+r.HeuristicMs, tuned+r.BestMs
	}
	fmt.Fprintf(e.stderr, "bench: %d conv shapes tuned (%s): %.3f ms in all, %.3f ms with the heuristic; table %s\n",
		len(rep.Results), rep.Clock, tuned, heur, path)
	return nil
}

// modelConvShapes are the conv kernel calls of geo's networks: every
// direction at the training batch, the forward ones at the scoring batch.
func modelConvShapes(geo model.Geometry, trainBatch, scoreBatch int) ([]vulkan.ConvShape, error) {
	m, err := model.New(geo)
	if err != nil {
		return nil, err
	}
	var out []vulkan.ConvShape
	seen := map[vulkan.ConvShape]bool{}
	for _, b := range []struct {
		n        int
		backward bool
	}{{trainBatch, true}, {scoreBatch, false}} {
		for _, net := range []model.Net{model.NetEncoder, model.NetVisualDisc, model.NetDecoder, model.NetLatentDisc} {
			g := graph.New(graph.NewParamSet(), graph.Eval)
			if _, err := m.Build(g, net, b.n); err != nil {
				return nil, err
			}
			for _, node := range g.Nodes() {
				var shapes []vulkan.ConvShape
				switch op := node.Op().(type) {
				case graph.Conv2DOp:
					shapes = vulkan.Conv2DShapes(op.P)
				case graph.ConvTranspose2DOp:
					shapes = vulkan.ConvTranspose2DShapes(op.P)
				}
				if !b.backward && len(shapes) > 0 {
					shapes = shapes[:1]
				}
				for _, s := range shapes {
					if !seen[s] {
						seen[s] = true
						out = append(out, s)
					}
				}
			}
		}
	}
	return out, nil
}
