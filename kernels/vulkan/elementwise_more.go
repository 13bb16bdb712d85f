package vulkan

import (
	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// Add records out[i] = a[i] + b[i] (Add in elementwise_ref.go); a, b and out have the
// same length. out may be a or b (in place): each element is read before the same
// invocation writes it.
func (l *Library) Add(seq *vk.Sequence, a, b, out *vk.Buffer) error {
	const op = kernels.OpElementwise + ": add"
	for _, x := range []struct {
		name string
		b    *vk.Buffer
	}{{"a", a}, {"b", b}, {"out", out}} {
		if err := needBuf(op, x.name, x.b); err != nil {
			return err
		}
		if err := kernels.CheckLen(op, x.name, x.b.Len(), "len(a)", a.Len()); err != nil {
			return err
		}
	}
	n := a.Len()
	if n == 0 {
		return nil
	}
	local := l.elementwiseLocal()
	push := countPush{n: uint32(n)}
	k, err := l.kernel("add", []vk.Access{vk.Read, vk.Read, vk.Write}, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(n, local), push.words(), a, b, out)
}

// Scale records out[i] = s·a[i] (Scale in elementwise_ref.go); a and out have the
// same length. out may be a (in place).
func (l *Library) Scale(seq *vk.Sequence, a *vk.Buffer, s float32, out *vk.Buffer) error {
	const op = kernels.OpElementwise + ": scale"
	if err := needBuf(op, "a", a); err != nil {
		return err
	}
	if err := checkBuf(op, "out", out, "len(a)", a.Len()); err != nil {
		return err
	}
	n := a.Len()
	if n == 0 {
		return nil
	}
	local := l.elementwiseLocal()
	push := scalarPush{v: s, n: uint32(n)}
	k, err := l.kernel("scale", []vk.Access{vk.Read, vk.Write}, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(n, local), push.words(), a, out)
}
