package cpuprogram

import (
	"errors"
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Params holds a ParamSet's parameters and state for CPU programs, one
// slice per name, and the Adam state of every parameter a program trains.
// Programs compiled with the same Params read and write the same slices.
type Params struct {
	ps   *graph.ParamSet
	vals map[string][]float32
	adam backend.HostAdam
}

// NewParams returns an empty store for ps's values.
func NewParams(ps *graph.ParamSet) (*Params, error) {
	if ps == nil {
		return nil, errors.New("cpuprogram: NewParams: nil ParamSet")
	}
	return &Params{ps: ps, vals: map[string][]float32{}, adam: backend.HostAdam{}}, nil
}

// ParamSet returns the ParamSet the store mirrors.
func (d *Params) ParamSet() *graph.ParamSet { return d.ps }

// Names returns the names held, in the ParamSet's order.
func (d *Params) Names() []string {
	return graph.NamesIn(d.ps, d.vals)
}

// value returns the slice of name, copying it from the ParamSet on first
// use.
func (d *Params) value(name string) ([]float32, error) {
	if v, ok := d.vals[name]; ok {
		return v, nil
	}
	v := d.ps.Get(name)
	if v == nil {
		return nil, fmt.Errorf("%q is not in the ParamSet", name)
	}
	d.vals[name] = v
	return v, nil
}

// Download copies every value held into ps.
func (d *Params) Download(ps *graph.ParamSet) error {
	for _, name := range d.Names() {
		if err := ps.Set(name, d.vals[name]); err != nil {
			return fmt.Errorf("cpuprogram: download: %w", err)
		}
	}
	return nil
}

// Upload copies the value of every name held from ps; nothing is written
// unless all lengths match.
func (d *Params) Upload(ps *graph.ParamSet) error {
	names := d.Names()
	vals, err := backend.UploadValues(ps, names, func(name string) int { return len(d.vals[name]) }, "store")
	if err != nil {
		return fmt.Errorf("cpuprogram: %w", err)
	}
	for i, name := range names {
		copy(d.vals[name], vals[i])
	}
	return nil
}

// AdamNames returns the parameters with Adam state, in the ParamSet's order.
func (d *Params) AdamNames() []string {
	return graph.NamesIn(d.ps, d.adam)
}

// AdamState returns a copy of the Adam state of parameter name.
func (d *Params) AdamState(name string) (backend.AdamState, error) {
	return d.adam.Get("cpuprogram", name)
}

// SetAdamState replaces the Adam state of parameter name (which a compiled
// program trains) with a copy of st.
func (d *Params) SetAdamState(name string, st backend.AdamState) error {
	return d.adam.Set("cpuprogram", name, st)
}

// Free drops every value; programs using the store must not run afterwards.
func (d *Params) Free() {
	clear(d.vals)
	clear(d.adam)
}
