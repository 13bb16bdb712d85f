package vulkan

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// AdamStepWords is the size of an Adam step slot: the six AdamStep fields as float32
// words in field order (LR, Beta1, Beta2, Eps, BiasCorr1, BiasCorr2).
const AdamStepWords = 6

// Words returns the words of an Adam step slot holding s.
func adamWords(s kernels.AdamStep) [AdamStepWords]uint32 {
	return [AdamStepWords]uint32{vk.F32(s.LR), vk.F32(s.Beta1), vk.F32(s.Beta2), vk.F32(s.Eps),
		vk.F32(s.BiasCorr1), vk.F32(s.BiasCorr2)}
}

// WriteAdamStep validates s and writes it into slot from the host; the next Run of a
// sequence holding an AdamUpdate that reads the slot applies that step. The GPU
// cannot check the values it reads, so this is where they are checked.
func WriteAdamStep(slot StepSlot, s kernels.AdamStep) error {
	if err := s.Validate(); err != nil {
		return err
	}
	w := adamWords(s)
	return writeSlot(kernels.OpAdam, "step slot", slot, w[:])
}

// AdamUpdate records one Adam step (AdamUpdate in adam_ref.go) in place on the
// parameters p, first moments m and second moments v, given the gradient g: four
// distinct buffers of the same length. The step's scalars are read from the slot
// (AdamStepWords words, see WriteAdamStep) when the sequence runs, so one recording
// applies step t = 1, 2, … as the host rewrites the slot between runs.
func (l *Library) AdamUpdate(seq *vk.Sequence, step StepSlot, p, m, v, g *vk.Buffer) error {
	bufs := []struct {
		name string
		b    *vk.Buffer
	}{{"parameters p", p}, {"first moment m", m}, {"second moment v", v}, {"gradient g", g}}
	for i, x := range bufs {
		if err := needBuf(kernels.OpAdam, x.name, x.b); err != nil {
			return err
		}
		if err := kernels.CheckLen(kernels.OpAdam, x.name, x.b.Len(), "len(p)", p.Len()); err != nil {
			return err
		}
		for _, y := range bufs[:i] {
			if x.b == y.b {
				return fmt.Errorf("%s: %s and %s are the same buffer", kernels.OpAdam, y.name, x.name)
			}
		}
	}
	if err := step.check(kernels.OpAdam, "step slot", AdamStepWords, p, m, v); err != nil {
		return err
	}
	n := p.Len()
	if n == 0 {
		return nil
	}
	local := l.elementwiseLocal()
	push := adamPush{n: uint32(n), word: uint32(step.Word)}
	k, err := l.kernel("adam", adamAccess, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(n, local), push.words(), step.Buf, p, m, v, g)
}

// adamAccess is the adam shader's interface: the step slot, p, m, v; g.
var adamAccess = []vk.Access{vk.Read, vk.ReadWrite, vk.ReadWrite, vk.ReadWrite, vk.Read}
