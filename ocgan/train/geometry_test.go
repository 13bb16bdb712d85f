package train

import (
	"fmt"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
)

// narrowed is model.ForImage(size, channels, 4) with the widths cut to
// EncoderWidth 4, VisualWidth 2, ClassifierWidth 4 and latent-discriminator
// widths 8, 4: the same depth, size chain, paddings and layer list, at a
// cost the references train in seconds.
func narrowed(t testing.TB, size, channels int) model.Geometry {
	t.Helper()
	g, err := model.ForImage(size, channels, 4)
	if err != nil {
		t.Fatal(err)
	}
	g.EncoderWidth, g.VisualWidth, g.ClassifierWidth, g.LatentWidths = 4, 2, 4, []int{8, 4}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGeometriesTrainAlike trains Algorithm-1 iterations (mining from the
// first) at every supported image geometry, narrowed, from one seed on the
// references, the native CPU backend and the Vulkan device, and compares
// every loss and every final parameter as TestBackendsTrainAlike does.
func TestGeometriesTrainAlike(t *testing.T) {
	cpu, vulkan := newCPUBackend(t), newBackend(t)
	for _, c := range []struct {
		size, channels, steps int
	}{
		{28, 1, 2}, {32, 3, 2}, {61, 1, 2}, {64, 3, 2}, {128, 3, 1},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d", c.size, c.size, c.channels), func(t *testing.T) {
			cfg := DefaultConfig(narrowed(t, c.size, c.channels))
			cfg.Batch, cfg.MineStart, cfg.Seed = 2, 0, 11
			n := cfg.Batch * c.channels * c.size * c.size * c.steps
			backends := []backend.Backend{cpu, vulkan}
			trainAlike(t, cfg, kernels.FillUniform(n, 5, uint64(c.size)), c.steps, backends...)
		})
	}
}
