package graph

import (
	"fmt"
	"sort"

	"github.com/ocgan-vk/ocgan/kernels"
)

// Adam is the Adam optimizer (PyTorch torch.optim.Adam without weight decay)
// over the parameters of a ParamSet, by name, with kernels.AdamUpdate. It
// keeps the moments m and v of each parameter it has updated and its own
// step count; use one Adam per group of parameters stepped together (one per
// network in a GAN).
type Adam struct {
	LR, Beta1, Beta2, Eps float32

	t    int
	m, v map[string][]float32
}

// NewAdam returns an Adam with the OCGAN / DCGAN hyper-parameters: learning
// rate 2e-4, betas (0.5, 0.999), eps 1e-8.
func NewAdam() *Adam {
	return &Adam{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8, m: map[string][]float32{}, v: map[string][]float32{}}
}

// Steps returns the number of steps taken.
func (a *Adam) Steps() int { return a.t }

// Step applies one Adam step to each parameter named in grads, given its
// gradient. Every name must be a Param of ps with a gradient of the right
// length; all are checked before anything changes. Moments start at zero.
func (a *Adam) Step(ps *ParamSet, grads map[string][]float32) error {
	if ps == nil {
		return fmt.Errorf("adam: nil ParamSet")
	}
	s, err := kernels.NewAdamStep(a.LR, a.Beta1, a.Beta2, a.Eps, a.t+1)
	if err != nil {
		return fmt.Errorf("adam: step %d: %w", a.t+1, err)
	}
	names := make([]string, 0, len(grads))
	for name, g := range grads {
		e, ok := ps.entries[name]
		if !ok || e.role != Param {
			return fmt.Errorf("adam: %q is not a parameter of the set", name)
		}
		if len(g) != len(e.data) {
			return fmt.Errorf("adam: gradient of %q %v has %d values, want %d", name, e.shape, len(g), len(e.data))
		}
		if m, ok := a.m[name]; ok && len(m) != len(e.data) {
			return fmt.Errorf("adam: %q has %d values but its moments have %d (parameter set changed?)", name, len(e.data), len(m))
		}
		names = append(names, name)
	}
	sort.Strings(names)
	if a.m == nil {
		a.m, a.v = map[string][]float32{}, map[string][]float32{}
	}
	for _, name := range names {
		p := ps.entries[name].data
		if _, ok := a.m[name]; !ok {
			a.m[name], a.v[name] = make([]float32, len(p)), make([]float32, len(p))
		}
		if err := kernels.AdamUpdate(s, p, a.m[name], a.v[name], grads[name]); err != nil {
			return fmt.Errorf("adam: %q: %w", name, err)
		}
	}
	a.t++
	return nil
}

// ParamGrads picks out of vals the values of the gradients of parameters:
// for each wrt tensor with role Param in grads (as returned by
// Graph.Gradients), the value of its gradient, keyed by parameter name.
// Gradients with respect to inputs or activations are skipped.
func ParamGrads(grads map[*Tensor]*Tensor, vals Values) (map[string][]float32, error) {
	out := make(map[string][]float32, len(grads))
	for p, g := range grads {
		if p.role != Param {
			continue
		}
		v, ok := vals[g]
		if !ok {
			return nil, fmt.Errorf("graph: no value for the gradient of %v (was it run?)", p)
		}
		out[p.name] = v
	}
	return out, nil
}
