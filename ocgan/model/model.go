// Package model defines OCGAN's five networks (Perera et al., CVPR 2019) on
// runtime/graph: the encoder En, the decoder De, the latent discriminator
// Dl, the visual discriminator Dv and the classifier C.
//
// A Geometry configures them (sizes, widths, paddings); New validates one and
// returns a Model whose builders add a network to a graph.Graph. Every
// builder declares its parameters in the graph's ParamSet under stable names
// ("En.conv1.weight", "De.bn2.gamma", "Dl.fc1.bias", "C.bn3.running_var",
// ...), so the Train and Eval graphs of every phase of Algorithm 1 built on
// one ParamSet share the values. The layer list, bias flags, batch-norm
// placement, activations, dropout and initialisation follow the PyTorch
// peer (shared/peers/torch_ocgan/ocgan.py) layer for layer; with MNIST28 the
// parameter tensors have the peer's shapes and counts.
//
// Nothing here is safe for concurrent use (graphs are not).
package model

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Net names one of the five networks; it is the prefix of its parameter
// names ("En" → "En.conv1.weight").
type Net string

// The five networks.
const (
	NetEncoder    Net = "En"
	NetDecoder    Net = "De"
	NetLatentDisc Net = "Dl"
	NetVisualDisc Net = "Dv"
	NetClassifier Net = "C"
)

// Nets returns the five networks in the order En, De, Dl, Dv, C.
func Nets() []Net {
	return []Net{NetEncoder, NetDecoder, NetLatentDisc, NetVisualDisc, NetClassifier}
}

// Model builds the networks of one validated Geometry.
type Model struct {
	geo Geometry
}

// New validates geo and returns a Model for it.
func New(geo Geometry) (*Model, error) {
	if err := geo.Validate(); err != nil {
		return nil, err
	}
	geo.Sizes = append([]int(nil), geo.Sizes...)
	geo.ConvPad = append([]int(nil), geo.ConvPad...)
	geo.TransposedPad = append([]TransposedPad(nil), geo.TransposedPad...)
	geo.LatentWidths = append([]int(nil), geo.LatentWidths...)
	return &Model{geo: geo}, nil
}

// Geometry returns a copy of the model's geometry.
func (m *Model) Geometry() Geometry {
	g := m.geo
	g.Sizes = append([]int(nil), g.Sizes...)
	g.ConvPad = append([]int(nil), g.ConvPad...)
	g.TransposedPad = append([]TransposedPad(nil), g.TransposedPad...)
	g.LatentWidths = append([]int(nil), g.LatentWidths...)
	return g
}

// ImageShape returns [n, Channels, ImageSize, ImageSize].
func (m *Model) ImageShape(n int) []int {
	return []int{n, m.geo.Channels, m.geo.ImageSize, m.geo.ImageSize}
}

// LatentShape returns [n, Latent].
func (m *Model) LatentShape(n int) []int { return []int{n, m.geo.Latent} }

// weightInit is the init of conv, transposed-conv and dense weights and of
// dense biases, N(0, 0.02) (the peer's init_weights, the authors' param_init).
func weightInit() graph.Init { return graph.InitNormal(0, 0.02) }

// gammaInit is the init of batch-norm gamma, N(1, 0.02).
func gammaInit() graph.Init { return graph.InitNormal(1, 0.02) }

// convWeight declares a conv weight [cout, cin, k, k] and, when bias, a
// zero bias [cout], named <layer>.weight and <layer>.bias.
func (m *Model) convWeight(g *graph.Graph, layer string, cin, cout int, bias bool) (w, b *graph.Tensor) {
	k := m.geo.Kernel
	return kernelParams(g, layer, []int{cout, cin, k, k}, cout, bias)
}

// convTWeight declares a transposed-conv weight [cin, cout, k, k] (PyTorch's
// layout) and, when bias, a zero bias [cout].
func (m *Model) convTWeight(g *graph.Graph, layer string, cin, cout int, bias bool) (w, b *graph.Tensor) {
	k := m.geo.Kernel
	return kernelParams(g, layer, []int{cin, cout, k, k}, cout, bias)
}

// kernelParams declares <layer>.weight of shape (init weightInit) then,
// when bias, a zero <layer>.bias [cout].
func kernelParams(g *graph.Graph, layer string, shape []int, cout int, bias bool) (w, b *graph.Tensor) {
	w = g.Param(layer+".weight", shape, weightInit())
	if bias {
		b = g.Param(layer+".bias", []int{cout}, graph.InitZeros())
	}
	return w, b
}

// batchNorm applies batch norm over c channels with parameters <layer>.gamma,
// .beta (Param) and .running_mean, .running_var (State; PyTorch's 0 and 1).
func (m *Model) batchNorm(g *graph.Graph, x *graph.Tensor, layer string, c int) *graph.Tensor {
	gamma := g.Param(layer+".gamma", []int{c}, gammaInit())
	beta := g.Param(layer+".beta", []int{c}, graph.InitZeros())
	mean := g.State(layer+".running_mean", []int{c}, graph.InitZeros())
	variance := g.State(layer+".running_var", []int{c}, graph.InitOnes())
	return g.BatchNorm(x, gamma, beta, mean, variance, m.geo.BNMomentum, m.geo.BNEps)
}

// checkInput reports whether x ([N, want...]) may be built on. On a shape
// mismatch it records an error naming the network in g and returns false.
// A graph that has already failed returns true: its ops add nothing.
func (m *Model) checkInput(g *graph.Graph, net string, x *graph.Tensor, want ...int) bool {
	if g == nil || g.Err() != nil || x == nil {
		return true
	}
	s := x.Shape()
	ok := len(s) == len(want)+1
	for i := 0; ok && i < len(want); i++ {
		ok = s[i+1] == want[i]
	}
	if ok {
		return true
	}
	g.Fail(fmt.Errorf("model: %s: input %v does not match geometry %s, want [N %v]",
		net, s, m.geo.Name, trimBrackets(want)))
	return false
}

func trimBrackets(v []int) string {
	s := fmt.Sprint(v)
	return s[1 : len(s)-1]
}

// dropoutSeed returns the seed of a dropout node of layer: a hash of the
// layer name and the number of dropout nodes already in g, so every dropout
// of a graph (the decoder built twice in one graph included) draws its own
// mask, as independent PyTorch calls do.
func dropoutSeed(g *graph.Graph, layer string) uint64 {
	k := 0
	for _, n := range g.Nodes() {
		if _, ok := n.Op().(graph.DropoutOp); ok {
			k++
		}
	}
	return graph.InitCounter(fmt.Sprintf("%s#%d", layer, k))
}
