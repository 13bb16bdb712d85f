package graph

import (
	"errors"
	"fmt"
	"math"
)

// Folded is the result of FoldBatchNorm: the rewritten graph and where the
// tensors of the original went.
type Folded struct {
	// Graph is the rewritten graph, on its own ParamSet.
	Graph *Graph
	// Tensors maps each tensor of the original graph to its counterpart in
	// Graph: the output of a folded batch norm goes to the output of the
	// conv that replaces the pair; the conv output it normalised has none.
	Tensors map[*Tensor]*Tensor
	// Pairs names each folded pair as "<conv node>+<batch-norm node>".
	Pairs []string
}

// FoldBatchNorm returns a copy of the forward-only Eval graph g in which
// every eval batch norm whose input is the output of a conv2d or
// conv_transpose2d node is replaced, together with that node, by one conv
// with a bias, whenever the conv output is read by nothing else and is not
// one of outputs. With s = gamma/sqrt(running var + eps) per output channel,
// the new conv has weight w·s and bias (b − running mean)·s + beta (b = 0
// without a bias), computed in float64 from g's ParamSet values at the time
// of the call.
//
// The copy lives on a new ParamSet holding copies of the parameters and
// state it reads plus the folded weights and biases, named
// "<conv node>+<batch-norm node>.weight" and ".bias" (with "#<tensor id>"
// of the batch-norm output added when two pairs share both names: a shared
// weight and batch norm); later changes to g's
// ParamSet are not seen. Every input of g is copied, read or not.
//
// A Train graph, a graph with gradient tensors, or a graph with an error is
// refused with an error, as is a graph that already uses a folded name.
func FoldBatchNorm(g *Graph, outputs []*Tensor) (*Folded, error) {
	if g == nil {
		return nil, errors.New("graph: FoldBatchNorm: nil graph")
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("graph: FoldBatchNorm: the graph has an error: %w", err)
	}
	if g.mode != Eval {
		return nil, fmt.Errorf("graph: FoldBatchNorm: a %s graph; only Eval graphs fold", g.mode)
	}
	for _, t := range outputs {
		if t == nil {
			return nil, errors.New("graph: FoldBatchNorm: nil output tensor")
		}
	}
	if err := g.own("graph: FoldBatchNorm: output", outputs...); err != nil {
		return nil, err
	}
	for _, t := range g.tensors {
		if t.role == Grad {
			return nil, fmt.Errorf("graph: FoldBatchNorm: gradient tensor %v; only forward-only graphs fold", t)
		}
	}
	pairs := foldablePairs(g, outputs)
	f := &Folded{Graph: New(NewParamSet(), Eval), Tensors: map[*Tensor]*Tensor{}}
	h := f.Graph
	for _, t := range g.tensors {
		if t.role == Input {
			f.Tensors[t] = h.Input(t.name, t.shape...)
		}
	}
	// mapped returns t's counterpart in h, copying a Param or State leaf
	// (with its values) on first use.
	mapped := func(t *Tensor) *Tensor {
		if nt, ok := f.Tensors[t]; ok || t.node != nil {
			return nt
		}
		e := g.ps.entries[t.name]
		nt := h.leaf(t.name, t.shape, e.init, t.role)
		if err := h.ps.Set(t.name, e.data); err != nil {
			h.fail(fmt.Errorf("graph: FoldBatchNorm: %w", err))
		}
		f.Tensors[t] = nt
		return nt
	}
	folded := map[*Node]bool{}
	for _, conv := range pairs {
		folded[conv] = true
	}
	for _, n := range g.nodes {
		if folded[n] {
			continue
		}
		op, name, ins := n.op, n.name, []*Tensor(nil)
		if conv, ok := pairs[n]; ok {
			var err error
			if op, ins, name, err = foldPair(g, h, conv, n, f.Tensors[conv.inputs[0]]); err != nil {
				return nil, err
			}
			f.Pairs = append(f.Pairs, name)
		} else {
			ins = make([]*Tensor, len(n.inputs))
			for i, t := range n.inputs {
				ins[i] = mapped(t)
			}
		}
		outs := make([]outSpec, len(n.outputs))
		for i, o := range n.outputs {
			outs[i] = outSpec{o.name, o.shape, o.role}
		}
		nn := h.addNode(op, name, ins, outs...)
		for i, o := range n.outputs {
			f.Tensors[o] = nn.outputs[i]
		}
	}
	for _, t := range outputs {
		mapped(t)
	}
	if err := h.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

// foldablePairs returns, for each eval batch-norm node of g that can be
// folded, the conv node producing its input.
func foldablePairs(g *Graph, outputs []*Tensor) map[*Node]*Node {
	reads := map[*Tensor]int{}
	for _, n := range g.nodes {
		for _, t := range n.inputs {
			reads[t]++
		}
	}
	for _, t := range outputs {
		reads[t]++ // an output is read by the caller
	}
	pairs := map[*Node]*Node{}
	for _, n := range g.nodes {
		if _, ok := n.op.(BatchNormEvalOp); !ok {
			continue
		}
		x := n.inputs[0]
		conv := x.node
		if conv == nil || reads[x] != 1 {
			continue
		}
		switch conv.op.(type) {
		case Conv2DOp, ConvTranspose2DOp:
		default:
			continue
		}
		if !allLeaves(conv.inputs[1:]) || !allLeaves(n.inputs[1:]) {
			continue
		}
		pairs[n] = conv
	}
	return pairs
}

// allLeaves reports whether every tensor is a Param or State tensor, whose
// values the ParamSet holds.
func allLeaves(ts []*Tensor) bool {
	for _, t := range ts {
		if t.role != Param && t.role != State {
			return false
		}
	}
	return true
}

// foldPair builds the folded weight and bias of conv followed by the batch
// norm bn in h and returns the conv op with a bias, its inputs (x, weight,
// bias) and its node name.
func foldPair(g, h *Graph, conv, bn *Node, x *Tensor) (Op, []*Tensor, string, error) {
	name := conv.name + "+" + bn.name
	if h.ps.Role(name+".weight") != 0 { // a conv sharing its weight, folded before
		name = fmt.Sprintf("%s#%d", name, bn.outputs[0].id)
	}
	wName, bName := name+".weight", name+".bias"
	for _, s := range []string{wName, bName} {
		if g.ps.Role(s) != 0 {
			return nil, nil, "", fmt.Errorf("graph: FoldBatchNorm: %v: the folded name %q is already a parameter", conv, s)
		}
	}
	w := g.ps.data(conv.inputs[1].name)
	var bias []float32
	if len(conv.inputs) > 2 {
		bias = g.ps.data(conv.inputs[2].name)
	}
	p := bn.op.(BatchNormEvalOp).P
	gamma, beta := g.ps.data(bn.inputs[1].name), g.ps.data(bn.inputs[2].name)
	mean, variance := g.ps.data(bn.inputs[3].name), g.ps.data(bn.inputs[4].name)

	var op Op
	var k, outer int // output channels; input channels in front of them in the weight
	switch c := conv.op.(type) {
	case Conv2DOp:
		c.P.Bias = true
		op, k, outer = c, c.P.K, 1
	case ConvTranspose2DOp:
		c.P.Bias = true
		op, k, outer = c, c.P.K, c.P.C
	}
	per := len(w) / (outer * k) // elements per (outer, output channel) block
	scale := make([]float64, k)
	fb := make([]float32, k)
	for c := 0; c < k; c++ {
		v := float64(variance[c]) + float64(p.Eps)
		if !(v > 0) {
			return nil, nil, "", fmt.Errorf("graph: FoldBatchNorm: %v: running var[%d] + eps = %v is not > 0", bn, c, v)
		}
		scale[c] = float64(gamma[c]) / math.Sqrt(v)
		b := 0.0
		if bias != nil {
			b = float64(bias[c])
		}
		fb[c] = float32((b-float64(mean[c]))*scale[c] + float64(beta[c]))
	}
	fw := make([]float32, len(w))
	for o := 0; o < outer; o++ {
		for c := 0; c < k; c++ {
			base := (o*k + c) * per
			for i := base; i < base+per; i++ {
				fw[i] = float32(float64(w[i]) * scale[c])
			}
		}
	}
	wt := h.Param(wName, conv.inputs[1].shape, InitZeros())
	bt := h.Param(bName, []int{k}, InitZeros())
	if err := h.ps.Set(wName, fw); err != nil {
		return nil, nil, "", fmt.Errorf("graph: FoldBatchNorm: %w", err)
	}
	if err := h.ps.Set(bName, fb); err != nil {
		return nil, nil, "", fmt.Errorf("graph: FoldBatchNorm: %w", err)
	}
	return op, []*Tensor{x, wt, bt}, name, nil
}
