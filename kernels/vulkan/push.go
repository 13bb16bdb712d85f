package vulkan

import "github.com/ocgan-vk/ocgan/runtime/vk"

// pushBlock is a shader family's push-constant block as the bindings fill it:
// one value gives both the definition's size (len(words())) and the words of
// a dispatch, so the two cannot disagree. vk.NewKernel checks the size
// against the SPIR-V block.
type pushBlock interface {
	words() []uint32
}

// pushKernel is kernel for a shader whose push-constant block is push's type.
func (l *Library) pushKernel(name string, bindings []vk.Access, push pushBlock, spec ...uint32) (*vk.Kernel, error) {
	return l.kernel(name, bindings, len(push.words()), spec...)
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
