package model

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Encoder adds En to g: x [N, Channels, ImageSize, ImageSize] → latent
// [N, Latent] in (−1, 1). Layers (the peer's Encoder):
//
//	En.conv1 (bias) → leaky ReLU
//	En.conv{i} (no bias) → En.bn{i} → leaky ReLU    for i = 2 … Depth
//	En.conv{Depth+1} (no bias, to Latent channels at 1×1) → En.bn{Depth+1} → tanh → reshape [N, Latent]
//
// Conv i has EncoderWidth·2^(i−1) output channels and padding ConvPad[i−1].
// Errors (a wrong input shape included) are recorded in g (see Graph.Err).
func (m *Model) Encoder(g *graph.Graph, x *graph.Tensor) *graph.Tensor {
	geo := m.geo
	m.checkInput(g, "Encoder", x, geo.Channels, geo.ImageSize, geo.ImageSize)
	h, cin := x, geo.Channels
	for i := 1; i <= geo.Depth; i++ {
		cout := geo.EncoderWidth << (i - 1)
		layer := fmt.Sprintf("En.conv%d", i)
		w, b := m.convWeight(g, layer, cin, cout, i == 1)
		h = g.Conv2D(h, w, b, geo.Stride, geo.ConvPad[i-1])
		if i > 1 {
			h = m.batchNorm(g, h, fmt.Sprintf("En.bn%d", i), cout)
		}
		h = g.LeakyReLU(h, geo.LeakySlope)
		cin = cout
	}
	last := geo.Depth + 1
	w, _ := m.convWeight(g, fmt.Sprintf("En.conv%d", last), cin, geo.Latent, false)
	h = g.Conv2D(h, w, nil, geo.Stride, geo.ConvPad[last-1])
	h = m.batchNorm(g, h, fmt.Sprintf("En.bn%d", last), geo.Latent)
	h = g.Tanh(h)
	return g.Reshape(h, -1, geo.Latent)
}
