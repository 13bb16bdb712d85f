package vulkan

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// GPU bindings of the activations; activation_ref.go defines the ops. One shader per
// direction (activation_fwd, activation_bwd) specialized on the kind; the slope
// travels as a push constant. Both read and write vec4s with a scalar tail, so any
// length works.

// actGroups is the grid of the activation shaders: one invocation per vec4 (at least
// one group, whose first lanes also take the n%4 tail).
func (l *Library) actGroups(n int, local uint32) [3]uint32 {
	return l.groups1D(denseCeilDiv(n, 4), local)
}

// ActivationForward records y = f(x) element-wise (ActivationForward in
// activation_ref.go). x and y hold the same number of floats; y may be x (in place).
// Tanh and sigmoid saturate (±1, 0, 1) for large |x|.
func (l *Library) ActivationForward(seq *vk.Sequence, p kernels.ActivationParams, x, y *vk.Buffer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	op := fmt.Sprintf("%s: %s forward", kernels.OpActivation, p.Kind)
	if err := needBuf(op, "input x", x); err != nil {
		return err
	}
	if err := checkBuf(op, "output y", y, "len(input x)", x.Len()); err != nil {
		return err
	}
	local := l.elementwiseLocal()
	n := x.Len()
	push := activationPush{n: uint32(n), slope: p.Slope}
	k, err := l.kernel("activation_fwd", []vk.Access{vk.Read, vk.Write}, push, local, uint32(p.Kind))
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.actGroups(n, local), push.words(), x, y)
}

// ActivationBackward records dx = dy·f′ element-wise (ActivationBackward in
// activation_ref.go), where saved is the forward input x for ReLU/LeakyReLU and the
// forward output y for Tanh/Sigmoid (ActivationKind.BackwardUsesOutput). All three
// hold the same number of floats; dx may be dy or saved (in place).
func (l *Library) ActivationBackward(seq *vk.Sequence, p kernels.ActivationParams, saved, dy, dx *vk.Buffer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	name := "saved input x"
	if p.Kind.BackwardUsesOutput() {
		name = "saved output y"
	}
	op := fmt.Sprintf("%s: %s backward", kernels.OpActivation, p.Kind)
	if err := needBuf(op, name, saved); err != nil {
		return err
	}
	n := saved.Len()
	if err := checkBuf(op, "grad output dy", dy, "len("+name+")", n); err != nil {
		return err
	}
	if err := checkBuf(op, "grad input dx", dx, "len("+name+")", n); err != nil {
		return err
	}
	local := l.elementwiseLocal()
	push := activationPush{n: uint32(n), slope: p.Slope}
	k, err := l.kernel("activation_bwd", []vk.Access{vk.Read, vk.Read, vk.Write}, push, local, uint32(p.Kind))
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.actGroups(n, local), push.words(), saved, dy, dx)
}
