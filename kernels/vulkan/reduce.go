package vulkan

import (
	"fmt"
	"math"
	"strings"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/shaders"
)

// Reductions on the device. The binding merges the shape into alternating kept
// and reduced dimensions (size-1 axes dropped, neighbours of the same kind
// merged), at most four of each, innermost first, then records one of:
//
//	reduce_lane       one invocation per output, for many outputs of few terms
//	reduce_group      one workgroup per output, for few outputs of many terms
//	reduce_broadcast  the backward: dx[i] = dy[j(i)] / div
//
// Sums are fp32, two-level per invocation (partials of 128 terms) and, in
// reduce_group, subgroup or shared-memory sums across the workgroup (see groupSumFor).
// With no scratch buffer a reduction to few outputs uses at most that many
// workgroups (one, for a sum of everything).

const (
	reduceMaxDims = 4 // kept and reduced dimensions each, after merging

	reduceAuto  = 0
	reduceLane  = 1
	reduceGroup = 2
)

// reducePlan is a ReduceParams with the shape merged (see above).
type reducePlan struct {
	ksize, kstride [reduceMaxDims]uint32 // kept dims: size, input stride (x innermost)
	rsize, rstride [reduceMaxDims]uint32 // reduced dims
	in, out, count int
	// all merged dims, innermost first, with their output strides (0 when reduced)
	size, ostride [2 * reduceMaxDims]uint32
}

// planReduce validates p and merges its shape.
func planReduce(op string, p kernels.ReduceParams) (reducePlan, error) {
	var pl reducePlan
	if err := p.Validate(); err != nil {
		return pl, fmt.Errorf("%s: %s", op, strings.TrimPrefix(err.Error(), kernels.OpReduce+": "))
	}
	in := 1.0
	for _, d := range p.Shape {
		in *= float64(d)
	}
	if in > math.MaxInt32 {
		return pl, fmt.Errorf("%s: Shape %v has %.0f elements; the shaders index at most %d", op, p.Shape, in, math.MaxInt32)
	}
	pl.in, pl.out = p.Sizes()
	pl.count = p.Count()
	red := p.Reduced()
	type dim struct {
		size, stride int
		reduced      bool
	}
	var dims []dim // innermost first
	stride := 1
	for a := len(p.Shape) - 1; a >= 0; a-- {
		d := p.Shape[a]
		if d == 1 {
			continue
		}
		if n := len(dims); n > 0 && dims[n-1].reduced == red[a] {
			dims[n-1].size *= d
		} else {
			dims = append(dims, dim{size: d, stride: stride, reduced: red[a]})
		}
		stride *= d
	}
	for i := range pl.ksize {
		pl.ksize[i], pl.rsize[i] = 1, 1
	}
	for i := range pl.size {
		pl.size[i] = 1
	}
	nk, nr, ostride := 0, 0, 1
	for i, d := range dims {
		if d.reduced {
			if nr == reduceMaxDims {
				return pl, fmt.Errorf("%s: Shape %v with Axes %v has more than %d runs of adjacent reduced axes (size-1 axes ignored); the shaders take at most %d", op, p.Shape, p.Axes, reduceMaxDims, reduceMaxDims)
			}
			pl.rsize[nr], pl.rstride[nr] = uint32(d.size), uint32(d.stride)
			nr++
		} else {
			if nk == reduceMaxDims {
				return pl, fmt.Errorf("%s: Shape %v with Axes %v has more than %d runs of adjacent kept axes (size-1 axes ignored); the shaders take at most %d", op, p.Shape, p.Axes, reduceMaxDims, reduceMaxDims)
			}
			pl.ksize[nk], pl.kstride[nk] = uint32(d.size), uint32(d.stride)
			pl.ostride[i] = uint32(ostride)
			ostride *= d.size
			nk++
		}
		pl.size[i] = uint32(d.size)
	}
	return pl, nil
}

// push is the block of reduce_lane and reduce_group for the plan, each sum
// divided by div.
func (pl reducePlan) push(div float32) reducePush {
	return reducePush{ksize: pl.ksize, kstride: pl.kstride, rsize: pl.rsize, rstride: pl.rstride,
		nout: uint32(pl.out), count: uint32(pl.count), div: div}
}

// broadcastPush is the block of reduce_broadcast for the plan, each value
// divided by div.
func (pl reducePlan) broadcastPush(div float32) reduceBroadcastPush {
	const half = reduceMaxDims
	return reduceBroadcastPush{n: uint32(pl.in), div: div,
		sizeLo: [half]uint32(pl.size[:half]), sizeHi: [half]uint32(pl.size[half:]),
		ostrideLo: [half]uint32(pl.ostride[:half]), ostrideHi: [half]uint32(pl.ostride[half:])}
}

// ReduceSum records y = ReduceSum(p, x) (the reference): x holds the
// product of p.Shape floats, y the product of p.OutputShape(). KeepDims only
// changes the shape, not the layout.
func (l *Library) ReduceSum(seq *vk.Sequence, p kernels.ReduceParams, x, y *vk.Buffer) error {
	return l.reduce(seq, "reduce sum", p, x, y, false, reduceAuto, nil)
}

// ReduceMean records y = ReduceMean(p, x): the sums divided by p.Count().
func (l *Library) ReduceMean(seq *vk.Sequence, p kernels.ReduceParams, x, y *vk.Buffer) error {
	return l.reduce(seq, "reduce mean", p, x, y, true, reduceAuto, nil)
}

// ReduceSumBackward records dx = ReduceSumBackward(p, dy): dy (output-shaped)
// broadcast back to p.Shape.
func (l *Library) ReduceSumBackward(seq *vk.Sequence, p kernels.ReduceParams, dy, dx *vk.Buffer) error {
	return l.reduceBroadcast(seq, "reduce sum backward", p, dy, dx, false)
}

// ReduceMeanBackward records dx = ReduceMeanBackward(p, dy): dy broadcast back
// to p.Shape and divided by p.Count().
func (l *Library) ReduceMeanBackward(seq *vk.Sequence, p kernels.ReduceParams, dy, dx *vk.Buffer) error {
	return l.reduceBroadcast(seq, "reduce mean backward", p, dy, dx, true)
}

// reduce records a sum (or mean) with the given strategy (reduceAuto picks)
// and, for reduce_group, the specialization constants gs (nil: the device's).
func (l *Library) reduce(seq *vk.Sequence, op string, p kernels.ReduceParams, x, y *vk.Buffer, mean bool, strategy int, gs []uint32) error {
	pl, err := planReduce(op, p)
	if err != nil {
		return err
	}
	if err := checkBuf(op, "x", x, "Shape", p.Shape...); err != nil {
		return err
	}
	if err := checkBuf(op, "y", y, "OutputShape()", p.OutputShape()...); err != nil {
		return err
	}
	if x == y {
		return fmt.Errorf("%s: x and y are the same buffer", op)
	}
	div := float32(1)
	if mean {
		div = float32(pl.count)
	}
	if strategy == reduceAuto {
		strategy = l.reduceStrategy(pl)
	}
	local := l.elementwiseLocal()
	name, groups := "reduce_lane", l.groups1D(pl.out, local)
	if strategy == reduceGroup {
		g := uint32(pl.out)
		if lim := l.ctx.Info().Compute.MaxWorkGroupCount[0]; g > lim {
			g = lim
		}
		name, groups = "reduce_group", [3]uint32{g, 1, 1}
	}
	push := pl.push(div)
	var k *vk.Kernel
	if strategy == reduceGroup {
		k, err = l.groupSumFor("arithmetic", gs).kernel(l, name, []vk.Access{vk.Read, vk.Write}, push)
	} else {
		k, err = l.kernel(name, []vk.Access{vk.Read, vk.Write}, push, local, 0)
	}
	if err != nil {
		return err
	}
	return seq.Dispatch(k, groups, push.words(), x, y)
}

// groupSum is how a shader that sums across its workgroup (reduce_group and
// the batch-norm statistics and backward) runs on the device: its SPIR-V
// variant, whether its pipeline requires full subgroups, and its
// specialization constants: 0 = workgroup size, 1 = whether the workgroup is
// a single subgroup (RC_ONE_SUBGROUP in reduce_common.glsl).
type groupSum struct {
	basic bool // the basic-tier variant: shared-memory trees, no subgroup operations
	full  bool
	spec  []uint32
}

// kernel returns the pipeline of shader name run as g, for push's block.
func (g groupSum) kernel(l *Library, name string, bindings []vk.Access, push pushBlock) (*vk.Kernel, error) {
	if g.basic {
		name = shaders.BasicTier(name)
	}
	return l.kernelOpts(name, g.full, bindings, push, g.spec...)
}

// groupSumFor picks how a shader whose workgroup sums use subgroup operations
// of class ("arithmetic": subgroupAdd; "shuffle": a butterfly, which needs full
// subgroups) runs on the device. Without that class in compute shaders (or,
// for the butterfly, without full subgroups) it takes the basic tier. With
// full subgroups on a CPU driver the workgroup is one subgroup (llvmpipe: 8
// lanes) and constant 1 removes every barrier from the shader: llvmpipe runs a
// shader holding a barrier as coroutines, about 4x slower here. Otherwise
// the workgroup has elementwiseLocal lanes (256 on GPUs), combined through
// shared memory. A non-nil override (tests) replaces the specialization.
func (l *Library) groupSumFor(class string, override []uint32) groupSum {
	info := l.ctx.Info()
	sz, full := info.Subgroup.Size, info.Subgroup.FullSubgroups
	g := groupSum{spec: override}
	if g.spec == nil {
		g.spec = []uint32{l.elementwiseLocal(), 0}
	}
	if !info.HasSubgroupOp(class) || (class == "shuffle" && !full) {
		g.basic = true
		return g
	}
	lim := info.Compute
	if override == nil && full && info.Type == vk.CPU && sz >= 1 && sz <= lim.MaxWorkGroupSize[0] && sz <= lim.MaxWorkGroupInvocations {
		g.spec = []uint32{sz, 1}
	}
	g.full = class == "shuffle" || (len(g.spec) > 1 && g.spec[1] == 1)
	return g
}

// reduceStrategy picks one invocation per output when there are enough
// outputs to fill the device or each sums only a few terms, else one workgroup
// per output.
func (l *Library) reduceStrategy(pl reducePlan) int {
	fill := 512 // llvmpipe: 64 SIMD batches of 8
	if l.ctx.Info().Type != vk.CPU {
		fill = 1 << 16
	}
	if pl.count <= 32 || pl.out >= fill {
		return reduceLane
	}
	return reduceGroup
}

func (l *Library) reduceBroadcast(seq *vk.Sequence, op string, p kernels.ReduceParams, dy, dx *vk.Buffer, mean bool) error {
	pl, err := planReduce(op, p)
	if err != nil {
		return err
	}
	if err := checkBuf(op, "dy", dy, "OutputShape()", p.OutputShape()...); err != nil {
		return err
	}
	if err := checkBuf(op, "dx", dx, "Shape", p.Shape...); err != nil {
		return err
	}
	if dx == dy {
		return fmt.Errorf("%s: dy and dx are the same buffer", op)
	}
	div := float32(1)
	if mean {
		div = float32(pl.count)
	}
	local := l.elementwiseLocal()
	push := pl.broadcastPush(div)
	k, err := l.kernel("reduce_broadcast", []vk.Access{vk.Read, vk.Write}, push, local, 0)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D((pl.in+l.reducePerLane()-1)/l.reducePerLane(), local), push.words(), dy, dx)
}

// reducePerLane is how many elements each invocation of a grid-stride shader with a
// costly start (divisions for its mixed-radix counters) should visit: many on a
// CPU driver, where llvmpipe runs the divisions lane by lane (the broadcast
// ran 3x faster at 128 than at 1), few on a GPU, which wants the threads.
func (l *Library) reducePerLane() int {
	if l.ctx.Info().Type == vk.CPU {
		return 128
	}
	return 4
}
