// Package memplan lays out the computed tensors of a graph in one arena:
// tensors whose live ranges do not overlap share memory. Every backend uses
// the same plan.
package memplan

import (
	"sort"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Plan is the memory plan of a graph's computed tensors (activations and
// gradients). Each computed tensor is live from the node that writes it to
// the last node that reads it (or to the end of the step when it is read
// back or feeds the optimizer). Every planned tensor gets a range of one
// arena buffer, at an offset aligned for storage-buffer views; tensors of any
// sizes whose live ranges do not overlap may share memory. A Reshape output
// is a view of its input and shares its root's range and live range. Leaves
// (inputs, parameters, state) are not planned. A node's scratch (the
// partial sums of a split-K convolution) is live during that node only.
type Plan struct {
	Root      []int   // by tensor ID: the tensor whose storage it uses (itself unless a Reshape view)
	Offset    []int   // by tensor ID of a planned root: its offset in the arena, in floats; -1 for everything else
	First     []int   // by tensor ID of a planned root: the index of the node that writes it
	Last      []int   // by tensor ID of a planned root: the last node that reads it; len(nodes) if pinned
	DeadAfter [][]int // by node index: the planned roots whose live range ends at that node
	// Scratch is by node index: the arena offset of the node's scratch, in
	// floats, or -1 where it asked for none.
	Scratch []int

	ArenaFloats                  int // the arena's size in floats
	Planned                      int // planned roots
	PlannedBytes, UnplannedBytes int64
}

// span is a free range of the arena, in floats.
type span struct{ off, n int }

// New plans the computed tensors of a graph whose nodes (in order) and
// tensors (by ID) are given. pinned tensors (by ID) must survive the whole
// step: outputs read back and gradients read by the optimizer. align is the
// offset alignment in floats. scratch, by node index, is the floats of
// scratch each node needs while it runs (nil: none anywhere); it never
// overlaps the node's inputs or outputs.
func New(nodes []*graph.Node, tensors []*graph.Tensor, pinned map[int]bool, align int, scratch []int) *Plan {
	n := len(tensors)
	p := &Plan{Root: make([]int, n), Offset: make([]int, n), First: make([]int, n), Last: make([]int, n),
		DeadAfter: make([][]int, len(nodes)), Scratch: make([]int, len(nodes))}
	for i := range tensors {
		p.Root[i], p.Offset[i], p.First[i], p.Last[i] = i, -1, -1, -1
	}
	for i := range p.Scratch {
		p.Scratch[i] = -1
	}
	planned := make([]bool, n)
	for i, nd := range nodes {
		ins, outs := nd.Inputs(), nd.Outputs()
		if _, ok := nd.Op().(graph.ReshapeOp); ok {
			p.Root[outs[0].ID()] = p.Root[ins[0].ID()]
			continue
		}
		for _, o := range outs {
			planned[o.ID()] = true
			p.First[o.ID()], p.Last[o.ID()] = i, i
		}
	}
	for i, nd := range nodes {
		for _, t := range nd.Inputs() {
			if r := p.Root[t.ID()]; planned[r] && p.Last[r] < i {
				p.Last[r] = i
			}
		}
	}
	for id := range pinned {
		if r := p.Root[id]; planned[r] {
			p.Last[r] = len(nodes)
		}
	}
	for id := range tensors {
		if planned[id] && p.Last[id] < len(nodes) {
			p.DeadAfter[p.Last[id]] = append(p.DeadAfter[p.Last[id]], id)
		}
	}

	round := func(n int) int { return (n + align - 1) / align * align }
	size := func(id int) int { return round(tensors[id].Len()) }
	var free []span // sorted by offset, coalesced
	for i, nd := range nodes {
		if _, ok := nd.Op().(graph.ReshapeOp); ok {
			continue
		}
		for _, o := range nd.Outputs() {
			id, want := o.ID(), size(o.ID())
			p.Offset[id] = p.take(&free, want)
			p.Planned++
			p.UnplannedBytes += 4 * int64(tensors[id].Len())
		}
		if i < len(scratch) && scratch[i] > 0 {
			p.Scratch[i] = p.take(&free, round(scratch[i]))
			p.UnplannedBytes += 4 * int64(scratch[i])
		}
		// Tensors last read by this node (or never read), and its scratch,
		// free their range for the next node; a node never writes into
		// memory it reads.
		for _, id := range p.DeadAfter[i] {
			free = give(free, span{p.Offset[id], size(id)})
		}
		if off := p.Scratch[i]; off >= 0 {
			free = give(free, span{off, round(scratch[i])})
		}
	}
	p.PlannedBytes = 4 * int64(p.ArenaFloats)
	return p
}

// take returns the offset of n free floats: the first free range that holds
// them, else the end of the arena (growing it, and absorbing a free range
// that ends there).
func (p *Plan) take(free *[]span, n int) int {
	for i, s := range *free {
		if s.n >= n {
			if s.n == n {
				*free = append((*free)[:i], (*free)[i+1:]...)
			} else {
				(*free)[i] = span{s.off + n, s.n - n}
			}
			return s.off
		}
	}
	off := p.ArenaFloats
	if k := len(*free); k > 0 && (*free)[k-1].off+(*free)[k-1].n == p.ArenaFloats {
		off = (*free)[k-1].off
		*free = (*free)[:k-1]
	}
	p.ArenaFloats = off + n
	return off
}

// give returns a range to the free list, merging neighbours.
func give(free []span, s span) []span {
	free = append(free, s)
	sort.Slice(free, func(i, j int) bool { return free[i].off < free[j].off })
	out := free[:1]
	for _, f := range free[1:] {
		last := &out[len(out)-1]
		if last.off+last.n == f.off {
			last.n += f.n
		} else {
			out = append(out, f)
		}
	}
	return out
}

// Bind sets the entries of bufs (by tensor ID) of the planned tensors:
// view(t, off) is the storage of a planned root t at arena offset off (in
// floats), and a Reshape view gets its root's entry. Entries of unplanned
// tensors are left as they are; roots come before their views, so a view's
// root may be a leaf set by the caller. The first error of view is returned.
func Bind[B any](p *Plan, tensors []*graph.Tensor, bufs []B, view func(t *graph.Tensor, off int) (B, error)) error {
	for _, t := range tensors {
		if off := p.Offset[t.ID()]; off >= 0 {
			b, err := view(t, off)
			if err != nil {
				return err
			}
			bufs[t.ID()] = b
		}
	}
	for _, t := range tensors { // views, after their roots
		if r := p.Root[t.ID()]; r != t.ID() {
			bufs[t.ID()] = bufs[r]
		}
	}
	return nil
}

// Gather returns dst[:0] with the entries of bufs (by tensor ID) of ts
// appended, in order.
func Gather[B any](dst, bufs []B, ts []*graph.Tensor) []B {
	dst = dst[:0]
	for _, t := range ts {
		dst = append(dst, bufs[t.ID()])
	}
	return dst
}

// GatherIDs is Gather for tensor IDs.
func GatherIDs[B any](dst, bufs []B, ids []int) []B {
	dst = dst[:0]
	for _, id := range ids {
		dst = append(dst, bufs[id])
	}
	return dst
}
