package graph

import (
	"fmt"
	"hash/fnv"
	"sort"

	"github.com/ocgan-vk/ocgan/kernels"
)

// Init says how ParamSet.Init fills a parameter or state tensor. The zero
// value fills zeros.
type Init struct {
	normal    bool
	mean, std float32 // normal
	value     float32 // constant
}

// InitNormal draws each element from N(mean, std²) (kernels.FillNormal).
// DCGAN-style networks use InitNormal(0, 0.02) for conv and dense weights and
// InitNormal(1, 0.02) for batch-norm gamma.
func InitNormal(mean, std float32) Init { return Init{normal: true, mean: mean, std: std} }

// InitConst sets every element to v.
func InitConst(v float32) Init { return Init{value: v} }

// InitZeros sets every element to 0 (biases, beta, running means).
func InitZeros() Init { return Init{} }

// InitOnes sets every element to 1 (running variances).
func InitOnes() Init { return InitConst(1) }

// String describes the init, e.g. "normal(0, 0.02)" or "const(1)".
func (in Init) String() string {
	if in.normal {
		return fmt.Sprintf("normal(%v, %v)", in.mean, in.std)
	}
	return fmt.Sprintf("const(%v)", in.value)
}

// ParamSet holds parameters and state by name, with their shapes, roles,
// inits and values. The zero value is an empty set. Graphs declare what they use (Graph.Param, Graph.State);
// graphs built on the same ParamSet share the values.
type ParamSet struct {
	entries map[string]*entry
	order   []string // creation order
}

type entry struct {
	name  string
	shape []int
	role  Role
	init  Init
	data  []float32
}

// NamesIn returns the names of ps that are keys of held, in ps's order.
func NamesIn[V any](ps *ParamSet, held map[string]V) []string {
	var out []string
	for _, name := range ps.order {
		if _, ok := held[name]; ok {
			out = append(out, name)
		}
	}
	return out
}

// NewParamSet returns an empty ParamSet.
func NewParamSet() *ParamSet { return &ParamSet{entries: map[string]*entry{}} }

// declare adds name, or checks that an existing name has the same shape and
// role. New entries hold zeros until Init or Set.
func (ps *ParamSet) declare(name string, shape []int, init Init, role Role) error {
	if name == "" {
		return fmt.Errorf("%s: empty name", role)
	}
	if err := checkDims(shape); err != nil {
		return fmt.Errorf("%s %q: %w", role, name, err)
	}
	if in := init; in.normal && !(in.std >= 0) {
		return fmt.Errorf("%s %q: init %v: std must be >= 0", role, name, in)
	}
	if e, ok := ps.entries[name]; ok {
		if e.role != role {
			return fmt.Errorf("%s %q: the parameter set holds it as %s", role, name, e.role)
		}
		if !sameShape(e.shape, shape) {
			return fmt.Errorf("%s %q: shape %v requested, the parameter set has %v", role, name, shape, e.shape)
		}
		return nil
	}
	if ps.entries == nil {
		ps.entries = map[string]*entry{}
	}
	ps.entries[name] = &entry{name: name, shape: append([]int(nil), shape...), role: role, init: init,
		data: make([]float32, numel(shape))}
	ps.order = append(ps.order, name)
	return nil
}

// Names returns every name in creation order.
func (ps *ParamSet) Names() []string { return append([]string(nil), ps.order...) }

// Shape returns the shape of name, nil if there is none.
func (ps *ParamSet) Shape(name string) []int {
	if e, ok := ps.entries[name]; ok {
		return append([]int(nil), e.shape...)
	}
	return nil
}

// Role returns Param or State for name, 0 if there is none.
func (ps *ParamSet) Role(name string) Role {
	if e, ok := ps.entries[name]; ok {
		return e.role
	}
	return 0
}

// Get returns a copy of the values of name, nil if there is none.
func (ps *ParamSet) Get(name string) []float32 {
	if e, ok := ps.entries[name]; ok {
		return append([]float32(nil), e.data...)
	}
	return nil
}

// Set copies data into name; its length must be the element count.
func (ps *ParamSet) Set(name string, data []float32) error {
	e, ok := ps.entries[name]
	if !ok {
		return fmt.Errorf("params: set %q: no such parameter or state", name)
	}
	if len(data) != len(e.data) {
		return fmt.Errorf("params: set %q %v: got %d values, want %d", name, e.shape, len(data), len(e.data))
	}
	copy(e.data, data)
	return nil
}

// InitCounter returns the Philox counter Init uses for name: the 64-bit
// FNV-1a hash of the name. A parameter's initial values therefore depend
// only on the seed and its own name, not on which other parameters exist or
// the order they were declared in.
func InitCounter(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// Init fills every parameter and state tensor from its Init: normal inits
// draw kernels.FillNormal(n, seed, InitCounter(name), std) and add the mean
// (in float64, rounded once to float32); constant inits need no randomness.
// Two names whose counters collide are reported as an error and nothing is
// changed.
func (ps *ParamSet) Init(seed uint64) error {
	names := ps.Names()
	sort.Strings(names)
	seen := map[uint64]string{}
	for _, name := range names {
		c := InitCounter(name)
		if other, ok := seen[c]; ok {
			return fmt.Errorf("params: init: %q and %q have the same RNG counter %#x; rename one", other, name, c)
		}
		seen[c] = name
	}
	for _, name := range names {
		e := ps.entries[name]
		if !e.init.normal {
			for i := range e.data {
				e.data[i] = e.init.value
			}
			continue
		}
		r := kernels.FillNormal(len(e.data), seed, InitCounter(name), e.init.std)
		for i, v := range r {
			e.data[i] = float32(float64(e.init.mean) + float64(v))
		}
	}
	return nil
}

// data returns the live storage of name (nil if none), for backends.
func (ps *ParamSet) data(name string) []float32 {
	if e, ok := ps.entries[name]; ok {
		return e.data
	}
	return nil
}
