package graph

import (
	"errors"
	"fmt"
)

// Gradients appends to g the nodes that compute the gradient of loss (shape
// [1]) with respect to each tensor in wrt, and returns the gradient tensor
// (role Grad, same shape) of each.
//
// The backward pass visits the forward nodes in reverse order and applies
// each op's rule, which adds the kernels' backward ops (Conv2DBackwardInput,
// BatchNormTrainBackward, ...). Only inputs that depend on a wrt tensor are
// differentiated: a parameter not in wrt (a frozen network) gets no gradient
// nodes, and neither does anything feeding only such parameters. Where a
// tensor is used more than once its gradient contributions are summed with
// Add nodes. A wrt tensor may be a parameter, an input (e.g. a latent vector
// to mine) or an activation; State tensors cannot be differentiated. A wrt
// tensor the loss does not depend on gets a zero gradient (a Fill node).
//
// Asking for a gradient that needs an op's missing rule (through a loss's
// target that has none, through batch norm's saved statistics, through a
// gradient node) is an error, which is also recorded as the graph's error.
// Gradients may be called more than once on a graph (e.g. one loss per
// network); each call differentiates only the nodes present when it starts.
func (g *Graph) Gradients(loss *Tensor, wrt ...*Tensor) (map[*Tensor]*Tensor, error) {
	if g.err != nil {
		return nil, g.err
	}
	grads, err := g.gradients(loss, wrt)
	if err != nil {
		g.fail(err)
		return nil, err
	}
	return grads, nil
}

func (g *Graph) gradients(loss *Tensor, wrt []*Tensor) (map[*Tensor]*Tensor, error) {
	if loss == nil {
		return nil, errors.New("gradient: loss is nil")
	}
	if err := g.own("gradient", append([]*Tensor{loss}, wrt...)...); err != nil {
		return nil, err
	}
	if !sameShape(loss.shape, []int{1}) {
		return nil, fmt.Errorf("gradient: loss %v must have shape [1] (reduce it with a mean loss or Mean)", loss)
	}
	if len(wrt) == 0 {
		return nil, errors.New("gradient: no tensors to differentiate with respect to")
	}
	for _, t := range wrt {
		if t == nil {
			return nil, errors.New("gradient: a wrt tensor is nil")
		}
		if t.role == State {
			return nil, fmt.Errorf("gradient: %v cannot be differentiated (state is not trainable)", t)
		}
	}

	nodes := g.nodes // the forward graph as it is now; gradient nodes are appended after
	dep := g.dependsOn(nodes, wrt)

	b := &gradBuilder{g: g}
	parts := map[*Tensor][]*Tensor{}
	summed := map[*Tensor]*Tensor{}
	total := func(t *Tensor) *Tensor {
		if s, ok := summed[t]; ok {
			return s
		}
		s := b.sum(t, parts[t])
		summed[t] = s
		return s
	}
	if dep[loss.id] {
		parts[loss] = []*Tensor{g.fill("grad("+loss.name+")", loss.shape, 1, Grad)}
	}
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		dy := make([]*Tensor, len(n.outputs))
		hasDy := false
		for j, o := range n.outputs {
			if len(parts[o]) > 0 {
				dy[j], hasDy = total(o), true
			}
		}
		need := make([]bool, len(n.inputs))
		needAny := false
		for j, in := range n.inputs {
			need[j] = dep[in.id]
			needAny = needAny || need[j]
		}
		if !hasDy || !needAny {
			continue
		}
		rule, ok := n.op.(gradRule)
		if !ok {
			for j := range need {
				if need[j] {
					return nil, noRule(n, j, "input")
				}
			}
		}
		gs, err := rule.gradient(b, n, dy, need)
		if err != nil {
			return nil, err
		}
		for j, in := range n.inputs {
			if !need[j] {
				continue
			}
			if gs[j] == nil {
				return nil, noRule(n, j, "input")
			}
			parts[in] = append(parts[in], gs[j])
		}
	}

	out := make(map[*Tensor]*Tensor, len(wrt))
	for _, t := range wrt {
		if len(parts[t]) == 0 {
			out[t] = g.fill("grad("+t.name+")", t.shape, 0, Grad)
			continue
		}
		out[t] = total(t)
	}
	return out, nil
}

// dependsOn marks, by tensor ID, the wrt tensors and every output of the
// given nodes that is computed from one of them.
func (g *Graph) dependsOn(nodes []*Node, wrt []*Tensor) []bool {
	dep := make([]bool, len(g.tensors))
	for _, t := range wrt {
		dep[t.id] = true
	}
	for _, n := range nodes {
		for _, in := range n.inputs {
			if dep[in.id] {
				for _, o := range n.outputs {
					dep[o.id] = true
				}
				break
			}
		}
	}
	return dep
}

// sum returns the total of the gradient contributions to t: the single
// contribution itself, or a chain of Add nodes, the last named "grad(<t>)".
func (b *gradBuilder) sum(t *Tensor, parts []*Tensor) *Tensor {
	acc := parts[0]
	for i, p := range parts[1:] {
		name := fmt.Sprintf("grad(%s)+%d", t.name, i+1)
		if i == len(parts)-2 {
			name = fmt.Sprintf("grad(%s)", t.name)
		}
		acc = b.g.add1(AddOp{}, name, t.shape, Grad, acc, p)
	}
	return acc
}
