package program

import (
	"errors"
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// Backend runs graphs on a Vulkan device: the backend.Backend of the
// Vulkan path.
type Backend struct {
	lib      *vulkan.Library
	arena    *arena // the planned memory every program of the backend shares
	ownsCtx  bool
	closeErr error
}

// NewBackend returns a backend compiling for lib's device. Close does not
// close lib's context; OpenBackend's does.
func NewBackend(lib *vulkan.Library) *Backend {
	return &Backend{lib: lib, arena: &arena{ctx: lib.Context()}}
}

// OpenBackend opens the Vulkan device cfg selects and returns its backend;
// Close closes the device.
func OpenBackend(cfg vk.Config) (*Backend, error) {
	ctx, err := vk.Open(cfg)
	if err != nil {
		return nil, err
	}
	b := NewBackend(vulkan.NewLibrary(ctx))
	b.ownsCtx = true
	return b, nil
}

// Library returns the kernels the backend records.
func (b *Backend) Library() *vulkan.Library { return b.lib }

// Device describes the Vulkan device.
func (b *Backend) Device() backend.Device { return DeviceOf(b.lib.Context().Info()) }

// DeviceOf describes a Vulkan device as a backend.Device.
func DeviceOf(info vk.DeviceInfo) backend.Device {
	kind := backend.OtherDevice
	switch info.Type {
	case vk.DiscreteGPU:
		kind = backend.DiscreteGPU
	case vk.IntegratedGPU:
		kind = backend.IntegratedGPU
	case vk.VirtualGPU:
		kind = backend.VirtualGPU
	case vk.CPU:
		kind = backend.VulkanCPU
	}
	return backend.Device{Backend: "vulkan", Name: info.Name, Kind: kind,
		Detail:         fmt.Sprintf("%s, %s %s, Vulkan %s", info.Type, info.Vendor, info.Driver, info.APIVersion),
		MaxTensorBytes: int64(info.Compute.MaxStorageBufferRange)}
}

// NewParams returns an empty device store for ps (a *DeviceParams).
func (b *Backend) NewParams(ps *graph.ParamSet) (backend.Params, error) {
	return NewDeviceParams(b.lib.Context(), ps)
}

// Compile compiles g for the device (see Compile). The programs of one
// backend share one arena for their planned tensors, sized to the largest
// plan, so they must not run concurrently.
func (b *Backend) Compile(g *graph.Graph, opts backend.Options) (backend.Program, error) {
	if b.lib == nil {
		return nil, errors.New("program: compile: the backend is closed")
	}
	return compile(b.lib, g, opts, recordOnce, b.arena)
}

// Close closes the device when the backend opened it, reporting leftover
// validation messages. It is safe to call more than once.
func (b *Backend) Close() error {
	if !b.ownsCtx || b.lib == nil {
		return b.closeErr
	}
	ctx := b.lib.Context()
	b.lib = nil
	if ctx == nil {
		return errors.New("program: backend has no device context")
	}
	b.closeErr = ctx.Close()
	return b.closeErr
}

var (
	_ backend.Backend = (*Backend)(nil)
	_ backend.Program = (*Program)(nil)
	_ backend.Params  = (*DeviceParams)(nil)
)
