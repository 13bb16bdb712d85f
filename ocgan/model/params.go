package model

import (
	"fmt"
	"strings"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// NetOf returns the network a parameter or state name belongs to, from its
// prefix ("De.bn2.gamma" → NetDecoder).
func NetOf(name string) (Net, bool) {
	for _, n := range Nets() {
		if strings.HasPrefix(name, string(n)+".") {
			return n, true
		}
	}
	return "", false
}

// inNets reports whether name belongs to one of nets.
func inNets(name string, nets []Net) bool {
	n, ok := NetOf(name)
	if !ok {
		return false
	}
	for _, want := range nets {
		if n == want {
			return true
		}
	}
	return false
}

// ParamTensors returns g's trainable parameter tensors of the given
// networks, in the order g declared them: the wrt list of Graph.Gradients
// for one phase of Algorithm 1 (the other networks stay frozen) and so the
// parameters of that phase's Adam.
func ParamTensors(g *graph.Graph, nets ...Net) []*graph.Tensor {
	return leaves(g, graph.Param, nets)
}

// StateTensors returns g's batch-norm running statistics of the given
// networks, in the order g declared them.
func StateTensors(g *graph.Graph, nets ...Net) []*graph.Tensor {
	return leaves(g, graph.State, nets)
}

func leaves(g *graph.Graph, role graph.Role, nets []Net) []*graph.Tensor {
	var out []*graph.Tensor
	for _, t := range g.Tensors() {
		if t.Role() == role && inNets(t.Name(), nets) {
			out = append(out, t)
		}
	}
	return out
}

// ParamNames returns the names of ps's trainable parameters of the given
// networks, in creation order (for checkpoints and per-network reports).
func ParamNames(ps *graph.ParamSet, nets ...Net) []string {
	var out []string
	for _, name := range ps.Names() {
		if ps.Role(name) == graph.Param && inNets(name, nets) {
			out = append(out, name)
		}
	}
	return out
}

// CountParams returns the number of trainable values ps holds for the
// given networks (batch-norm running statistics excluded, as PyTorch's
// parameters()).
func CountParams(ps *graph.ParamSet, nets ...Net) int {
	total := 0
	for _, name := range ParamNames(ps, nets...) {
		total += numel(ps.Shape(name))
	}
	return total
}

// ParamCount returns the number of trainable values of net under the
// model's geometry, counted on a fresh ParamSet the network is built on.
func (m *Model) ParamCount(net Net) (int, error) {
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Eval)
	if _, err := m.Build(g, net, 1); err != nil {
		return 0, fmt.Errorf("model: counting the parameters of %s: %w", net, err)
	}
	return CountParams(ps, net), nil
}

// Build adds net to g on a new input named "<net>.input" of batch n (an
// image batch for En, Dv and C, a latent batch for De and Dl) and returns
// the network's output, or g's error. It is for tools and tests that need
// one network alone; Algorithm 1 wires the builders itself.
func (m *Model) Build(g *graph.Graph, net Net, n int) (*graph.Tensor, error) {
	var out *graph.Tensor
	switch net {
	case NetEncoder:
		out = m.Encoder(g, g.Input(string(net)+".input", m.ImageShape(n)...))
	case NetDecoder:
		out = m.Decoder(g, g.Input(string(net)+".input", m.LatentShape(n)...))
	case NetLatentDisc:
		out = m.LatentDiscriminator(g, g.Input(string(net)+".input", m.LatentShape(n)...))
	case NetVisualDisc:
		out = m.VisualDiscriminator(g, g.Input(string(net)+".input", m.ImageShape(n)...))
	case NetClassifier:
		out = m.Classifier(g, g.Input(string(net)+".input", m.ImageShape(n)...))
	default:
		return nil, fmt.Errorf("model: unknown network %q (want one of %v)", net, Nets())
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("model: building %s: %w", net, err)
	}
	return out, nil
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// ScoringParams returns the ParamSet that an Eval graph of the encoder and
// decoder of m declares (uninitialised): exactly the parameters and
// batch-norm state that scoring needs, named as in every other graph.
func (m *Model) ScoringParams() (*graph.ParamSet, error) {
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Eval)
	x := g.Input("x", m.ImageShape(1)...)
	m.Decoder(g, m.Encoder(g, x))
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("model: scoring graph: %w", err)
	}
	return ps, nil
}
