package model

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// LatentDiscriminator adds Dl to g: z [N, Latent] → logit [N, 1] (no
// sigmoid; use a BCE-with-logits loss). Layers (the peer's
// LatentDiscriminator, the paper's fully connected 128-64-32-16):
//
//	Dl.fc{i} (bias) → Dl.bn{i} → ReLU    for each of LatentWidths
//	Dl.fc{len+1} (bias, 1 unit)
//
// Dense weights and biases start from N(0, 0.02), as the peer's.
func (m *Model) LatentDiscriminator(g *graph.Graph, z *graph.Tensor) *graph.Tensor {
	geo := m.geo
	m.checkInput(g, "LatentDiscriminator", z, geo.Latent)
	h, cin := z, geo.Latent
	for i, cout := range geo.LatentWidths {
		h = m.dense(g, h, fmt.Sprintf("Dl.fc%d", i+1), cin, cout)
		h = m.batchNorm(g, h, fmt.Sprintf("Dl.bn%d", i+1), cout)
		h = g.ReLU(h)
		cin = cout
	}
	return m.dense(g, h, fmt.Sprintf("Dl.fc%d", len(geo.LatentWidths)+1), cin, 1)
}

// VisualDiscriminator adds Dv to g: x [N, Channels, ImageSize, ImageSize] →
// logit [N, 1], with base width VisualWidth (see convDiscriminator).
func (m *Model) VisualDiscriminator(g *graph.Graph, x *graph.Tensor) *graph.Tensor {
	return m.convDiscriminator(g, x, NetVisualDisc, "VisualDiscriminator", m.geo.VisualWidth)
}

// Classifier adds C to g: x [N, Channels, ImageSize, ImageSize] → logit
// [N, 1] (in-class vs generated), with base width ClassifierWidth (see
// convDiscriminator).
func (m *Model) Classifier(g *graph.Graph, x *graph.Tensor) *graph.Tensor {
	return m.convDiscriminator(g, x, NetClassifier, "Classifier", m.geo.ClassifierWidth)
}

// convDiscriminator is Dv and C (the peer's ConvDiscriminator, the MXNet
// models.Discriminator with n_layers=2):
//
//	<net>.conv1 (bias) → leaky ReLU
//	<net>.conv{i} (no bias) → <net>.bn{i} → leaky ReLU    for i = 2 … Depth
//	<net>.conv{Depth+1} (bias, 1 channel at 1×1) → reshape [N, 1]
//
// Conv i has width·2^(i−1) output channels and padding ConvPad[i−1].
func (m *Model) convDiscriminator(g *graph.Graph, x *graph.Tensor, net Net, what string, width int) *graph.Tensor {
	geo := m.geo
	m.checkInput(g, what, x, geo.Channels, geo.ImageSize, geo.ImageSize)
	h, cin := x, geo.Channels
	for i := 1; i <= geo.Depth; i++ {
		cout := width << (i - 1)
		w, b := m.convWeight(g, fmt.Sprintf("%s.conv%d", net, i), cin, cout, i == 1)
		h = g.Conv2D(h, w, b, geo.Stride, geo.ConvPad[i-1])
		if i > 1 {
			h = m.batchNorm(g, h, fmt.Sprintf("%s.bn%d", net, i), cout)
		}
		h = g.LeakyReLU(h, geo.LeakySlope)
		cin = cout
	}
	last := geo.Depth + 1
	w, b := m.convWeight(g, fmt.Sprintf("%s.conv%d", net, last), cin, 1, true)
	h = g.Conv2D(h, w, b, geo.Stride, geo.ConvPad[last-1])
	return g.Reshape(h, -1, 1)
}

// dense applies <layer>.weight [cout, cin] and <layer>.bias [cout], both
// drawn from N(0, 0.02) (PyTorch nn.Linear layout; the peer's init).
func (m *Model) dense(g *graph.Graph, x *graph.Tensor, layer string, cin, cout int) *graph.Tensor {
	w := g.Param(layer+".weight", []int{cout, cin}, weightInit())
	b := g.Param(layer+".bias", []int{cout}, weightInit())
	return g.Dense(x, w, b)
}
