package graph

import (
	"fmt"
	"reflect"

	"github.com/ocgan-vk/ocgan/kernels"
)

// Values maps the tensors of a graph to their values (flat, row-major).
type Values map[*Tensor][]float32

// RefBackend runs graphs on the kernels' Go references, the oracles the
// device kernels are tested against. The zero value is ready to use.
type RefBackend struct {
	// Counter is the RNG counter of a run, used by every dropout node (on a
	// device it is the counter in the step-parameter buffer). Use a fresh
	// value for each training step; Gradients' dropout backward nodes use
	// the same one within the run, as they must.
	Counter uint64
}

// Run executes g's nodes in order and returns the value of every tensor it
// computed or read. feeds gives the values of Input tensors; Param and State
// values come from g's ParamSet. The returned values of Param and State
// tensors are copies taken before the run, those of inputs are the fed
// slices themselves, and a Reshape's value is its input's slice. With
// outputs, only the nodes needed for them run, and only the inputs they need
// must be fed; without, every node runs.
//
// In a Train graph each batch-norm node updates its running statistics in
// the ParamSet. Nothing else in the ParamSet changes.
func (r RefBackend) Run(g *Graph, feeds map[*Tensor][]float32, outputs ...*Tensor) (Values, error) {
	if g == nil {
		return nil, fmt.Errorf("ref: nil graph")
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("ref: graph has an error: %w", err)
	}
	for t, v := range feeds {
		if t == nil {
			return nil, fmt.Errorf("ref: feed for a nil tensor")
		}
		if err := g.own("ref: feed", t); err != nil {
			return nil, err
		}
		if t.role != Input {
			return nil, fmt.Errorf("ref: feed for %v, which is not an input", t)
		}
		if len(v) != t.Len() {
			return nil, fmt.Errorf("ref: feed for %v has %d values, want %d", t, len(v), t.Len())
		}
	}
	for _, t := range outputs {
		if t == nil {
			return nil, fmt.Errorf("ref: nil output tensor")
		}
	}
	if err := g.own("ref: output", outputs...); err != nil {
		return nil, err
	}
	needed := g.needed(outputs)
	vals := make(Values, len(g.tensors))
	get := func(t *Tensor) ([]float32, error) {
		if v, ok := vals[t]; ok {
			return v, nil
		}
		switch t.role {
		case Input:
			v, ok := feeds[t]
			if !ok {
				return nil, fmt.Errorf("ref: %v is not fed", t)
			}
			vals[t] = v
			return v, nil
		case Param, State:
			v := g.ps.Get(t.name)
			vals[t] = v
			return v, nil
		}
		return nil, fmt.Errorf("ref: %v has no value (node order broken)", t)
	}
	for _, t := range outputs {
		if t.node == nil {
			if _, err := get(t); err != nil {
				return nil, err
			}
		}
	}
	for _, n := range g.nodes {
		if !needed[n] {
			continue
		}
		in := make([][]float32, len(n.inputs))
		for i, t := range n.inputs {
			v, err := get(t)
			if err != nil {
				return nil, err
			}
			in[i] = v
		}
		out, err := r.exec(g.ps, n, in)
		if err != nil {
			return nil, fmt.Errorf("ref: %v: %w", n, err)
		}
		for i, t := range n.outputs {
			vals[t] = out[i]
		}
	}
	return vals, nil
}

// needed returns the nodes that must run to compute outputs (all nodes when
// there are none).
func (g *Graph) needed(outputs []*Tensor) map[*Node]bool {
	needed := make(map[*Node]bool, len(g.nodes))
	if len(outputs) == 0 {
		for _, n := range g.nodes {
			needed[n] = true
		}
		return needed
	}
	want := map[*Tensor]bool{}
	for _, t := range outputs {
		want[t] = true
	}
	for i := len(g.nodes) - 1; i >= 0; i-- {
		n := g.nodes[i]
		for _, o := range n.outputs {
			if want[o] {
				needed[n] = true
				for _, in := range n.inputs {
					want[in] = true
				}
				break
			}
		}
	}
	return needed
}

// refKernel runs one node on the references: in holds the values of the
// node's inputs, the result those of its outputs.
type refKernel func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error)

// exec runs one node on the references.
func (r RefBackend) exec(ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
	k, ok := refKernels[reflect.TypeOf(n.op)]
	if !ok {
		return nil, fmt.Errorf("no reference for op %T", n.op)
	}
	return k(r, ps, n, in)
}

// HasReference reports whether op's type has a reference (RefBackend can
// run it).
func HasReference(op Op) bool {
	_, ok := refKernels[reflect.TypeOf(op)]
	return ok
}

func typeOf(op Op) reflect.Type { return reflect.TypeOf(op) }

// refKernels maps every op type to its reference.
var refKernels = map[reflect.Type]refKernel{
	typeOf(Conv2DOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(Conv2DOp)
		return one(kernels.Conv2DForward(op.P, in[0], in[1], optional(in, 2)))
	},
	typeOf(Conv2DBackwardInputOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(Conv2DBackwardInputOp)
		return one(kernels.Conv2DBackwardInput(op.P, in[0], in[1]))
	},
	typeOf(Conv2DBackwardWeightOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(Conv2DBackwardWeightOp)
		return one(kernels.Conv2DBackwardWeight(op.P, in[0], in[1]))
	},
	typeOf(Conv2DBackwardBiasOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(Conv2DBackwardBiasOp)
		return one(kernels.Conv2DBackwardBias(op.P, in[0]))
	},
	typeOf(ConvTranspose2DOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(ConvTranspose2DOp)
		return one(kernels.ConvTranspose2DForward(op.P, in[0], in[1], optional(in, 2)))
	},
	typeOf(ConvTranspose2DBackwardInputOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(ConvTranspose2DBackwardInputOp)
		return one(kernels.ConvTranspose2DBackwardInput(op.P, in[0], in[1]))
	},
	typeOf(ConvTranspose2DBackwardWeightOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(ConvTranspose2DBackwardWeightOp)
		return one(kernels.ConvTranspose2DBackwardWeight(op.P, in[0], in[1]))
	},
	typeOf(ConvTranspose2DBackwardBiasOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(ConvTranspose2DBackwardBiasOp)
		return one(kernels.ConvTranspose2DBackwardBias(op.P, in[0]))
	},
	typeOf(DenseOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(DenseOp)
		return one(kernels.DenseForward(op.P, in[0], in[1], optional(in, 2)))
	},
	typeOf(DenseBackwardInputOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(DenseBackwardInputOp)
		return one(kernels.DenseBackwardInput(op.P, in[0], in[1]))
	},
	typeOf(DenseBackwardWeightOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(DenseBackwardWeightOp)
		return one(kernels.DenseBackwardWeight(op.P, in[0], in[1]))
	},
	typeOf(DenseBackwardBiasOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(DenseBackwardBiasOp)
		return one(kernels.DenseBackwardBias(op.P, in[0]))
	},
	typeOf(BatchNormTrainOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(BatchNormTrainOp)
		// The running statistics are updated in the ParamSet's storage.
		rm, rv := ps.data(n.inputs[3].name), ps.data(n.inputs[4].name)
		y, saved, err := kernels.BatchNormTrainForward(op.P, in[0], in[1], in[2], rm, rv)
		if err != nil {
			return nil, err
		}
		return [][]float32{y, saved.Mean, saved.InvStd}, nil
	},
	typeOf(BatchNormEvalOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(BatchNormEvalOp)
		return one(kernels.BatchNormEvalForward(op.P, in[0], in[1], in[2], in[3], in[4]))
	},
	typeOf(BatchNormTrainBackwardOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(BatchNormTrainBackwardOp)
		saved := kernels.BatchNormSaved{Mean: in[2], InvStd: in[3]}
		return three(kernels.BatchNormTrainBackward(op.P, in[0], in[1], saved, in[4]))
	},
	typeOf(BatchNormEvalBackwardOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(BatchNormEvalBackwardOp)
		return three(kernels.BatchNormEvalBackward(op.P, in[0], in[1], in[2], in[3], in[4]))
	},
	typeOf(ActivationOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(ActivationOp)
		return one(kernels.ActivationForward(op.P, in[0]))
	},
	typeOf(ActivationBackwardOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(ActivationBackwardOp)
		return one(kernels.ActivationBackward(op.P, in[0], in[1]))
	},
	typeOf(DropoutOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(DropoutOp)
		p := op.P
		p.Counter = r.Counter
		return one(kernels.DropoutForward(p, in[0]))
	},
	typeOf(DropoutBackwardOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(DropoutBackwardOp)
		p := op.P
		p.Counter = r.Counter
		return one(kernels.DropoutBackward(p, in[0]))
	},
	typeOf(MSELossOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(MSELossOp)
		if op.PerSample {
			return one(kernels.MSELossPerSample(op.P, in[0], in[1]))
		}
		return scalar(kernels.MSELoss(op.P, in[0], in[1]))
	},
	typeOf(BCEWithLogitsLossOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(BCEWithLogitsLossOp)
		if op.PerSample {
			return one(kernels.BCEWithLogitsLossPerSample(op.P, in[0], in[1]))
		}
		return scalar(kernels.BCEWithLogitsLoss(op.P, in[0], in[1]))
	},
	typeOf(MSELossGradOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(MSELossGradOp)
		return one(kernels.MSELossPerSampleGrad(op.P, in[0], in[1], in[2]))
	},
	typeOf(BCEWithLogitsLossGradOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(BCEWithLogitsLossGradOp)
		return one(kernels.BCEWithLogitsLossPerSampleGrad(op.P, in[0], in[1], in[2]))
	},
	typeOf(MeanOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(MeanOp)
		return one(kernels.ReduceMean(op.P, in[0]))
	},
	typeOf(MeanBackwardOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(MeanBackwardOp)
		return one(kernels.ReduceMeanBackward(op.P, in[0]))
	},
	typeOf(AddOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		return one(kernels.Add(in[0], in[1]))
	},
	typeOf(ScaleOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(ScaleOp)
		return one(kernels.Scale(in[0], op.S), nil)
	},
	typeOf(ReshapeOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		return [][]float32{in[0]}, nil // a view: the same values
	},
	typeOf(FillOp{}): func(r RefBackend, ps *ParamSet, n *Node, in [][]float32) ([][]float32, error) {
		op := n.op.(FillOp)
		return one(kernels.Fill(n.outputs[0].Len(), op.V))
	},
}

func optional(in [][]float32, i int) []float32 {
	if i < len(in) {
		return in[i]
	}
	return nil
}

func one(y []float32, err error) ([][]float32, error) {
	if err != nil {
		return nil, err
	}
	return [][]float32{y}, nil
}

func three(a, b, c []float32, err error) ([][]float32, error) {
	if err != nil {
		return nil, err
	}
	return [][]float32{a, b, c}, nil
}

func scalar(v float32, err error) ([][]float32, error) {
	if err != nil {
		return nil, err
	}
	return [][]float32{{v}}, nil
}
