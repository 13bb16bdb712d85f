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
	*libState
	// workspace, when hasWorkspace, is where split-K convs put their
	// partial sums instead of the library's own scratch (WithWorkspace).
	workspace    *vk.Buffer
	hasWorkspace bool
}

// libState is what a Library and the copies WithWorkspace returns share.
type libState struct {
	ctx     *vk.Context
	mu      sync.Mutex
	kernels map[kernelKey]*vk.Kernel
	scratch map[int]*vk.Buffer // split-K partial sums by float count (convScratch)
	// tuning is the conv tuning table (nil: none); tuningStatus and
	// tuningPath say what OpenConvTuning found at NewLibrary.
	tuning                   *ConvTuning
	tuningStatus, tuningPath string
}

// kernelKey identifies a built kernel: its shader and whole interface
// (bindings with their access, push-constant words, specialization).
type kernelKey struct {
	name   string
	full   bool
	access string // the bindings' vk.Access values, one byte each
	push   int
	spec   [maxSpecConstants]uint32
	nspec  int
}

// maxSpecConstants bounds the specialization constants of one kernel variant.
const maxSpecConstants = 8

// NewLibrary returns a library for ctx's device. Its convs follow the
// device's tuning table (OpenConvTuning: beside the pipeline cache, or as
// $OCGAN_VK_TUNING says) where it has an entry the device can run.
func NewLibrary(ctx *vk.Context) *Library {
	l := &Library{libState: &libState{ctx: ctx, kernels: map[kernelKey]*vk.Kernel{}, scratch: map[int]*vk.Buffer{}}}
	l.tuning, l.tuningStatus, l.tuningPath = OpenConvTuning(ctx.CacheDir(), ctx.Info())
	return l
}

// WithWorkspace returns the library recording with workspace as the scratch
// of its split-K convs (Conv2DWorkspace and ConvTranspose2DWorkspace say how
// much each needs; nil when none needs any), instead of a scratch buffer of
// the library's own. The two
// share kernels and tuning. A program that gives each of its nodes its own
// workspace, from its memory plan, can run at the same time as other
// sequences of the library; a conv whose workspace is missing or too small
// is an error.
func (l *Library) WithWorkspace(workspace *vk.Buffer) *Library {
	return &Library{libState: l.libState, workspace: workspace, hasWorkspace: true}
}

// SharedScratchFloats is the size of the split-K scratch buffers the library
// holds itself, for convs recorded without a workspace.
func (l *Library) SharedScratchFloats() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for k := range l.scratch {
		n += k
	}
	return n
}

// Context is the device the library records for.
func (l *Library) Context() *vk.Context { return l.ctx }

// kernel returns the pipeline for shader name with the given interface and
// specialization constants, building it on first use. push's type is the
// shader's push-constant block; its value's words are what a dispatch of the
// pipeline passes.
func (l *Library) kernel(name string, bindings []vk.Access, push pushBlock, spec ...uint32) (*vk.Kernel, error) {
	return l.kernelOpts(name, false, bindings, push, spec...)
}

// kernelOpts is kernel for a pipeline that, when full is set, requires full
// subgroups; the workgroup size is then specialization constant 0, as in every
// shader of the project.
func (l *Library) kernelOpts(name string, full bool, bindings []vk.Access, push pushBlock, spec ...uint32) (*vk.Kernel, error) {
	pushWords := len(push.words())
	if len(spec) > maxSpecConstants {
		return nil, fmt.Errorf("kernel %s: %d specialization constants; at most %d", name, len(spec), maxSpecConstants)
	}
	if full && len(spec) == 0 {
		return nil, fmt.Errorf("kernel %s: full subgroups need the workgroup size as specialization constant 0", name)
	}
	key := kernelKey{name: name, full: full, push: pushWords, nspec: len(spec)}
	acc := make([]byte, len(bindings))
	for i, a := range bindings {
		acc[i] = byte(a)
	}
	key.access = string(acc)
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
	ks := vk.KernelSpec{Name: name, Family: shaders.Family(name), SPIRV: code, Bindings: bindings, PushWords: pushWords, Spec: spec, FullSubgroups: full}
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
// (llvmpipe) run 64-wide groups best; GPUs want 256 for occupancy; smaller where
// the device's limits require (see fitLocal).
func (l *Library) elementwiseLocal() uint32 {
	pref := uint32(256)
	if l.ctx.Info().Type == vk.CPU {
		pref = 64
	}
	return l.fitLocal(1, halving(pref, 1)...)
}

// fitLocal is fitLocalFor on the library's device.
func (l *Library) fitLocal(team uint32, prefs ...uint32) uint32 {
	info := l.ctx.Info()
	return fitLocalFor(info.Compute, info.Subgroup.Size, team, prefs...)
}

// fitLocalFor returns a kernel family's 1-D workgroup size: the first of prefs
// (largest first) within maxComputeWorkGroupInvocations and
// maxComputeWorkGroupSize[0] that is a multiple of team and of the subgroup size
// (0: unknown); else the first within the limits that is a multiple of team;
// else the last of prefs, which the pipeline build then refuses with a
// *vk.LimitError naming the limit.
func fitLocalFor(lim vk.ComputeLimits, subgroup, team uint32, prefs ...uint32) uint32 {
	fits := func(p uint32) bool {
		return p > 0 && p <= lim.MaxWorkGroupInvocations && p <= lim.MaxWorkGroupSize[0] && p%team == 0
	}
	for _, p := range prefs {
		if fits(p) && (subgroup == 0 || p%subgroup == 0) {
			return p
		}
	}
	for _, p := range prefs {
		if fits(p) {
			return p
		}
	}
	return prefs[len(prefs)-1]
}

// halving returns p, p/2, p/4, ... down to no less than min.
func halving(p, min uint32) []uint32 {
	var out []uint32
	for ; p >= min && p > 0; p /= 2 {
		out = append(out, p)
	}
	return out
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
