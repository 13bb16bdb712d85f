package vulkan

import (
	"fmt"
	"os"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/shaders"
)

// convGeom is the geometry of a 2-D cross-correlation as the conv shaders see it
// (shaders/conv_common.glsl):
//
//	x [N, C, H, W] (*) w [K, C, KH, KW] -> y [N, K, OH, OW]
//
// with strides SH, SW and zero paddings PH, PW. OH and OW are explicit: a
// transposed convolution, run as the adjoint of this correlation, has output
// padding that the conv2d formula cannot express.
type convGeom struct {
	N, C, H, W     int
	K, OH, OW      int
	KH, KW         int
	SH, SW, PH, PW int
}

// push is the push-constant block (conv_geom.glsl): the geometry, then flags
// (bit 0 the bias, bits 1-3 the epilogue kind, kernels.ActivationKind's
// values) and the leaky-ReLU slope. e has passed Validate.
func (g convGeom) push(bias bool, e kernels.Epilogue) convPush {
	flags := int32(e.Act) << 1
	if bias {
		flags |= 1
	}
	return convPush{N: int32(g.N), C: int32(g.C), H: int32(g.H), W: int32(g.W),
		K: int32(g.K), OH: int32(g.OH), OW: int32(g.OW), KH: int32(g.KH), KW: int32(g.KW),
		SH: int32(g.SH), SW: int32(g.SW), PH: int32(g.PH), PW: int32(g.PW), flags: flags, slope: e.Slope}
}

// flops is 2·(output pixels)·K·C·KH·KW, the multiply-adds of the implicit GEMM
// of every direction (padding taps included).
func (g convGeom) flops() float64 {
	return 2 * float64(g.N) * float64(g.OH) * float64(g.OW) * float64(g.K) * float64(g.C) * float64(g.KH) * float64(g.KW)
}

func conv2DGeom(p kernels.Conv2DParams) convGeom {
	o := p.OutputShape()
	return convGeom{N: p.N, C: p.C, H: p.H, W: p.W, K: p.K, OH: o[2], OW: o[3],
		KH: p.KH, KW: p.KW, SH: p.StrideH, SW: p.StrideW, PH: p.PadH, PW: p.PadW}
}

// Conv2DForward records y = conv2d(x, w) + b, then p.Epilogue at the store
// (see the reference Conv2DForward): x [N,C,H,W], w [K,C,KH,KW], b [K] (only
// when p.Bias; may be nil otherwise), y [N,K,OH,OW], overwritten.
func (l *Library) Conv2DForward(seq *vk.Sequence, p kernels.Conv2DParams, x, w, b, y *vk.Buffer) error {
	return l.convLayerForward(seq, conv2DLayer(p), p.Epilogue, x, w, b, y)
}

// Conv2DBackwardInput records dx, the gradient w.r.t. the input, from the weight
// w [K,C,KH,KW] and the output gradient dy [N,K,OH,OW]; dx [N,C,H,W] is overwritten.
func (l *Library) Conv2DBackwardInput(seq *vk.Sequence, p kernels.Conv2DParams, w, dy, dx *vk.Buffer) error {
	return l.convLayerBackwardInput(seq, conv2DLayer(p), w, dy, dx)
}

// Conv2DBackwardWeight records dw [K,C,KH,KW], the gradient w.r.t. the weight, from
// the input x [N,C,H,W] and the output gradient dy [N,K,OH,OW]; dw is overwritten.
func (l *Library) Conv2DBackwardWeight(seq *vk.Sequence, p kernels.Conv2DParams, x, dy, dw *vk.Buffer) error {
	return l.convLayerBackwardWeight(seq, conv2DLayer(p), x, dy, dw)
}

// Conv2DBackwardBias records db[k] = Σ_{n,oy,ox} dy[n,k,oy,ox]; p.Bias must be true.
func (l *Library) Conv2DBackwardBias(seq *vk.Sequence, p kernels.Conv2DParams, dy, db *vk.Buffer) error {
	return l.convLayerBackwardBias(seq, conv2DLayer(p), dy, db)
}

// conv2DLayer describes a conv2d layer's buffers and kernels.
func conv2DLayer(p kernels.Conv2DParams) convLayer {
	if err := p.Validate(); err != nil {
		return convLayer{invalid: err}
	}
	return convLayer{name: "conv2d", bias: p.Bias, in: p.InputShape(), weight: p.WeightShape(),
		weightFormula: "K*C*KH*KW", out: p.OutputShape(), g: conv2DGeom(p)}
}

// convLayer describes the buffers of a layer kind's entry points (conv2d,
// conv_transpose2d) and the correlation its kernels run.
type convLayer struct {
	invalid error  // the parameters' Validate error; the other fields are then unset
	name    string // the layer kind, the start of every error's op
	bias    bool
	// in [N,C,H,W], weight and out [N,K,OH,OW] are the layer's tensor
	// shapes; weightFormula names the weight's dimensions.
	in, weight, out [4]int
	weightFormula   string
	g               convGeom
	// transposed: the layer is the adjoint of correlation g, so its forward
	// runs the bwd_data kernel, its backward input the fwd kernel, and its
	// backward weight the bwd_filter kernel with the input and the output
	// gradient swapped.
	transposed bool
}

// convRole is the tensor of a layer that a buffer holds.
type convRole int

const (
	convInput convRole = iota
	convWeight
	convOutput
	convBias
)

// convArg is a buffer passed to a conv entry point: its name in errors, the
// tensor it holds, the buffer.
type convArg struct {
	name string
	role convRole
	buf  *vk.Buffer
}

// check reports the first of: invalid parameters; a missing buffer of args, or
// one whose length does not match its tensor, with the op "<layer> <dir>". A
// bias argument is checked only when the layer has a bias.
func (c convLayer) check(dir string, args ...convArg) error {
	if c.invalid != nil {
		return c.invalid
	}
	op := c.name + " " + dir
	for _, a := range args {
		var err error
		switch a.role {
		case convInput:
			err = checkBuf(op, a.name, a.buf, "N*C*H*W", c.in[:]...)
		case convWeight:
			err = checkBuf(op, a.name, a.buf, c.weightFormula, c.weight[:]...)
		case convOutput:
			err = checkBuf(op, a.name, a.buf, "N*K*OH*OW", c.out[:]...)
		case convBias:
			if c.bias {
				err = checkBuf(op, a.name, a.buf, "K", c.out[1])
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// passDir is the kernel direction that runs pass p of the layer: a
// transposed conv's forward is a conv's backward input, and the reverse.
func (c convLayer) passDir(p ConvPass) convDir {
	switch {
	case p == ConvPassBackwardWeight:
		return convBwdFilter
	case (p == ConvPassForward) != c.transposed:
		return convFwd
	}
	return convBwdData
}

// convLayerForward records layer c's forward y = e(x (*) w + b); b is used only
// when the layer has a bias.
func (l *Library) convLayerForward(seq *vk.Sequence, c convLayer, e kernels.Epilogue, x, w, b, y *vk.Buffer) error {
	if err := c.check("forward", convArg{"input", convInput, x}, convArg{"weight", convWeight, w},
		convArg{"bias", convBias, b}, convArg{"output", convOutput, y}); err != nil {
		return err
	}
	if !c.bias {
		b = nil
	}
	return l.convData(seq, c.passDir(ConvPassForward), c.g, e, x, w, b, y)
}

// convLayerBackwardInput records layer c's input gradient dx from w and dy.
func (l *Library) convLayerBackwardInput(seq *vk.Sequence, c convLayer, w, dy, dx *vk.Buffer) error {
	if err := c.check("backward input", convArg{"weight", convWeight, w},
		convArg{"grad output", convOutput, dy}, convArg{"grad input", convInput, dx}); err != nil {
		return err
	}
	return l.convData(seq, c.passDir(ConvPassBackwardInput), c.g, kernels.Epilogue{}, dy, w, nil, dx)
}

// convLayerBackwardWeight records layer c's weight gradient dw from x and dy.
func (l *Library) convLayerBackwardWeight(seq *vk.Sequence, c convLayer, x, dy, dw *vk.Buffer) error {
	if err := c.check("backward weight", convArg{"input", convInput, x},
		convArg{"grad output", convOutput, dy}, convArg{"grad weight", convWeight, dw}); err != nil {
		return err
	}
	if c.transposed {
		x, dy = dy, x
	}
	return l.convBackwardFilter(seq, c.g, x, dy, dw)
}

// convLayerBackwardBias records layer c's bias gradient db[k] = Σ_{n,oy,ox} dy[n,k,oy,ox].
func (l *Library) convLayerBackwardBias(seq *vk.Sequence, c convLayer, dy, db *vk.Buffer) error {
	if c.invalid != nil {
		return c.invalid
	}
	if !c.bias {
		return fmt.Errorf("%s backward bias: bias gradient requested but Bias is false", c.name)
	}
	if err := c.check("backward bias", convArg{"grad output", convOutput, dy}, convArg{"grad bias", convBias, db}); err != nil {
		return err
	}
	return l.convBiasGrad(seq, c.out[0], c.out[1], c.out[2]*c.out[3], dy, db)
}

// convTune is a conv kernel's specialization: either register tiles (today's
// shaders, conv_common.glsl) or, when tiled is set, shared-memory tiles
// (the *_tiled shaders, conv_tiled.glsl).
type convTune struct {
	local uint32 // workgroup size, a multiple of 8 (a team is 8 lanes)
	ppl   uint32 // rows each lane loads for its team, 1..4: a tile has 8*ppl rows
	tc    uint32 // columns (channels) per lane, 4 or 8: a team's tile has 8*tc columns
	sg    convShare
	tiled *convTile
}

// convTile is the shape of a shared-memory tiled conv kernel: a workgroup
// computes bm x bn outputs, staging bk reduction indices at a time, each lane a
// tm x tn register tile.
type convTile struct {
	bm, bn, bk, tm, tn uint32
	split              uint32 // split-K slices; 0 or 1: none
}

// local is the workgroup size the tile needs: one lane per register tile.
func (c convTile) local() uint32 { return (c.bm / c.tm) * (c.bn / c.tn) }

// check reports what about the tile the shader cannot run.
func (c convTile) check() error {
	if c.tm < 1 || c.tm > 8 || c.tn < 1 || c.tn > 8 || c.bk < 1 {
		return fmt.Errorf("conv tile %+v: tm and tn must be 1..8 and bk at least 1", c)
	}
	if c.split > convMaxSplit {
		return fmt.Errorf("conv tile %+v: at most %d split-K slices", c, convMaxSplit)
	}
	if c.bm%c.tm != 0 || c.bn%c.tn != 0 {
		return fmt.Errorf("conv tile %+v: bm must be a multiple of tm and bn of tn", c)
	}
	if l := c.local(); l%c.bm != 0 || l%c.bk != 0 {
		return fmt.Errorf("conv tile %+v: the workgroup size %d must be a multiple of bm and bk", c, l)
	}
	return nil
}

// sharedBytes is the shared memory the tile's kernel declares (padded rows).
func (c convTile) sharedBytes() uint32 { return 4 * c.bk * (c.bm + 1 + c.bn + 1) }

func (t convTune) spec() []uint32 {
	if c := t.tiled; c != nil {
		return []uint32{c.local(), c.bm, c.bn, c.bk, c.tm, c.tn, uint32(t.splits())}
	}
	return []uint32{t.local, t.ppl, t.tc, uint32(t.sg)}
}

// splits is the number of split-K slices: 1 for register tiles.
func (t convTune) splits() int {
	if t.tiled == nil || t.tiled.split < 1 {
		return 1
	}
	return int(t.tiled.split)
}

// teamSize is the lanes that share a tile: 8, or 1 for solo lanes.
func (t convTune) teamSize() int {
	if t.sg == convShareSolo {
		return 1
	}
	return 8
}

// convGrid returns the workgroup grid for rows x cols GEMM outputs, z deep.
func (l *Library) convGrid(t convTune, rows, cols, z int) [3]uint32 {
	if c := t.tiled; c != nil {
		tiles := (rows + int(c.bm) - 1) / int(c.bm)
		gy := (cols + int(c.bn) - 1) / int(c.bn)
		return [3]uint32{l.convGridX(tiles, 1), uint32(gy), uint32(z)}
	}
	ts := t.teamSize()
	tp := 8 * int(t.ppl)
	tiles := (rows + tp - 1) / tp
	gy := (cols + ts*int(t.tc) - 1) / (ts * int(t.tc))
	return [3]uint32{l.convGridX(tiles, int(t.local)/ts), uint32(gy), uint32(z)}
}

// convTuneHook, when set (benchmarks), replaces the tune chosen for a direction
// (convFwd, convBwdData, convBwdFilter) and geometry.
var convTuneHook func(dir convDir, g convGeom, t convTune) convTune

// convSubgroups reports whether the device has the subgroup shape the convShareBroadcast
// tiles assume: full subgroups of 8 lanes in compute shaders with broadcast
// (ballot class).
func (l *Library) convSubgroups() bool {
	info := l.ctx.Info()
	return info.Subgroup.Size == 8 && info.Subgroup.FullSubgroups && info.HasSubgroupOp("ballot")
}

// convTuneFor picks the kernel variant and tiles of a direction for the device
// kind and geometry. GPUs get shared-memory tiles (convTileFor) when their
// limits hold one of them; OCGAN_VK_CONV_VARIANT=tiled|register forces a variant on
// any device. The register tiles follow.
//
// CPU drivers (llvmpipe) pay a per-lane loop for every load, so lanes keep big
// register tiles (16 rows x 8 columns) and share the gathered operand with
// subgroupBroadcast in workgroups of 64 (8 teams of 8 lanes). GPUs get smaller
// tiles and every lane loads its own operands (they hit the cache). Layers with
// fewer than 8 columns (one output channel) use solo lanes, each with its own
// rows; layers with fewer than 64 columns use 4 columns per lane; on CPU
// drivers a GEMM of at most 8 rows (the latent and head layers at batch 1)
// gets 8-row team tiles, as a 16-row tile would leave at least half its rows
// empty (measured 1.6-2x faster for those layers on llvmpipe).
//
// llvmpipe builds a pipeline's machine code at its first dispatch, in a time
// that grows faster than the tile: 32x8 takes ~6 s, 16x8 ~2 s, 16x4 ~1 s on
// a shared 2-core machine, and 32x8 runs only ~3% faster than 16x8 (A/B on
// the OCGAN layers), so 16x8 it is; few distinct tiles keep the builds down
// (the Mesa shader cache keeps them across processes).
//
// Without a forced variant, an entry of the library's tuning table for the
// direction and geometry comes first when the device can run it
// (convTuneValid); the heuristic covers the rest.
func (l *Library) convTuneFor(dir convDir, g convGeom) (convTune, error) {
	variant, err := convVariantFromEnv()
	if err != nil {
		return convTune{}, err
	}
	t, tuned := convTune{}, false
	if variant == convAuto {
		t, tuned = l.convTuneFromTable(dir, g)
	}
	if !tuned {
		t = l.convHeuristic(variant, dir, g)
	}
	if convTuneHook != nil {
		t = convTuneHook(dir, g, t)
	}
	if t.tiled != nil {
		if err := t.tiled.check(); err != nil {
			return convTune{}, err
		}
	}
	return t, nil
}

// convHeuristic is the variant convTuneFor picks without a tuning table, for
// a variant of OCGAN_VK_CONV_VARIANT.
func (l *Library) convHeuristic(variant string, dir convDir, g convGeom) convTune {
	info := l.ctx.Info()
	t := convTuneForDevice(info.Type == vk.CPU, l.convSubgroups(), dir, g)
	team := uint32(t.teamSize())
	t.local = l.fitLocal(team, halving(t.local, team)...)
	if variant == convTiled || variant == convAuto && info.Type != vk.CPU {
		if c, fits := l.convTileFor(dir, g); variant == convTiled || fits {
			if info.Type != vk.CPU {
				c.split = convSplitFor(c, dir, g, convFillTarget)
			}
			t = convTune{tiled: &c}
		}
	}
	return t
}

// Conv kernel variants (OCGAN_VK_CONV_VARIANT): auto picks shared-memory tiles
// on GPUs whose limits hold the default tile and register tiles on CPU drivers.
const (
	convAuto     = "auto"
	convTiled    = "tiled"
	convRegister = "register"
)

// convVariantEnv names the environment variable that forces a conv variant.
const convVariantEnv = "OCGAN_VK_CONV_VARIANT"

// convVariantFromEnv returns the conv variant OCGAN_VK_CONV_VARIANT asks for
// (auto when unset).
func convVariantFromEnv() (string, error) {
	switch v := os.Getenv(convVariantEnv); v {
	case "", convAuto:
		return convAuto, nil
	case convTiled, convRegister:
		return v, nil
	default:
		return "", fmt.Errorf("%s=%q: want %s, %s or %s", convVariantEnv, v, convAuto, convTiled, convRegister)
	}
}

// convTiles are the shared-memory tiles for a direction and geometry, preferred
// first: 64x64 outputs per workgroup of 256 lanes (4x4 each), staging 16
// reduction indices, or 64x32 (4x2 per lane) for layers with at most 32
// columns so fewer lanes idle on missing columns; then 32x32 with 4x2 per
// lane (128 lanes, the Vulkan minimum) for devices with smaller limits.
func convTiles(dir convDir, g convGeom) []convTile {
	_, cols, _, _ := convGemmOf(dir, g)
	first := convTile{bm: 64, bn: 64, bk: 16, tm: 4, tn: 4}
	if cols <= 32 {
		first = convTile{bm: 64, bn: 32, bk: 16, tm: 4, tn: 2}
	}
	return []convTile{first, {bm: 32, bn: 32, bk: 16, tm: 4, tn: 2}}
}

// convTileFor returns the first of convTiles that the device's limits hold and
// true, or the first of them and false (its pipeline build then names the limit).
func (l *Library) convTileFor(dir convDir, g convGeom) (convTile, bool) {
	tiles := convTiles(dir, g)
	for _, c := range tiles {
		if l.convTileFits(c) {
			return c, true
		}
	}
	return tiles[0], false
}

// convFillTarget is the workgroup count below which GPUs split the reduction:
// a few workgroups per compute unit of a large discrete GPU.
const convFillTarget = 512

// convMaxSplit bounds the split-K slices; convMinSteps is the fewest BK steps
// each slice keeps.
const (
	convMaxSplit = 16
	convMinSteps = 8
)

// convSplitFor is the number of split-K slices for tile c: enough for the
// output tiles times the slices to reach fill workgroups, as long as each
// slice keeps convMinSteps steps of the reduction; 1 when the tiles alone
// reach fill.
func convSplitFor(c convTile, dir convDir, g convGeom, fill int) uint32 {
	rows, cols, red, z := convGemmOf(dir, g)
	tiles := ((rows + int(c.bm) - 1) / int(c.bm)) * ((cols + int(c.bn) - 1) / int(c.bn)) * z
	s := (fill + tiles - 1) / tiles
	if most := red / (int(c.bk) * convMinSteps); s > most {
		s = most
	}
	if s > convMaxSplit {
		s = convMaxSplit
	}
	if s < 1 {
		s = 1
	}
	return uint32(s)
}

// convTileFits reports whether the device's limits hold tile c's workgroup and
// shared memory.
func (l *Library) convTileFits(c convTile) bool {
	lim := l.ctx.Info().Compute
	n := c.local()
	return n <= lim.MaxWorkGroupInvocations && n <= lim.MaxWorkGroupSize[0] &&
		c.sharedBytes() <= lim.MaxSharedMemory
}

// cpuTallRows is the GEMM height from which CPU drivers get 32-row tiles
// for layers of 64 columns or more: the batch-64 layers (1,024 rows and
// more), not batch-1 ones (at most 196), whose 16 rows would fill half a
// tile.
const cpuTallRows = 512

// convTuneForDevice is convTuneFor for a CPU driver or a GPU, with or without
// 8-lane subgroups that broadcast.
func convTuneForDevice(cpu, subgroups bool, dir convDir, g convGeom) convTune {
	cols := g.K
	if dir == convBwdData {
		cols = g.C
	}
	var t convTune
	switch {
	case !cpu:
		t = convTune{local: 128, ppl: 1, tc: 4, sg: convShareLoad}
		if cols < 8 {
			t.sg = convShareSolo
		}
	case cols < 8:
		t = convTune{local: 64, ppl: 1, tc: 4, sg: convShareSolo}
	case cols < 64:
		t = convTune{local: 64, ppl: 2, tc: 4, sg: convShareBroadcast}
	default:
		t = convTune{local: 64, ppl: 2, tc: 8, sg: convShareBroadcast}
	}
	rows, _, _, _ := convGemmOf(dir, g)
	switch {
	case cpu && rows <= 8:
		t.ppl = 1 // one 8-row team tile holds every row (a batch-1 head or latent layer)
	case cpu && cols >= 64 && rows >= cpuTallRows:
		t.ppl = 4 // 32-row tiles: each weight load feeds twice the rows
	}
	if t.sg == convShareBroadcast && !subgroups {
		t.sg = convShareLoad
	}
	return t
}

// convKernel returns the pipeline of a conv shader with tiles t: broadcasting tiles
// broadcast within 8-lane teams that are whole subgroups, so their pipeline
// requires full subgroups; the others run the basic-tier variant, whose SPIR-V
// holds no subgroup operation.
func (l *Library) convKernel(name string, bindings []vk.Access, t convTune) (*vk.Kernel, error) {
	if t.tiled != nil {
		return l.kernel(name+"_tiled", bindings, convPush{}, t.spec()...)
	}
	if err := t.sg.check(name); err != nil {
		return nil, err
	}
	if t.sg != convShareBroadcast {
		return l.kernel(shaders.BasicTier(name), bindings, convPush{}, t.spec()...)
	}
	return l.kernelOpts(name, true, bindings, convPush{}, t.spec()...)
}

// convGridX is the number of workgroups along x for tiles work items handled by
// teams teams per workgroup, capped at the device limit (the shaders grid-stride).
func (l *Library) convGridX(tiles, teams int) uint32 {
	g := (tiles + teams - 1) / teams
	if m := int(l.ctx.Info().Compute.MaxWorkGroupCount[0]); g > m {
		g = m
	}
	if g < 1 {
		g = 1
	}
	return uint32(g)
}

// convData records a fwd or bwd_data kernel (dir) for geometry g: for convFwd
// out = e(in (*) w (+ b)), b [K]; for convBwdData out = e(the adjoint of
// x -> x (*) w applied to in (+ b)), b [C] per input channel, workgroup z the
// stride class. b may be nil.
func (l *Library) convData(seq *vk.Sequence, dir convDir, g convGeom, e kernels.Epilogue, in, w, b, out *vk.Buffer) error {
	bb := b
	if bb == nil {
		bb = w // the bias binding is not read without the bias flag
	}
	return l.convDispatch(seq, dir, g, b != nil, e, in, w, bb, out)
}

// convBackwardFilter records dw[k,c,ky,kx] = Σ dy[n,k,oy,ox]·x[n,c,iy,ix].
func (l *Library) convBackwardFilter(seq *vk.Sequence, g convGeom, x, dy, dw *vk.Buffer) error {
	return l.convDispatch(seq, convBwdFilter, g, false, kernels.Epilogue{}, x, dy, dw)
}

// convGemmOf is the GEMM a direction runs for geometry g: rows, columns,
// reduction length and workgroup z depth (bwd_data: the stride classes, sized
// by the biggest class).
func convGemmOf(dir convDir, g convGeom) (rows, cols, red, z int) {
	switch dir {
	case convBwdData:
		cdiv := func(a, b int) int { return (a + b - 1) / b }
		return g.N * cdiv(g.H, g.SH) * cdiv(g.W, g.SW), g.C, g.K * cdiv(g.KH, g.SH) * cdiv(g.KW, g.SW), g.SH * g.SW
	case convBwdFilter:
		return g.C * g.KH * g.KW, g.K, g.N * g.OH * g.OW, 1
	default: // convFwd
		return g.N * g.OH * g.OW, g.K, g.C * g.KH * g.KW, 1
	}
}

// convOutLen is the number of floats a direction writes.
func convOutLen(dir convDir, g convGeom) int {
	switch dir {
	case convBwdData:
		return g.N * g.C * g.H * g.W
	case convBwdFilter:
		return g.K * g.C * g.KH * g.KW
	default: // convFwd
		return g.N * g.K * g.OH * g.OW
	}
}

// convDispatch records the conv kernel of direction dir, with the tiles
// convTuneFor picks for g, over bufs, the last of which is the output (the
// others are read), adding the bias when bias is set and applying the
// epilogue e at the store. With split-K the slices write their partial sums
// into a scratch buffer of the library, which a ReduceSum then adds into the
// output; the epilogue then runs as an activation over the output in place.
func (l *Library) convDispatch(seq *vk.Sequence, dir convDir, g convGeom, bias bool, e kernels.Epilogue, bufs ...*vk.Buffer) error {
	t, err := l.convTuneFor(dir, g)
	if err != nil {
		return err
	}
	access := make([]vk.Access, len(bufs))
	for i := range access {
		access[i] = vk.Read
	}
	access[len(access)-1] = vk.Write
	k, err := l.convKernel(dir.shader(), access, t)
	if err != nil {
		return err
	}
	rows, cols, _, z := convGemmOf(dir, g)
	grid := l.convGrid(t, rows, cols, z)
	s := t.splits()
	if s == 1 {
		return seq.Dispatch(k, grid, g.push(bias, e).words(), bufs...)
	}
	push := g.push(bias, kernels.Epilogue{})
	n := convOutLen(dir, g)
	scratch, err := l.splitScratch(s * n)
	if err != nil {
		return fmt.Errorf("conv2d %s split-K scratch: %w", dir, err)
	}
	grid[2] *= uint32(s)
	out := bufs[len(bufs)-1]
	in := append(append([]*vk.Buffer(nil), bufs[:len(bufs)-1]...), scratch)
	if err := seq.Dispatch(k, grid, push.words(), in...); err != nil {
		return err
	}
	if err := l.ReduceSum(seq, kernels.ReduceParams{Shape: []int{s, n}, Axes: []int{0}}, scratch, out); err != nil {
		return err
	}
	if !e.Active() {
		return nil
	}
	return l.ActivationForward(seq, e.Activation(), out, out)
}

// splitScratch returns n floats for split-K partial sums: the workspace
// (WithWorkspace), else the library's own scratch.
func (l *Library) splitScratch(n int) (*vk.Buffer, error) {
	if !l.hasWorkspace {
		return l.convScratch(n)
	}
	switch {
	case l.workspace == nil:
		return nil, fmt.Errorf("no workspace given; this conv needs %d floats (ConvWorkspace)", n)
	case l.workspace.Len() < n:
		return nil, fmt.Errorf("workspace of %d floats; this conv needs %d (ConvWorkspace)", l.workspace.Len(), n)
	case l.workspace.Len() == n:
		return l.workspace, nil
	}
	return l.workspace.View(0, n)
}

// ConvPass is one pass of a conv layer, as ConvWorkspace asks about it.
type ConvPass int

// The passes of a conv layer that can need a workspace (the bias gradient
// never does).
const (
	ConvPassForward ConvPass = iota + 1
	ConvPassBackwardInput
	ConvPassBackwardWeight
)

// String names the pass as the layer's errors do.
func (p ConvPass) String() string {
	switch p {
	case ConvPassForward:
		return "forward"
	case ConvPassBackwardInput:
		return "backward input"
	case ConvPassBackwardWeight:
		return "backward weight"
	}
	return fmt.Sprintf("ConvPass(%d)", int(p))
}

// Conv2DWorkspace is the floats of workspace (WithWorkspace) that the pass of
// the conv2d layer p needs with the variant the library would record now (its
// tuning table, else the heuristic): the split-K partial sums, 0 for a variant
// without split-K.
func (l *Library) Conv2DWorkspace(p kernels.Conv2DParams, pass ConvPass) (int, error) {
	return l.convWorkspace(conv2DLayer(p), pass)
}

// ConvTranspose2DWorkspace is Conv2DWorkspace for a conv_transpose2d layer.
func (l *Library) ConvTranspose2DWorkspace(p kernels.ConvTranspose2DParams, pass ConvPass) (int, error) {
	return l.convWorkspace(convTranspose2DLayer(p), pass)
}

func (l *Library) convWorkspace(c convLayer, pass ConvPass) (int, error) {
	if c.invalid != nil {
		return 0, c.invalid
	}
	if pass < ConvPassForward || pass > ConvPassBackwardWeight {
		return 0, fmt.Errorf("%s workspace: unknown pass %v", c.name, pass)
	}
	dir := c.passDir(pass)
	t, err := l.convTuneFor(dir, c.g)
	if err != nil {
		return 0, fmt.Errorf("%s %v workspace: %w", c.name, pass, err)
	}
	if s := t.splits(); s > 1 {
		return s * convOutLen(dir, c.g), nil
	}
	return 0, nil
}

// convScratch returns the library's split-K scratch buffer of n floats,
// allocating it on first use. Scratch buffers live as long as the context; one
// buffer serves every conv of that size, so sequences that run split-K convs of
// one library must not run at the same time (within a sequence the bindings'
// access order the uses).
func (l *Library) convScratch(n int) (*vk.Buffer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.scratch[n]; ok {
		return b, nil
	}
	b, err := l.ctx.NewBufferFloat32(n, nil)
	if err != nil {
		return nil, err
	}
	l.scratch[n] = b
	return b, nil
}

// convBiasGrad records db[k] = Σ_{n,s} dy[n,k,s] for dy [n, k, hw].
func (l *Library) convBiasGrad(seq *vk.Sequence, n, k, hw int, dy, db *vk.Buffer) error {
	local := l.fitLocal(1, halving(64, 1)...) // at most 256: the shader's partial sums
	push := convBiasGradPush{N: uint32(n), K: uint32(k), HW: uint32(hw)}
	kern, err := l.kernel("conv_bias_grad", []vk.Access{vk.Read, vk.Write}, push, local)
	if err != nil {
		return err
	}
	groups := k
	if m := int(l.ctx.Info().Compute.MaxWorkGroupCount[0]); groups > m {
		groups = m
	}
	return seq.Dispatch(kern, [3]uint32{uint32(groups), 1, 1}, push.words(), dy, db)
}
