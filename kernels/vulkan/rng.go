package vulkan

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// StepSlot locates values that change every training step (RNG counters, Adam's
// learning rate and bias corrections) in a small device buffer, the "step-parameter
// buffer": the 32-bit words of Buf starting at word index Word. A kernel reads its
// slot when it runs, not when it is recorded, so a recorded sequence is replayed
// unchanged while the host rewrites the slot between runs (WriteCounter,
// WriteAdamStep). One buffer can hold many slots at different words, so a training
// step updates all of them with one host write; host writes before Sequence.Run are
// made visible by the barrier every sequence starts with.
//
// The buffer must not be written by the dispatch that reads the slot.
type StepSlot struct {
	Buf  *vk.Buffer
	Word int
}

// CounterWords is the size of an RNG counter slot: the 64-bit Philox counter as two
// uint32 words, low half first.
const CounterWords = 2

// EncodeCounter returns the words of an RNG counter slot holding counter.
func EncodeCounter(counter uint64) [CounterWords]uint32 {
	return [CounterWords]uint32{uint32(counter), uint32(counter >> 32)}
}

// WriteCounter writes counter into slot s from the host (a direct write on unified
// memory, a staged copy otherwise); the next Run of a sequence that reads the slot
// uses it.
func WriteCounter(s StepSlot, counter uint64) error {
	w := EncodeCounter(counter)
	return writeSlot("rng", "counter slot", s, w[:])
}

// check reports a slot whose buffer is missing or too short for words words, or
// that is one of the buffers the dispatch writes.
func (s StepSlot) check(op, name string, words int, written ...*vk.Buffer) error {
	if s.Buf == nil {
		return fmt.Errorf("%s: %s has no buffer", op, name)
	}
	if s.Word < 0 || s.Word > s.Buf.Len()-words {
		return fmt.Errorf("%s: %s: words %d..%d are outside its %d-word buffer",
			op, name, s.Word, s.Word+words-1, s.Buf.Len())
	}
	for _, b := range written {
		if b == s.Buf {
			return fmt.Errorf("%s: %s is in a buffer the op writes", op, name)
		}
	}
	return nil
}

// writeSlot writes words into slot s after checking its bounds.
func writeSlot(op, name string, s StepSlot, words []uint32) error {
	if err := s.check(op, name, len(words)); err != nil {
		return err
	}
	b := make([]byte, 4*len(words))
	for i, w := range words {
		binary.NativeEndian.PutUint32(b[4*i:], w)
	}
	return s.Buf.Write(4*s.Word, b)
}

const (
	opRNGUniform = "rng: uniform"
	opRNGNormal  = "rng: normal"
)

// FillUniform records out[i] = UniformPM1(PhiloxWord(seed, counter, i)) for every
// element of out, uniform in [−1, 1), bit-identical to FillUniform(out.Len(), seed,
// counter), where counter is read from the slot (CounterWords words) when the
// sequence runs.
func (l *Library) FillUniform(seq *vk.Sequence, out *vk.Buffer, seed uint64, counter StepSlot) error {
	return l.fillUniform(seq, opRNGUniform, out, seed, counter, 1.0/(1<<23), -1)
}

// FillUniform01 records out[i] = Uniform01(PhiloxWord(seed, counter, i)), uniform in
// [0, 1), bit-identical to FillUniform01(out.Len(), seed, counter), with counter read
// from the slot when the sequence runs.
func (l *Library) FillUniform01(seq *vk.Sequence, out *vk.Buffer, seed uint64, counter StepSlot) error {
	return l.fillUniform(seq, opRNGUniform+"01", out, seed, counter, 1.0/(1<<24), 0)
}

func (l *Library) fillUniform(seq *vk.Sequence, op string, out *vk.Buffer, seed uint64, counter StepSlot, scale, offset float32) error {
	if err := needBuf(op, "out", out); err != nil {
		return err
	}
	if err := counter.check(op, "counter slot", CounterWords, out); err != nil {
		return err
	}
	n := out.Len()
	if n == 0 {
		return nil
	}
	local := l.elementwiseLocal()
	push := rngUniformPush{philoxPush: newPhiloxPush(seed, n, counter), scale: scale, offset: offset}
	k, err := l.kernel("rng_uniform", []vk.Access{vk.Write, vk.Read}, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(philoxBlocks(n), local), push.words(), out, counter.Buf)
}

// FillNormal records samples of N(0, sigma²) into every element of out: the
// Box–Muller transform of the Philox stream (seed, counter) defined by FillNormal in
// rng_ref.go, with counter read from the slot when the sequence runs. The values
// agree with the reference to float32 rounding (the shader evaluates ln, sin and cos
// itself, to within a few ulp), not bit for bit. sigma must be finite.
func (l *Library) FillNormal(seq *vk.Sequence, out *vk.Buffer, seed uint64, counter StepSlot, sigma float32) error {
	if math.IsNaN(float64(sigma)) || math.IsInf(float64(sigma), 0) {
		return fmt.Errorf("%s: sigma must be finite, got %v", opRNGNormal, sigma)
	}
	if err := needBuf(opRNGNormal, "out", out); err != nil {
		return err
	}
	if err := counter.check(opRNGNormal, "counter slot", CounterWords, out); err != nil {
		return err
	}
	n := out.Len()
	if n == 0 {
		return nil
	}
	local := l.elementwiseLocal()
	push := rngNormalPush{philoxPush: newPhiloxPush(seed, n, counter), sigma: sigma}
	k, err := l.kernel("rng_normal", []vk.Access{vk.Write, vk.Read}, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(philoxBlocks(n), local), push.words(), out, counter.Buf)
}

// philoxBlocks is the number of Philox blocks (4 words each) covering n elements:
// the shaders give one invocation per block.
func philoxBlocks(n int) int { return (n + 3) / 4 }
