package graph

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
)

// Fusion is the node list an executor runs for a graph, with each
// producer → activation pair that FuseEpilogues found replaced by one node:
// the producer's op with the activation as its epilogue
// (kernels.Epilogue).
type Fusion struct {
	// Nodes are the nodes to run, in a topological order: the graph's own
	// nodes and, in place of each fused pair (at the producer's position), a
	// node that is not in the graph, reading the producer's inputs and
	// writing the activation's output. The producer's output (the
	// pre-activation) is computed by no node of the list and read by none.
	// Activation backward nodes that read the pre-activation are replaced
	// too, by nodes reading the activation's output (see FuseEpilogues).
	Nodes []*Node
	// Pairs names each fused pair as "<producer node>+<activation node>".
	Pairs []string
}

// FuseEpilogues returns the nodes that compute g's tensors with every
// conv2d, conv_transpose2d or dense node (its bias already part of it) whose
// output x is read by an activation node fused into it: the fused node
// writes the activation's output y = f(x) directly, and x is never stored.
// g itself is not changed.
//
// A pair is fused only when nothing else needs x: x is not one of keep (the
// tensors read back or pinned by the caller), and every other reader of x is
// an activation backward of the same activation that reads x as its saved
// tensor, for ReLU or for leaky ReLU with a slope >= 0. Those backward nodes
// then read y instead: y > 0 exactly where x > 0 for these activations, so
// their results do not change. Tanh and sigmoid backward read y already; a
// batch norm, dropout, loss or any other reader of x prevents the fusion.
func FuseEpilogues(g *Graph, keep []*Tensor) (*Fusion, error) {
	if g == nil {
		return nil, fmt.Errorf("graph: FuseEpilogues: nil graph")
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("graph: FuseEpilogues: the graph has an error: %w", err)
	}
	if err := g.own("graph: FuseEpilogues: kept tensor", keep...); err != nil {
		return nil, err
	}
	kept := map[*Tensor]bool{}
	for _, t := range keep {
		kept[t] = true
	}
	readers := map[*Tensor][]*Node{}
	for _, n := range g.nodes {
		for _, t := range n.inputs {
			readers[t] = append(readers[t], n)
		}
	}
	fused := map[*Node]*Node{}   // producer -> its fused replacement
	dropped := map[*Node]bool{}  // activations fused into their producer
	rewired := map[*Node]*Node{} // activation backward nodes reading y instead of x
	f := &Fusion{}
	for _, n := range g.nodes {
		act, ok := n.op.(ActivationOp)
		if !ok {
			continue
		}
		x, y := n.inputs[0], n.outputs[0]
		prod := x.node
		if prod == nil || kept[x] || fused[prod] != nil {
			continue
		}
		op, ok := withEpilogue(prod.op, kernels.Epilogue{Act: act.P.Kind, Slope: act.P.Slope})
		if !ok {
			continue
		}
		var back []*Node
		fusable := true
		for _, r := range readers[x] {
			if r == n {
				continue
			}
			if !savedReader(r, x, act.P) {
				fusable = false
				break
			}
			back = append(back, r)
		}
		if !fusable || countReads(n, x) != 1 {
			continue
		}
		name := prod.name + "+" + n.name
		fused[prod] = &Node{op: op, name: name, inputs: prod.inputs, outputs: []*Tensor{y}}
		dropped[n] = true
		for _, r := range back {
			rewired[r] = &Node{op: r.op, name: r.name, inputs: []*Tensor{y, r.inputs[1]}, outputs: r.outputs}
		}
		f.Pairs = append(f.Pairs, name)
	}
	for _, n := range g.nodes {
		switch {
		case dropped[n]:
		case fused[n] != nil:
			f.Nodes = append(f.Nodes, fused[n])
		case rewired[n] != nil:
			f.Nodes = append(f.Nodes, rewired[n])
		default:
			f.Nodes = append(f.Nodes, n)
		}
	}
	return f, nil
}

// withEpilogue returns the conv2d, conv_transpose2d or dense op with epilogue
// e, and false for any other op or one that already has an epilogue.
func withEpilogue(op Op, e kernels.Epilogue) (Op, bool) {
	switch o := op.(type) {
	case Conv2DOp:
		if !o.P.Epilogue.Active() {
			o.P.Epilogue = e
			return o, true
		}
	case ConvTranspose2DOp:
		if !o.P.Epilogue.Active() {
			o.P.Epilogue = e
			return o, true
		}
	case DenseOp:
		if !o.P.Epilogue.Active() {
			o.P.Epilogue = e
			return o, true
		}
	}
	return nil, false
}

// savedReader reports whether node r is an activation backward of activation
// p that reads x only as its saved tensor, and whether that backward gives the
// same result from the activation's output: ReLU, or leaky ReLU with a slope
// >= 0 (the output is > 0 exactly where the input is).
func savedReader(r *Node, x *Tensor, p kernels.ActivationParams) bool {
	b, ok := r.op.(ActivationBackwardOp)
	if !ok || b.P != p || r.inputs[0] != x || r.inputs[1] == x {
		return false
	}
	switch p.Kind {
	case kernels.ReLU:
		return true
	case kernels.LeakyReLU:
		return p.Slope >= 0
	}
	return false
}

// countReads is the number of n's inputs that are t.
func countReads(n *Node, t *Tensor) int {
	c := 0
	for _, in := range n.inputs {
		if in == t {
			c++
		}
	}
	return c
}
