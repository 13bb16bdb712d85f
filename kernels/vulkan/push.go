package vulkan

import "github.com/ocgan-vk/ocgan/runtime/vk"

// pushBlock is a shader family's push-constant block as the bindings fill it:
// one value gives both the definition's size (len(words())) and the words of
// a dispatch, so the two cannot disagree. vk.NewKernel checks the size
// against the SPIR-V block. The fields of each block below are the members
// of the shader's `layout(push_constant)` block, in their order.
type pushBlock interface {
	words() []uint32
}

// appendF32 appends the bits of each of fs (vk.F32) to w: the float members
// that end a block.
func appendF32(w []uint32, fs ...float32) []uint32 {
	for _, f := range fs {
		w = append(w, vk.F32(f))
	}
	return w
}

// countPush is the block of copy and add: the element count.
type countPush struct{ n uint32 }

func (p countPush) words() []uint32 { return []uint32{p.n} }

// scalarPush is the block of fill, axpy and scale: a float operand, then the
// element count.
type scalarPush struct {
	v float32
	n uint32
}

func (p scalarPush) words() []uint32 { return []uint32{vk.F32(p.v), p.n} }

// activationPush is the block of activation_fwd and activation_bwd.
type activationPush struct {
	n     uint32
	slope float32 // LeakyReLU's negative-side slope
}

func (p activationPush) words() []uint32 { return []uint32{p.n, vk.F32(p.slope)} }

// lossValuePush is the block of the <loss>_loss shaders.
type lossValuePush struct {
	n, f uint32
	mode lossMode
}

func (p lossValuePush) words() []uint32 { return []uint32{p.n, p.f, uint32(p.mode)} }

// lossGradPush is the block of the <loss>_grad shaders.
type lossGradPush struct {
	n, f  uint32
	mode  lossMode
	scale float32
}

func (p lossGradPush) words() []uint32 { return []uint32{p.n, p.f, uint32(p.mode), vk.F32(p.scale)} }

// adamPush is the block of adam: the element count and the first word of
// the step slot.
type adamPush struct{ n, word uint32 }

func (p adamPush) words() []uint32 { return []uint32{p.n, p.word} }

// bnShapePush is the block of batch_norm_bwd: x viewed as [n, c, hw].
type bnShapePush struct{ n, c, hw uint32 }

func (p bnShapePush) words() []uint32 { return []uint32{p.n, p.c, p.hw} }

// bnEpsPush is the block of batch_norm_fwd and batch_norm_eval_bwd: the
// shape, then the variance epsilon.
type bnEpsPush struct {
	bnShapePush
	eps float32
}

func (p bnEpsPush) words() []uint32 { return appendF32(p.bnShapePush.words(), p.eps) }

// bnStatsPush is the block of batch_norm_stats: the shape, the variance
// epsilon and the running statistics' momentum.
type bnStatsPush struct {
	bnShapePush
	eps, momentum float32
}

func (p bnStatsPush) words() []uint32 { return appendF32(p.bnShapePush.words(), p.eps, p.momentum) }

// convPush is the block of the conv2d shaders (conv_geom.glsl): the geometry
// (see convGeom), then flags and the leaky-ReLU epilogue's slope (see
// convGeom.push).
type convPush struct {
	N, C, H, W     int32
	K, OH, OW      int32
	KH, KW         int32
	SH, SW, PH, PW int32
	flags          int32
	slope          float32
}

func (p convPush) words() []uint32 {
	return []uint32{uint32(p.N), uint32(p.C), uint32(p.H), uint32(p.W),
		uint32(p.K), uint32(p.OH), uint32(p.OW), uint32(p.KH), uint32(p.KW),
		uint32(p.SH), uint32(p.SW), uint32(p.PH), uint32(p.PW), uint32(p.flags), vk.F32(p.slope)}
}

// convBiasGradPush is the block of conv_bias_grad: dy viewed as [N, K, HW].
type convBiasGradPush struct{ N, K, HW uint32 }

func (p convBiasGradPush) words() []uint32 { return []uint32{p.N, p.K, p.HW} }

// densePush is the block of the dense GEMM shaders (dense_common.glsl):
// C[M, NC] = A·B over K, then the epilogue kind and its leaky-ReLU slope.
type densePush struct {
	M, NC, K uint32
	act      int32
	slope    float32
}

func (p densePush) words() []uint32 {
	return []uint32{p.M, p.NC, p.K, uint32(p.act), vk.F32(p.slope)}
}

// denseBiasPush is the block of dense_bwd_bias: dy viewed as [n, out] (the
// shader's out_, out being a GLSL keyword).
type denseBiasPush struct{ n, out uint32 }

func (p denseBiasPush) words() []uint32 { return []uint32{p.n, p.out} }

// philoxPush is the head of the blocks of the Philox shaders (dropout_*,
// rng_*): the 64-bit seed as two words, low half first, the element count
// and the first word of the counter slot.
type philoxPush struct{ seedLo, seedHi, n, word uint32 }

// newPhiloxPush is the head for n elements of the stream of seed, with the
// counter read from slot counter.
func newPhiloxPush(seed uint64, n int, counter StepSlot) philoxPush {
	return philoxPush{seedLo: uint32(seed), seedHi: uint32(seed >> 32), n: uint32(n), word: uint32(counter.Word)}
}

func (p philoxPush) words() []uint32 { return []uint32{p.seedLo, p.seedHi, p.n, p.word} }

// dropoutPush is the block of dropout_fwd and dropout_bwd: the Philox head,
// the drop probability and the kept values' scale.
type dropoutPush struct {
	philoxPush
	prob, scale float32
}

func (p dropoutPush) words() []uint32 { return appendF32(p.philoxPush.words(), p.prob, p.scale) }

// rngUniformPush is the block of rng_uniform: the Philox head, then the
// scale and offset that map a word to a float.
type rngUniformPush struct {
	philoxPush
	scale, offset float32
}

func (p rngUniformPush) words() []uint32 { return appendF32(p.philoxPush.words(), p.scale, p.offset) }

// rngNormalPush is the block of rng_normal: the Philox head, then the
// standard deviation.
type rngNormalPush struct {
	philoxPush
	sigma float32
}

func (p rngNormalPush) words() []uint32 { return appendF32(p.philoxPush.words(), p.sigma) }

// reducePush is the block of reduce_lane and reduce_group: the kept and the
// reduced dimensions (size and input stride, innermost first; see
// reducePlan), the output count, the terms per output and the divisor.
type reducePush struct {
	ksize, kstride [reduceMaxDims]uint32
	rsize, rstride [reduceMaxDims]uint32
	nout, count    uint32
	div            float32
}

func (p reducePush) words() []uint32 {
	w := make([]uint32, 0, 4*reduceMaxDims+3)
	w = append(w, p.ksize[:]...)
	w = append(w, p.kstride[:]...)
	w = append(w, p.rsize[:]...)
	w = append(w, p.rstride[:]...)
	return append(w, p.nout, p.count, vk.F32(p.div))
}

// reduceBroadcastPush is the block of reduce_broadcast: the input count and
// the divisor, two words of padding (pad0, pad1: the uvec4s start 16 bytes
// in), then every merged dimension's size and output stride (0 when
// reduced), innermost first, as the shader's Lo and Hi halves.
type reduceBroadcastPush struct {
	n                    uint32
	div                  float32
	_                    [2]uint32
	sizeLo, sizeHi       [reduceMaxDims]uint32
	ostrideLo, ostrideHi [reduceMaxDims]uint32
}

func (p reduceBroadcastPush) words() []uint32 {
	w := make([]uint32, 0, 4+4*reduceMaxDims)
	w = append(w, p.n, vk.F32(p.div), 0, 0)
	w = append(w, p.sizeLo[:]...)
	w = append(w, p.sizeHi[:]...)
	w = append(w, p.ostrideLo[:]...)
	return append(w, p.ostrideHi[:]...)
}
