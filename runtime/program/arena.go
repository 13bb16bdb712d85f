package program

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// arena is the device memory of planned tensors, shared by the programs of
// one Backend: they run one at a time (Step waits for the device) and
// nothing planned survives a step (outputs are read back), so the programs
// of all of Algorithm 1's phases need the largest plan's memory, not the
// sum. It grows to the largest plan; when it grows, every program on it is
// bound to the new buffer and recorded again. A program compiled on its own
// (Compile) has an arena of its own.
type arena struct {
	ctx    *vk.Context
	buf    *vk.Buffer // nil while floats is 0
	floats int
	users  []*Program
}

// join binds p to the arena, growing it first when p's plan needs more.
func (a *arena) join(p *Program) error {
	if n := p.plan.ArenaFloats; n > a.floats {
		if err := a.grow(n); err != nil {
			return err
		}
	}
	a.users = append(a.users, p)
	if err := p.bind(); err != nil {
		a.leave(p)
		return err
	}
	return nil
}

// grow replaces the buffer with one of n floats and rebinds the programs
// on it. The old buffer is released first, so that the peak is the new
// size; when the new one cannot be had, the old size is restored.
func (a *arena) grow(n int) error {
	for _, u := range a.users {
		u.freeSequences()
	}
	old := a.floats
	a.buf.Free()
	a.buf, a.floats = nil, 0
	b, err := a.ctx.NewBufferFloat32(n, nil)
	if err != nil {
		err = fmt.Errorf("program: compile: activation arena (%d floats): %w", n, err)
		if old > 0 {
			b, err2 := a.ctx.NewBufferFloat32(old, nil)
			if err2 != nil {
				return fmt.Errorf("%w; restoring the previous arena (%d floats): %v", err, old, err2)
			}
			a.buf, a.floats = b, old
		}
		if err2 := a.rebind(); err2 != nil {
			return fmt.Errorf("%w; rebinding to the previous arena: %v", err, err2)
		}
		return err
	}
	a.buf, a.floats = b, n
	return a.rebind()
}

// rebind binds and records every program on the arena again.
func (a *arena) rebind() error {
	for _, u := range a.users {
		if err := u.bind(); err != nil {
			return err
		}
	}
	return nil
}

// leave removes p from the arena, releasing the buffer after its last
// program.
func (a *arena) leave(p *Program) {
	for i, u := range a.users {
		if u == p {
			a.users = append(a.users[:i], a.users[i+1:]...)
			break
		}
	}
	if len(a.users) == 0 {
		a.buf.Free()
		a.buf, a.floats = nil, 0
	}
}
