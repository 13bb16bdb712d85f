// Package refprogram runs graphs on the kernels' float64-accumulated Go
// references (graph.RefBackend) behind the backend.Backend interface: the
// oracle the Vulkan and CPU backends are compared with end to end, for
// whole training runs as for single ops. It is slow by design.
package refprogram

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Backend is the reference backend. The zero value is ready to use.
type Backend struct{}

// Device describes the reference "device".
func (Backend) Device() backend.Device {
	return backend.Device{Backend: "reference", Name: "Go references (float64 accumulation)", Kind: backend.OtherDevice}
}

// NewParams returns a store whose values are ps's own storage.
func (Backend) NewParams(ps *graph.ParamSet) (backend.Params, error) { return NewParams(ps) }

// Compile returns a program running g on the references.
func (Backend) Compile(g *graph.Graph, opts backend.Options) (backend.Program, error) {
	return Compile(g, opts)
}

// Close does nothing.
func (Backend) Close() error { return nil }

// Params keeps the values in the ParamSet itself and the Adam state of the
// parameters programs train.
type Params struct {
	ps    *graph.ParamSet
	names map[string]bool
	adam  backend.HostAdam
}

// NewParams returns a store over ps.
func NewParams(ps *graph.ParamSet) (*Params, error) {
	if ps == nil {
		return nil, errors.New("refprogram: NewParams: nil ParamSet")
	}
	return &Params{ps: ps, names: map[string]bool{}, adam: backend.HostAdam{}}, nil
}

// ParamSet returns the ParamSet the store holds.
func (d *Params) ParamSet() *graph.ParamSet { return d.ps }

// Names returns the names programs use, in the ParamSet's order.
func (d *Params) Names() []string {
	return graph.NamesIn(d.ps, d.names)
}

// Download copies the values used by programs into ps.
func (d *Params) Download(ps *graph.ParamSet) error {
	if ps == d.ps {
		return nil
	}
	for _, n := range d.Names() {
		if err := ps.Set(n, d.ps.Get(n)); err != nil {
			return fmt.Errorf("refprogram: download: %w", err)
		}
	}
	return nil
}

// Upload copies the values used by programs from ps.
func (d *Params) Upload(ps *graph.ParamSet) error {
	if ps == d.ps {
		return nil
	}
	names := d.Names()
	vals, err := backend.UploadValues(ps, names, func(n string) int { return len(d.ps.Get(n)) }, "store")
	if err != nil {
		return fmt.Errorf("refprogram: %w", err)
	}
	for i, n := range names {
		if err := d.ps.Set(n, vals[i]); err != nil {
			return fmt.Errorf("refprogram: upload: %w", err)
		}
	}
	return nil
}

// AdamNames returns the trained parameters, in the ParamSet's order.
func (d *Params) AdamNames() []string {
	return graph.NamesIn(d.ps, d.adam)
}

// AdamState returns a copy of a parameter's Adam state.
func (d *Params) AdamState(name string) (backend.AdamState, error) {
	return d.adam.Get("refprogram", name)
}

// SetAdamState replaces a trained parameter's Adam state with a copy of st.
func (d *Params) SetAdamState(name string, st backend.AdamState) error {
	return d.adam.Set("refprogram", name, st)
}

// Free forgets the Adam state.
func (d *Params) Free() { clear(d.adam) }

// Program runs a graph on the references.
type Program struct {
	g       *graph.Graph
	params  *Params
	outputs []*graph.Tensor
	trained []*graph.Tensor
	grads   map[*graph.Tensor]*graph.Tensor
	hyper   backend.Adam
	counter uint64
	values  map[*graph.Tensor][]float32
}

// Compile checks g and opts and returns the program.
func Compile(g *graph.Graph, opts backend.Options) (*Program, error) {
	if g == nil {
		return nil, errors.New("refprogram: compile: nil graph")
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("refprogram: compile: the graph has an error: %w", err)
	}
	p := &Program{g: g, outputs: opts.Outputs, values: map[*graph.Tensor][]float32{}}
	switch ps := opts.Params.(type) {
	case nil:
		p.params, _ = NewParams(g.Params())
	case *Params:
		if ps.ps != g.Params() {
			return nil, errors.New("refprogram: compile: opts.Params holds another ParamSet than the graph's")
		}
		p.params = ps
	default:
		return nil, fmt.Errorf("refprogram: compile: opts.Params is a %T, not a reference *Params", opts.Params)
	}
	for _, t := range g.Tensors() {
		if t.Role() == graph.Param || t.Role() == graph.State {
			p.params.names[t.Name()] = true
		}
	}
	if a := opts.Adam; a != nil {
		p.hyper, p.grads = *a, a.Grads
		for w := range a.Grads {
			if w.Role() == graph.Param {
				p.trained = append(p.trained, w)
				p.params.adam.For(w.Name(), w.Len())
			}
		}
		sort.Slice(p.trained, func(i, j int) bool { return p.trained[i].ID() < p.trained[j].ID() })
	}
	return p, nil
}

// Profile returns nil: the reference executor runs the graph as a whole.
func (p *Program) Profile() []backend.NodeTime { return nil }

// Step runs every node on the references, then the Adam updates.
func (p *Program) Step(feeds map[*graph.Tensor][]float32) (map[*graph.Tensor][]float32, error) {
	v, _, err := p.StepTimed(feeds)
	return v, err
}

// StepTimed is Step with its time, all of it counted as Run.
func (p *Program) StepTimed(feeds map[*graph.Tensor][]float32) (map[*graph.Tensor][]float32, backend.StepTiming, error) {
	var st backend.StepTiming
	t0 := time.Now()
	vals, err := graph.RefBackend{Counter: p.counter}.Run(p.g, feeds)
	if err != nil {
		return nil, st, fmt.Errorf("refprogram: step: %w", err)
	}
	ps := p.params.ps
	for _, w := range p.trained {
		s := p.params.adam[w.Name()]
		step, err := kernels.NewAdamStep(p.hyper.LR, p.hyper.Beta1, p.hyper.Beta2, p.hyper.Eps, s.Steps+1)
		if err != nil {
			return nil, st, fmt.Errorf("refprogram: step: %w", err)
		}
		v := ps.Get(w.Name())
		if err := kernels.AdamUpdate(step, v, s.M, s.V, vals[p.grads[w]]); err != nil {
			return nil, st, fmt.Errorf("refprogram: step: adam update of %q: %w", w.Name(), err)
		}
		if err := ps.Set(w.Name(), v); err != nil {
			return nil, st, err
		}
		s.Steps++
	}
	p.counter++
	for _, o := range p.outputs {
		if o.Role() == graph.Param || o.Role() == graph.State {
			p.values[o] = ps.Get(o.Name())
		} else {
			p.values[o] = vals[o]
		}
	}
	st.Run = time.Since(t0)
	return p.values, st, nil
}

// Counter returns the RNG counter of the next Step.
func (p *Program) Counter() uint64 { return p.counter }

// SetCounter sets the RNG counter of the next Step.
func (p *Program) SetCounter(c uint64) { p.counter = c }

// SetLR sets the learning rate of the next steps.
func (p *Program) SetLR(lr float32) { p.hyper.LR = lr }

// Free does nothing: the values live in the ParamSet.
func (p *Program) Free() {}

var (
	_ backend.Backend = Backend{}
	_ backend.Program = (*Program)(nil)
	_ backend.Params  = (*Params)(nil)
)
