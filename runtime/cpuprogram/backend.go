package cpuprogram

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Backend compiles graphs for the native CPU device.
type Backend struct {
	dev       *cpu.Device
	invariant *cpu.Device // dev.BatchInvariant(), the kernels of Eval-mode programs
	arena     *Arena      // the planned memory every program of the backend shares
	name      string
}

// Open opens the native CPU device (loading its SGEMM library) and returns
// its backend; Close releases it.
func Open(opts cpu.Options) (*Backend, error) {
	dev, err := cpu.NewDevice(opts)
	if err != nil {
		return nil, err
	}
	return &Backend{dev: dev, invariant: dev.BatchInvariant(), arena: &Arena{}, name: ModelName()}, nil
}

// CPU returns the kernels the backend runs.
func (b *Backend) CPU() *cpu.Device { return b.dev }

// Device describes the CPU: its model name, SGEMM library and threads.
func (b *Backend) Device() backend.Device {
	return backend.Device{Backend: "cpu", Name: b.name, Kind: backend.NativeCPU,
		Detail: fmt.Sprintf("native, SGEMM %s, %s", b.dev.Library(), cpu.ThreadCount(b.dev.Threads()))}
}

// NewParams returns an empty store for ps in host memory (a *Params).
func (b *Backend) NewParams(ps *graph.ParamSet) (backend.Params, error) {
	return NewParams(ps)
}

// Compile compiles g for the CPU (see Compile). An Eval-mode graph (scoring)
// runs on the batch-invariant kernels (cpu.Device.BatchInvariant), so an
// image's outputs do not depend on the other images of its batch or on the
// batch size: scores are bit-identical whether images are scored one by one
// or 256 at a time. Train-mode graphs use the kernels tuned for whole
// batches. The programs of one backend share one arena for their planned
// tensors (see Arena), so they must not run concurrently.
func (b *Backend) Compile(g *graph.Graph, opts backend.Options) (backend.Program, error) {
	if g != nil && g.Mode() == graph.Eval {
		return compile(b.invariant, g, opts, b.arena)
	}
	return compile(b.dev, g, opts, b.arena)
}

// Close releases the device.
func (b *Backend) Close() error {
	if b.dev == nil {
		return nil
	}
	b.dev.Close()
	b.dev = nil
	return nil
}

var (
	_ backend.Backend = (*Backend)(nil)
	_ backend.Program = (*Program)(nil)
	_ backend.Params  = (*Params)(nil)
)
