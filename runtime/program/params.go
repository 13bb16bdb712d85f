package program

import (
	"errors"
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// DeviceParams holds a ParamSet's parameters and state on the device, one
// buffer per name, and the Adam state of every parameter a program trains.
// Programs compiled with the same DeviceParams read and write the same
// buffers, so a program sees the updates of another without copies.
//
// Buffers are created when a program first uses a name (from the ParamSet's
// values at that moment) and freed by Free.
type DeviceParams struct {
	ctx  *vk.Context
	ps   *graph.ParamSet
	bufs map[string]*vk.Buffer
	adam map[string]*adamState
}

// adamState is the device-side Adam state of one parameter.
type adamState struct {
	m, v  *vk.Buffer
	steps int // Adam steps applied so far
}

// NewDeviceParams returns an empty device store for ps's values on ctx.
func NewDeviceParams(ctx *vk.Context, ps *graph.ParamSet) (*DeviceParams, error) {
	if ctx == nil || ps == nil {
		return nil, errors.New("program: NewDeviceParams: nil context or ParamSet")
	}
	return &DeviceParams{ctx: ctx, ps: ps, bufs: map[string]*vk.Buffer{}, adam: map[string]*adamState{}}, nil
}

// ParamSet returns the ParamSet the store mirrors.
func (d *DeviceParams) ParamSet() *graph.ParamSet { return d.ps }

// Names returns the names held on the device, in the ParamSet's order.
func (d *DeviceParams) Names() []string {
	return graph.NamesIn(d.ps, d.bufs)
}

// buffer returns the buffer of name, creating and uploading it on first use.
func (d *DeviceParams) buffer(name string) (*vk.Buffer, error) {
	if b, ok := d.bufs[name]; ok {
		return b, nil
	}
	v := d.ps.Get(name)
	if v == nil {
		return nil, fmt.Errorf("%q is not in the ParamSet", name)
	}
	b, err := d.ctx.NewBufferFloat32(len(v), v)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", name, err)
	}
	d.bufs[name] = b
	return b, nil
}

// adamFor returns the Adam state of parameter name, creating zero moments on
// first use.
func (d *DeviceParams) adamFor(name string, n int) (*adamState, error) {
	if s, ok := d.adam[name]; ok {
		return s, nil
	}
	zeros := make([]float32, n)
	m, err := d.ctx.NewBufferFloat32(n, zeros)
	if err != nil {
		return nil, fmt.Errorf("adam moments of %q: %w", name, err)
	}
	v, err := d.ctx.NewBufferFloat32(n, zeros)
	if err != nil {
		m.Free()
		return nil, fmt.Errorf("adam moments of %q: %w", name, err)
	}
	s := &adamState{m: m, v: v}
	d.adam[name] = s
	return s, nil
}

// Download copies every parameter and state value held on the device into
// ps (usually the store's own ParamSet, or one with the same names and
// shapes, e.g. for a checkpoint). Call it between steps.
func (d *DeviceParams) Download(ps *graph.ParamSet) error {
	for _, name := range d.Names() {
		v, err := d.bufs[name].Float32s()
		if err != nil {
			return fmt.Errorf("program: download %q: %w", name, err)
		}
		if err := ps.Set(name, v); err != nil {
			return fmt.Errorf("program: download: %w", err)
		}
	}
	return nil
}

// Upload copies the values of every name held on the device from ps; each
// must be in ps with the same length. Nothing is written unless all are.
func (d *DeviceParams) Upload(ps *graph.ParamSet) error {
	names := d.Names()
	vals, err := backend.UploadValues(ps, names, func(name string) int { return d.bufs[name].Len() }, "device")
	if err != nil {
		return fmt.Errorf("program: %w", err)
	}
	for i, name := range names {
		if err := d.bufs[name].WriteFloat32(0, vals[i]); err != nil {
			return fmt.Errorf("program: upload %q: %w", name, err)
		}
	}
	return nil
}

// AdamNames returns the parameters that have Adam state, in the ParamSet's
// order.
func (d *DeviceParams) AdamNames() []string {
	return graph.NamesIn(d.ps, d.adam)
}

// AdamState copies the Adam state of parameter name to the host.
func (d *DeviceParams) AdamState(name string) (AdamState, error) {
	s, ok := d.adam[name]
	if !ok {
		return AdamState{}, fmt.Errorf("program: adam state of %q: no program trains it", name)
	}
	m, err := s.m.Float32s()
	if err != nil {
		return AdamState{}, fmt.Errorf("program: adam state of %q: %w", name, err)
	}
	v, err := s.v.Float32s()
	if err != nil {
		return AdamState{}, fmt.Errorf("program: adam state of %q: %w", name, err)
	}
	return AdamState{M: m, V: v, Steps: s.steps}, nil
}

// SetAdamState replaces the Adam state of parameter name (which a compiled
// program trains) with st, e.g. from a checkpoint.
func (d *DeviceParams) SetAdamState(name string, st AdamState) error {
	s, ok := d.adam[name]
	if !ok {
		return fmt.Errorf("program: set adam state of %q: no program trains it", name)
	}
	if err := st.Check(s.m.Len()); err != nil {
		return fmt.Errorf("program: set adam state of %q: %w", name, err)
	}
	if err := s.m.WriteFloat32(0, st.M); err != nil {
		return fmt.Errorf("program: set adam state of %q: %w", name, err)
	}
	if err := s.v.WriteFloat32(0, st.V); err != nil {
		return fmt.Errorf("program: set adam state of %q: %w", name, err)
	}
	s.steps = st.Steps
	return nil
}

// Free releases every buffer. Programs compiled against the store must not
// run afterwards.
func (d *DeviceParams) Free() {
	for name, b := range d.bufs {
		b.Free()
		delete(d.bufs, name)
	}
	for name, s := range d.adam {
		s.m.Free()
		s.v.Free()
		delete(d.adam, name)
	}
}
