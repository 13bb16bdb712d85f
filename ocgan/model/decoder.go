package model

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Decoder adds De to g: z [N, Latent] → image [N, Channels, ImageSize,
// ImageSize] in [−1, 1]. Layers (the peer's Decoder, the MXNet
// models.Decoder):
//
//	reshape [N, Latent, 1, 1]
//	De.convT{i} (no bias) → De.bn{i} [→ dropout at DropoutBlock] → ReLU    for i = 1 … Depth
//	De.convT{Depth+1} (bias, to Channels) → tanh
//
// Transposed conv i has EncoderWidth·2^(Depth−i) output channels and
// (padding, output padding) TransposedPad[i−1]. The dropout (a Train graph
// only) draws a mask of its own for each decoder built in a graph.
func (m *Model) Decoder(g *graph.Graph, z *graph.Tensor) *graph.Tensor {
	geo := m.geo
	m.checkInput(g, "Decoder", z, geo.Latent)
	h, cin := g.Reshape(z, -1, geo.Latent, 1, 1), geo.Latent
	for i := 1; i <= geo.Depth; i++ {
		cout := geo.EncoderWidth << (geo.Depth - i)
		t := geo.TransposedPad[i-1]
		w, _ := m.convTWeight(g, fmt.Sprintf("De.convT%d", i), cin, cout, false)
		h = g.ConvTranspose2D(h, w, nil, geo.Stride, t.Pad, t.OutPad)
		h = m.batchNorm(g, h, fmt.Sprintf("De.bn%d", i), cout)
		if i == geo.DropoutBlock && geo.DropoutP > 0 {
			layer := fmt.Sprintf("De.dropout%d", i)
			h = g.Dropout(h, geo.DropoutP, dropoutSeed(g, layer))
		}
		h = g.ReLU(h)
		cin = cout
	}
	last := geo.Depth + 1
	t := geo.TransposedPad[last-1]
	w, b := m.convTWeight(g, fmt.Sprintf("De.convT%d", last), cin, geo.Channels, true)
	h = g.ConvTranspose2D(h, w, b, geo.Stride, t.Pad, t.OutPad)
	return g.Tanh(h)
}
