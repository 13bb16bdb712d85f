package vulkan

import "github.com/ocgan-vk/ocgan/runtime/vk"

// Fill records y[i] = v for every element of y.
func (l *Library) Fill(seq *vk.Sequence, y *vk.Buffer, v float32) error {
	local := l.elementwiseLocal()
	n := y.Len()
	push := scalarPush{v: v, n: uint32(n)}
	k, err := l.kernel("fill", []vk.Access{vk.Write}, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(n, local), push.words(), y)
}

// Axpy records y = a·x + y, in place on y; x and y have the same length.
func (l *Library) Axpy(seq *vk.Sequence, a float32, x, y *vk.Buffer) error {
	n, err := sameLen("axpy", "x", x, "y", y)
	if err != nil {
		return err
	}
	local := l.elementwiseLocal()
	push := scalarPush{v: a, n: uint32(n)}
	k, err := l.kernel("axpy", []vk.Access{vk.Read, vk.ReadWrite}, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(n, local), push.words(), x, y)
}

// Copy records dst = src; both have the same length.
func (l *Library) Copy(seq *vk.Sequence, src, dst *vk.Buffer) error {
	n, err := sameLen("copy", "src", src, "dst", dst)
	if err != nil {
		return err
	}
	local := l.elementwiseLocal()
	push := countPush{n: uint32(n)}
	k, err := l.kernel("copy", []vk.Access{vk.Read, vk.Write}, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(n, local), push.words(), src, dst)
}
