package vulkan

import (
	"fmt"
	"sync"

	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/shaders"
)

// Library builds the project's compute kernels for one device, each variant once,
// on first use, with workgroup and tile sizes chosen for the device kind.
// Its op methods record dispatches into a sequence; they never submit.
type Library struct {
	ctx     *vk.Context
	mu      sync.Mutex
	kernels map[kernelKey]*vk.Kernel
}

type kernelKey struct {
	name string
	full bool
	spec [maxSpecConstants]uint32
}

// maxSpecConstants bounds the specialization constants of one kernel variant.
const maxSpecConstants = 8

// NewLibrary returns a library for ctx's device.
func NewLibrary(ctx *vk.Context) *Library {
	return &Library{ctx: ctx, kernels: map[kernelKey]*vk.Kernel{}}
}

// Context is the device the library records for.
func (l *Library) Context() *vk.Context { return l.ctx }

// kernel returns the pipeline for shader name with the given interface and
// specialization constants, building it on first use.
func (l *Library) kernel(name string, bindings []vk.Access, pushWords int, spec ...uint32) (*vk.Kernel, error) {
	return l.kernelOpts(name, false, bindings, pushWords, spec...)
}

// kernelOpts is kernel for a pipeline that, when full is set, requires full
// subgroups; the workgroup size is then specialization constant 0, as in every
// shader of the project.
func (l *Library) kernelOpts(name string, full bool, bindings []vk.Access, pushWords int, spec ...uint32) (*vk.Kernel, error) {
	if len(spec) > maxSpecConstants {
		return nil, fmt.Errorf("kernel %s: %d specialization constants; at most %d", name, len(spec), maxSpecConstants)
	}
	if full && len(spec) == 0 {
		return nil, fmt.Errorf("kernel %s: full subgroups need the workgroup size as specialization constant 0", name)
	}
	key := kernelKey{name: name, full: full}
	copy(key.spec[:], spec)
	l.mu.Lock()
	defer l.mu.Unlock()
	if k, ok := l.kernels[key]; ok {
		return k, nil
	}
	code, err := shaders.Load(name)
	if err != nil {
		return nil, err
	}
	ks := vk.KernelSpec{Name: name, SPIRV: code, Bindings: bindings, PushWords: pushWords, Spec: spec, FullSubgroups: full}
	if full {
		ks.LocalSizeX = spec[0]
	}
	k, err := l.ctx.NewKernel(ks)
	if err != nil {
		return nil, err
	}
	l.kernels[key] = k
	return k, nil
}

// elementwiseLocal is the workgroup size of the 1-D elementwise kernels: CPU drivers
// (llvmpipe) run 64-wide groups best; GPUs want 256 for occupancy.
func (l *Library) elementwiseLocal() uint32 {
	if l.ctx.Info().Type == vk.CPU {
		return 64
	}
	return 256
}

// maxGroups1D caps 1-D grids; the shaders' grid-stride loops cover the rest. A CPU
// driver pays per workgroup (llvmpipe runs each as a task), so it gets fewer, longer
// groups (512 beat 4096 on copy and axpy on lavapipe, BENCHMARKS.md); GPUs keep
// enough groups to fill every compute unit.
func (l *Library) maxGroups1D() int {
	if l.ctx.Info().Type == vk.CPU {
		return 512
	}
	return 4096
}

// groups1D returns a grid of local-size groups over n elements.
func (l *Library) groups1D(n int, local uint32) [3]uint32 {
	g := (n + int(local) - 1) / int(local)
	if max := l.maxGroups1D(); g > max {
		g = max
	}
	if max := int(l.ctx.Info().Compute.MaxWorkGroupCount[0]); g > max {
		g = max
	}
	return [3]uint32{uint32(g), 1, 1}
}

func sameLen(op string, bufs ...*vk.Buffer) (int, error) {
	n := bufs[0].Len()
	for _, b := range bufs[1:] {
		if b.Len() != n {
			return 0, fmt.Errorf("%s: buffers hold %d and %d floats; want equal lengths", op, n, b.Len())
		}
	}
	return n, nil
}
