package vulkan

import (
	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// DropoutForward records y = dropout(x) as defined by DropoutParams: in train mode
// y[i] = x[i]·float32(1/(1−P)) where DropoutKeep holds and 0 elsewhere; in eval mode
// (p.Train false) y = x, a copy. The mask is the same function of (p.Seed, counter,
// i) as DropoutKeep, bit for bit, and is not stored: DropoutBackward regenerates it.
//
// The counter comes from the slot (CounterWords words, read when the sequence runs)
// and p.Counter is not used, so one recording serves every training step; write a
// fresh counter (WriteCounter) before each run, and give the backward pass the same
// slot and p. In eval mode the slot is not read and may be empty. y may be x (in
// place). x and y have the same length.
func (l *Library) DropoutForward(seq *vk.Sequence, p kernels.DropoutParams, counter StepSlot, x, y *vk.Buffer) error {
	return l.dropout(seq, "dropout_fwd", "x", "y", p, counter, x, y)
}

// DropoutBackward records dx = dy masked and scaled as DropoutForward treats x with
// the same p and counter slot (DropoutBackward in dropout_ref.go); dx may be dy.
func (l *Library) DropoutBackward(seq *vk.Sequence, p kernels.DropoutParams, counter StepSlot, dy, dx *vk.Buffer) error {
	return l.dropout(seq, "dropout_bwd", "dy", "dx", p, counter, dy, dx)
}

func (l *Library) dropout(seq *vk.Sequence, shader, inName, outName string, p kernels.DropoutParams, counter StepSlot, in, out *vk.Buffer) error {
	op := kernels.OpDropout
	if shader == "dropout_bwd" {
		op += " backward"
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if err := needBuf(op, inName, in); err != nil {
		return err
	}
	n := in.Len()
	if err := checkBuf(op, outName, out, "len("+inName+")", n); err != nil {
		return err
	}
	if !p.Train {
		if counter.Buf != nil {
			if err := counter.check(op, "counter slot", CounterWords, out); err != nil {
				return err
			}
		}
		if in == out || n == 0 {
			return nil
		}
		return l.Copy(seq, in, out)
	}
	if err := counter.check(op, "counter slot", CounterWords, out); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	local := l.elementwiseLocal()
	push := dropoutPush{philoxPush: newPhiloxPush(p.Seed, n, counter), prob: p.P, scale: float32(1 / (1 - float64(p.P)))}
	k, err := l.kernel(shader, []vk.Access{vk.Read, vk.Write, vk.Read}, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(philoxBlocks(n), local), push.words(), in, out, counter.Buf)
}
