package program

import "github.com/ocgan-vk/ocgan/runtime/graph"

// plan is the memory plan of a graph's computed tensors (activations and
// gradients). Each computed tensor is live from the node that writes it to
// the last node that reads it (or to the end of the step when it is read
// back or feeds the optimizer). Tensors of the same length whose live ranges
// do not overlap share a slot, one device buffer; a Reshape output is a view
// of its input and shares its root's storage and live range.
//
// Slots hold exactly one length because the kernels check buffer lengths
// exactly and runtime/vk has no buffer views: a slot cannot host a shorter
// tensor. Leaves (inputs, parameters, state) are not planned.
type plan struct {
	root      []int   // by tensor ID: the tensor whose storage it uses (itself unless a Reshape view)
	slot      []int   // by tensor ID of a planned root: its slot; -1 for everything else
	first     []int   // by tensor ID of a planned root: the index of the node that writes it
	last      []int   // by tensor ID of a planned root: the last node that reads it; len(nodes) if pinned
	slotLen   []int   // by slot: its length in floats
	deadAfter [][]int // by node index: the planned roots whose live range ends at that node

	plannedBytes, unplannedBytes int64
}

// newPlan plans the computed tensors of a graph whose nodes (in order) and
// tensors (by ID) are given. pinned tensors (by ID) must survive the whole
// step: outputs read back and gradients read by the optimizer.
func newPlan(nodes []*graph.Node, tensors []*graph.Tensor, pinned map[int]bool) *plan {
	n := len(tensors)
	p := &plan{root: make([]int, n), slot: make([]int, n), first: make([]int, n), last: make([]int, n),
		deadAfter: make([][]int, len(nodes))}
	for i := range tensors {
		p.root[i], p.slot[i], p.first[i], p.last[i] = i, -1, -1, -1
	}
	planned := make([]bool, n)
	for i, nd := range nodes {
		ins, outs := nd.Inputs(), nd.Outputs()
		if _, ok := nd.Op().(graph.ReshapeOp); ok {
			p.root[outs[0].ID()] = p.root[ins[0].ID()]
			continue
		}
		for _, o := range outs {
			planned[o.ID()] = true
			p.first[o.ID()], p.last[o.ID()] = i, i
		}
	}
	for i, nd := range nodes {
		for _, t := range nd.Inputs() {
			if r := p.root[t.ID()]; planned[r] && p.last[r] < i {
				p.last[r] = i
			}
		}
	}
	for id := range pinned {
		if r := p.root[id]; planned[r] {
			p.last[r] = len(nodes)
		}
	}

	for id := range tensors {
		if planned[id] && p.last[id] < len(nodes) {
			p.deadAfter[p.last[id]] = append(p.deadAfter[p.last[id]], id)
		}
	}

	free := map[int][]int{} // free slots by length
	for i, nd := range nodes {
		if _, ok := nd.Op().(graph.ReshapeOp); ok {
			continue
		}
		for _, o := range nd.Outputs() {
			id, size := o.ID(), o.Len()
			if f := free[size]; len(f) > 0 {
				p.slot[id], free[size] = f[len(f)-1], f[:len(f)-1]
			} else {
				p.slot[id] = len(p.slotLen)
				p.slotLen = append(p.slotLen, size)
				p.plannedBytes += 4 * int64(size)
			}
			p.unplannedBytes += 4 * int64(size)
		}
		// Tensors last read by this node (or never read) free their slot for
		// the next node; a node never writes into a slot it reads.
		for _, id := range p.deadAfter[i] {
			size := tensors[id].Len()
			free[size] = append(free[size], p.slot[id])
		}
	}
	return p
}
