package cpuprogram

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/memplan"
	"github.com/ocgan-vk/ocgan/runtime/sysmem"
)

// arenaAlign is the alignment of planned tensors in the arena, in floats:
// 64 bytes, a cache line and an AVX-512 vector.
const arenaAlign = 16

// Program is a compiled graph on the CPU.
type Program struct {
	dev       *cpu.Device
	params    *Params
	ownParams bool
	plan      *memplan.Plan

	shared  *Arena    // the memory of planned tensors, shared by a Backend's programs
	bound   []float32 // the arena the slices below point into
	tensors []*graph.Tensor
	bufs    [][]float32 // by tensor ID
	inputs  []hostBuf
	inputTs []*graph.Tensor
	outputs []hostBuf
	values  map[*graph.Tensor][]float32
	nodes   []boundNode
	updates []update

	hyper   backend.Adam
	counter uint64
	freed   bool
	poison  bool // Options.Poison
	// prof sums each node's and then each update's wall-clock time
	// (Options.Profile; nil otherwise).
	prof []backend.NodeTime
}

// hostBuf is a tensor exchanged with the caller each step: buf is where the
// program keeps it, val the slice Step returns (outputs).
type hostBuf struct {
	t        *graph.Tensor
	buf, val []float32
}

// boundNode is a node with its kernel and the slices of its inputs and
// outputs.
type boundNode struct {
	n       *graph.Node
	run     kernel
	in, out [][]float32
	dead    [][]float32 // planned tensors to poison after the node (Options.Poison)
	deadIDs []int       // their tensor IDs
}

// update is one parameter's Adam update.
type update struct {
	name     string
	pid, gid int // tensor IDs of the parameter and its gradient
	p, g     []float32
	st       *backend.AdamState
}

// Compile plans and binds g for dev. Every node of g runs on each Step, in
// order, then the Adam updates of opts.Adam. The graph's inputs must be fed
// to each Step. opts.Params, when set, must be a *Params of g's ParamSet.
func Compile(dev *cpu.Device, g *graph.Graph, opts backend.Options) (*Program, error) {
	return compile(dev, g, opts, nil)
}

// compile is Compile with the arena of planned tensors shared with other
// programs (nil: the program's own).
func compile(dev *cpu.Device, g *graph.Graph, opts backend.Options, arena *Arena) (*Program, error) {
	if dev == nil || g == nil {
		return nil, errors.New("cpuprogram: compile: nil device or graph")
	}
	checked, err := backend.Check(g, opts)
	if err != nil {
		return nil, fmt.Errorf("cpuprogram: compile: %w", err)
	}
	tensors, pinned, trained, nodes := g.Tensors(), checked.Pinned, checked.Trained, checked.Nodes
	p := &Program{dev: dev, poison: opts.Poison, values: map[*graph.Tensor][]float32{}, hyper: opts.Adam.Hyper()}
	switch ps := opts.Params.(type) {
	case nil:
	case *Params:
		if ps != nil && ps.ps != g.Params() {
			return nil, errors.New("cpuprogram: compile: opts.Params holds another ParamSet than the graph's")
		}
		p.params = ps
	default:
		return nil, fmt.Errorf("cpuprogram: compile: opts.Params is a %T, not a CPU *Params", opts.Params)
	}
	if p.params == nil {
		p.params, _ = NewParams(g.Params())
		p.ownParams = true
	}

	p.plan = memplan.New(nodes, tensors, pinned, arenaAlign, nil)
	p.shared = arena
	if p.shared == nil {
		p.shared = &Arena{}
	}
	p.bufs = make([][]float32, len(tensors))
	err = backend.BindLeaves(tensors, p.bufs, func(t *graph.Tensor) ([]float32, error) {
		b := make([]float32, t.Len())
		p.inputs = append(p.inputs, hostBuf{t: t, buf: b})
		p.inputTs = append(p.inputTs, t)
		return b, nil
	}, func(t *graph.Tensor) ([]float32, error) { return p.params.value(t.Name()) })
	if err != nil {
		return nil, fmt.Errorf("cpuprogram: compile: %w", err)
	}
	for i, n := range nodes {
		run, ok := kernelOf(n.Op())
		if !ok {
			return nil, fmt.Errorf("cpuprogram: compile: node %v: op %s is not supported on the CPU", n, n.Op().Kind())
		}
		bn := boundNode{n: n, run: run}
		if opts.Poison {
			bn.deadIDs = p.plan.DeadAfter[i]
		}
		p.nodes = append(p.nodes, bn)
	}
	for _, w := range trained {
		p.updates = append(p.updates, update{name: w.Name(), pid: w.ID(), gid: opts.Adam.Grads[w].ID(),
			st: p.params.adam.For(w.Name(), w.Len())})
	}
	if opts.Profile {
		p.prof = backend.NewProfile(nodes, trained)
	}
	seen := map[*graph.Tensor]bool{}
	for _, t := range opts.Outputs {
		if !seen[t] {
			seen[t] = true
			h := hostBuf{t: t, val: make([]float32, t.Len())}
			p.outputs = append(p.outputs, h)
			p.values[t] = h.val
		}
	}
	p.tensors = tensors
	if err := p.shared.reserve(p.plan.ArenaFloats); err != nil {
		return nil, fmt.Errorf("cpuprogram: compile: %w", err)
	}
	p.bind()
	return p, nil
}

// Arena is the memory of planned tensors, shared by the programs of one
// Backend: they run one at a time and nothing planned survives a step (the
// outputs are copied out), so the programs of all of Algorithm 1's phases
// need the largest plan's memory, not the sum. It grows to the largest
// plan; a program rebinds to it when it has grown.
type Arena struct {
	buf []float32
	// available reports the memory the process can still allocate
	// (sysmem.Available when nil).
	available func() (uint64, bool)
}

// reserve grows the arena to at least n floats, first checking that the
// system has that memory available (see OutOfMemoryError).
func (a *Arena) reserve(n int) error {
	if len(a.buf) >= n {
		return nil
	}
	avail := a.available
	if avail == nil {
		avail = sysmem.Available
	}
	// The buffer held so far is not counted as available: its pages may
	// never have been touched, so the system's figure may include them.
	need := uint64(n) * 4
	if free, ok := avail(); ok && need > free {
		return &OutOfMemoryError{Need: need, Available: free}
	}
	a.buf = nil
	a.buf = make([]float32, n)
	return nil
}

// OutOfMemoryError is a program whose planned tensors (the activations and
// gradients of its batch) need more memory than the system has available.
type OutOfMemoryError struct {
	Need      uint64 // bytes of the arena asked for
	Available uint64 // bytes the system said were available
}

func (e *OutOfMemoryError) Error() string {
	return fmt.Sprintf("out of memory: the activations and gradients of this batch need %s, the system has %s available (a smaller batch needs less)",
		gib(e.Need), gib(e.Available))
}

// gib formats a byte count in GiB or MiB.
func gib(n uint64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}

// bind points every node, update and output at the current arena (planned
// tensors) and at the inputs and parameters.
func (p *Program) bind() {
	arena := p.shared.buf
	p.bound = arena
	bufs := p.bufs
	_ = memplan.Bind(p.plan, p.tensors, bufs, func(t *graph.Tensor, off int) ([]float32, error) {
		return arena[off : off+t.Len() : off+t.Len()], nil
	})
	for i := range p.nodes {
		bn := &p.nodes[i]
		bn.in = memplan.Gather(bn.in, bufs, bn.n.Inputs())
		bn.out = memplan.Gather(bn.out, bufs, bn.n.Outputs())
		bn.dead = memplan.GatherIDs(bn.dead, bufs, bn.deadIDs)
	}
	for i := range p.updates {
		u := &p.updates[i]
		u.p, u.g = bufs[u.pid], bufs[u.gid]
	}
	for i := range p.outputs {
		p.outputs[i].buf = bufs[p.outputs[i].t.ID()]
	}
}

// Profile returns the wall-clock time of each node and update since the
// previous call (see backend.Program); nil without Options.Profile.
func (p *Program) Profile() []backend.NodeTime { return backend.TakeProfile(p.prof) }

// Step runs the program once (see backend.Program).
func (p *Program) Step(feeds map[*graph.Tensor][]float32) (map[*graph.Tensor][]float32, error) {
	v, _, err := p.StepTimed(feeds)
	return v, err
}

// StepTimed is Step, also reporting the time of the feed copies, the nodes
// and Adam updates, and the output copies.
func (p *Program) StepTimed(feeds map[*graph.Tensor][]float32) (map[*graph.Tensor][]float32, backend.StepTiming, error) {
	var st backend.StepTiming
	if p.freed {
		return nil, st, errors.New("cpuprogram: step: the program is freed")
	}
	t0 := time.Now()
	if err := p.checkFeeds(feeds); err != nil {
		return nil, st, fmt.Errorf("cpuprogram: step: %w", err)
	}
	var adam kernels.AdamStep
	if len(p.updates) > 0 {
		t := p.updates[0].st.Steps + 1
		for _, u := range p.updates[1:] {
			if u.st.Steps+1 != t {
				return nil, st, fmt.Errorf("cpuprogram: step: adam: %q is at step %d but %q at step %d; the parameters of one optimizer must be stepped together",
					p.updates[0].name, t-1, u.name, u.st.Steps)
			}
		}
		var err error
		h := p.hyper
		if adam, err = kernels.NewAdamStep(h.LR, h.Beta1, h.Beta2, h.Eps, t); err != nil {
			return nil, st, fmt.Errorf("cpuprogram: step: %w", err)
		}
	}
	for _, in := range p.inputs {
		copy(in.buf, feeds[in.t])
	}
	t1 := time.Now()
	if len(p.bound) != len(p.shared.buf) || (len(p.bound) > 0 && &p.bound[0] != &p.shared.buf[0]) {
		p.bind()
	}
	nan := float32(math.NaN())
	if p.poison {
		arena := p.shared.buf[:p.plan.ArenaFloats]
		for i := range arena {
			arena[i] = nan
		}
	}
	var last time.Time // the end of the previous node or update, when profiling
	if p.prof != nil {
		last = time.Now()
	}
	lap := func(i int) {
		if p.prof != nil {
			now := time.Now()
			p.prof[i].Time += now.Sub(last)
			p.prof[i].Steps++
			last = now
		}
	}
	for i := range p.nodes {
		bn := &p.nodes[i]
		if err := bn.run(p.dev, bn.n.Op(), p.counter, bn.in, bn.out); err != nil {
			return nil, st, fmt.Errorf("cpuprogram: step: node %v: %w", bn.n, err)
		}
		for _, d := range bn.dead {
			for j := range d {
				d[j] = nan
			}
		}
		lap(i)
	}
	for i, u := range p.updates {
		if err := p.dev.AdamUpdate(adam, u.p, u.st.M, u.st.V, u.g); err != nil {
			return nil, st, fmt.Errorf("cpuprogram: step: adam update of %q: %w", u.name, err)
		}
		lap(len(p.nodes) + i)
	}
	t2 := time.Now()
	p.counter++
	for _, u := range p.updates {
		u.st.Steps++
	}
	for _, o := range p.outputs {
		copy(o.val, o.buf)
	}
	st.Upload, st.Run, st.Download = t1.Sub(t0), t2.Sub(t1), time.Since(t2)
	return p.values, st, nil
}

// checkFeeds checks the feeds against the graph's inputs (backend.CheckFeeds).
func (p *Program) checkFeeds(feeds map[*graph.Tensor][]float32) error {
	return backend.CheckFeeds(p.inputTs, feeds)
}

// Counter returns the RNG counter the next Step uses (0 after Compile).
func (p *Program) Counter() uint64 { return p.counter }

// SetCounter sets the RNG counter of the next Step.
func (p *Program) SetCounter(c uint64) { p.counter = c }

// SetLR sets the optimizer's learning rate for the next steps.
func (p *Program) SetLR(lr float32) { p.hyper.LR = lr }

// Params returns the program's parameter store.
func (p *Program) Params() *Params { return p.params }

// Stats returns the program's memory plan figures.
func (p *Program) Stats() backend.Stats {
	return backend.Stats{Slots: p.plan.Planned, PlannedBytes: p.plan.PlannedBytes, UnplannedBytes: p.plan.UnplannedBytes}
}

// Free releases the program's memory, and its parameter store when it made
// its own.
func (p *Program) Free() {
	p.freed = true
	p.shared, p.bound, p.bufs, p.nodes, p.inputs, p.updates = nil, nil, nil, nil, nil, nil
	if p.ownParams && p.params != nil {
		p.params.Free()
	}
}
