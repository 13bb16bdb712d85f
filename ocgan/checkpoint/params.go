package checkpoint

import (
	"fmt"
	"math"
	"reflect"

	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// AdamStore holds the Adam state of trained parameters; every
// backend.Params is one.
type AdamStore interface {
	AdamNames() []string
	AdamState(name string) (backend.AdamState, error)
	SetAdamState(name string, st backend.AdamState) error
}

// noAdam reports whether a is nil or a nil pointer (a nil store of a
// backend), which both mean "no optimizer state".
func noAdam(a AdamStore) bool {
	if a == nil {
		return true
	}
	v := reflect.ValueOf(a)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// FromParams returns a checkpoint of geo holding every parameter and state
// tensor of ps, in ps's order, and the Adam state of every parameter adam
// trains (none if adam is nil or a nil store). The values
// are copies. With a backend.Params, call its Download(ps) first:
// FromParams reads ps's host values. Set Train and Meta on the result
// before saving.
func FromParams(geo model.Geometry, ps *graph.ParamSet, adam AdamStore) (*Checkpoint, error) {
	if ps == nil {
		return nil, fmt.Errorf("checkpoint: from params: nil ParamSet")
	}
	c := &Checkpoint{Geometry: geo}
	for _, name := range ps.Names() {
		c.Tensors = append(c.Tensors, Tensor{Name: name, Role: ps.Role(name), Shape: ps.Shape(name), Data: ps.Get(name)})
	}
	if !noAdam(adam) {
		for _, name := range adam.AdamNames() {
			st, err := adam.AdamState(name)
			if err != nil {
				return nil, fmt.Errorf("checkpoint: from params: %w", err)
			}
			c.Adam = append(c.Adam, Adam{Name: name, M: st.M, V: st.V, Steps: st.Steps})
		}
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("checkpoint: from params: %w", err)
	}
	return c, nil
}

// Restore copies the checkpoint's values into every parameter and state
// tensor of ps, and its Adam state into every parameter adam trains
// (skipped if adam is nil or a nil store). Each must be in
// the checkpoint with the same role and shape; tensors and Adam state the
// checkpoint holds beyond them are ignored (a scoring run builds only some
// networks). Nothing is written unless everything matches; the error then
// wraps ErrArchitecture and names the first mismatch. Check the geometry
// first with CheckArchitecture. With a backend.Params, call its
// Upload(ps) afterwards: Restore writes ps's host values (and the device's
// Adam state directly).
func (c *Checkpoint) Restore(ps *graph.ParamSet, adam AdamStore) error {
	if ps == nil {
		return fmt.Errorf("checkpoint: restore: nil ParamSet")
	}
	byName := make(map[string]*Tensor, len(c.Tensors))
	for i := range c.Tensors {
		byName[c.Tensors[i].Name] = &c.Tensors[i]
	}
	names := ps.Names()
	for _, name := range names {
		t, ok := byName[name]
		role, shape := ps.Role(name), ps.Shape(name)
		switch {
		case !ok:
			return fmt.Errorf("checkpoint: restore: %w: no %s %q in the checkpoint", ErrArchitecture, role, name)
		case t.Role != role:
			return fmt.Errorf("checkpoint: restore: %w: %q is a %s in the checkpoint, a %s in the ParamSet", ErrArchitecture, name, t.Role, role)
		case fmt.Sprint(t.Shape) != fmt.Sprint(shape):
			return fmt.Errorf("checkpoint: restore: %w: %s %q has shape %v in the checkpoint, %v in the ParamSet", ErrArchitecture, role, name, t.Shape, shape)
		}
	}
	var adamNames []string
	adamBy := make(map[string]*Adam, len(c.Adam))
	if !noAdam(adam) {
		for i := range c.Adam {
			adamBy[c.Adam[i].Name] = &c.Adam[i]
		}
		adamNames = adam.AdamNames()
		for _, name := range adamNames {
			a, ok := adamBy[name]
			if !ok {
				return fmt.Errorf("checkpoint: restore: %w: no Adam state for %q in the checkpoint", ErrArchitecture, name)
			}
			if want, err := Numel(ps.Shape(name), math.MaxInt64); err == nil && int64(len(a.M)) != want {
				return fmt.Errorf("checkpoint: restore: %w: Adam state of %q has %d values, the ParamSet %d", ErrArchitecture, name, len(a.M), want)
			}
		}
	}
	for _, name := range names {
		if err := ps.Set(name, byName[name].Data); err != nil {
			return fmt.Errorf("checkpoint: restore: %w", err)
		}
	}
	for _, name := range adamNames {
		a := adamBy[name]
		st := backend.AdamState{M: append([]float32(nil), a.M...), V: append([]float32(nil), a.V...), Steps: a.Steps}
		if err := adam.SetAdamState(name, st); err != nil {
			return fmt.Errorf("checkpoint: restore: %w", err)
		}
	}
	return nil
}
