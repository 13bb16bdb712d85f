package program

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/memplan"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// Program is a compiled graph: its memory plan, its device buffers and its
// recorded command buffer. Step replays it.
type Program struct {
	lib       *vulkan.Library
	params    *DeviceParams
	ownParams bool
	plan      *memplan.Plan
	strategy  strategy
	poison    bool // Options.Poison

	shared  *arena          // the memory of planned tensors, shared by a Backend's programs
	arena   *vk.Buffer      // shared's buffer when last bound: planned tensors are views into it
	tensors []*graph.Tensor // the graph's, by ID
	bufs    []*vk.Buffer    // every tensor's buffer, by ID
	inputs  []hostBuf       // fed each step
	inputTs []*graph.Tensor
	outputs []hostBuf // read back each step
	values  map[*graph.Tensor][]float32
	nodes   []nodeBufs
	updates []update

	stepBuf               *vk.Buffer // the step-parameter buffer
	counterSlot, adamSlot vulkan.StepSlot
	hyper                 Adam // the optimizer's scalars (Grads unused)
	counter               uint64

	seqs []*vk.Sequence // one, except for the per-node benchmark strategy

	// prof sums the device time of each node and then each update
	// (Options.Profile on a device with timestamps, one sequence; nil
	// otherwise); spans are their dispatches in the sequence, [from, to).
	prof  []backend.NodeTime
	spans [][2]int
}

// profileMaxTimed bounds the dispatches a profiled sequence times; those
// of later nodes count as no time.
const profileMaxTimed = 1 << 14

// strategy is how a program records and submits; only recordOnce is
// exported behaviour, the others exist for the benchmarks.
type strategy int

const (
	recordOnce      strategy = iota // one sequence, recorded at Compile, replayed
	recordEveryStep                 // one sequence, re-recorded before every run
	submitPerNode                   // one sequence per node and per update, each submitted
)

// hostBuf is a tensor exchanged with the host each step.
type hostBuf struct {
	t   *graph.Tensor
	buf *vk.Buffer
	val []float32 // outputs: the slice Step returns, reused
}

// nodeBufs is a node with the buffers of its inputs and outputs.
type nodeBufs struct {
	n       *graph.Node
	in, out []*vk.Buffer
	dead    []*vk.Buffer // planned tensors to poison after the node (Options.Poison)
	// scratch is the floats of workspace the node asked for (split-K
	// partial sums; 0: none) and ws its view of the arena.
	scratch int
	ws      *vk.Buffer
}

// update is one parameter's Adam update.
type update struct {
	name   string
	pT, gT *graph.Tensor // the parameter and its gradient
	p, g   *vk.Buffer
	st     *adamState
}

// Step-parameter buffer layout, in 32-bit words.
const (
	counterWord = 0
	adamWord    = counterWord + vulkan.CounterWords
	stepWords   = adamWord + vulkan.AdamStepWords
)

// Compile plans, allocates and records g for lib's device. Every node of g
// runs on each step, in order (each conv or dense node and the activation
// fused into it as one node, unless opts.Unfused: backend.Check), then the
// Adam updates of opts.Adam, all in one command buffer recorded here and
// never again. The graph's inputs (every
// Input tensor) must be fed to each Step.
//
// Buffers: parameters and state come from opts.Params (one buffer per name,
// plus Adam's m and v per trained parameter); each input has its own buffer;
// activations and gradients are views into one arena laid out by the memory plan (see
// Stats; a Backend's programs share one, sized to the largest plan); a small step-parameter buffer holds the RNG counter (words 0-1)
// and the Adam step's scalars (words 2-7), rewritten by every Step.
func Compile(lib *vulkan.Library, g *graph.Graph, opts Options) (*Program, error) {
	return compile(lib, g, opts, recordOnce, nil)
}

// compile is Compile with a recording strategy, and the arena shared
// with other programs (nil: one of its own).
func compile(lib *vulkan.Library, g *graph.Graph, opts Options, s strategy, shared *arena) (p *Program, err error) {
	if lib == nil || g == nil {
		return nil, errors.New("program: compile: nil library or graph")
	}
	checked, err := backend.Check(g, opts)
	if err != nil {
		return nil, fmt.Errorf("program: compile: %w", err)
	}
	tensors, pinned, trained, nodes := g.Tensors(), checked.Pinned, checked.Trained, checked.Nodes
	p = &Program{lib: lib, strategy: s, poison: opts.Poison, values: map[*graph.Tensor][]float32{}, hyper: opts.Adam.Hyper()}
	if opts.Params != nil {
		dp, ok := opts.Params.(*DeviceParams)
		if !ok {
			return nil, fmt.Errorf("program: compile: opts.Params is a %T, not a Vulkan *DeviceParams", opts.Params)
		}
		p.params = dp
	}
	if p.params == nil {
		if p.params, err = NewDeviceParams(lib.Context(), g.Params()); err != nil {
			return nil, err
		}
		p.ownParams = true
	} else if p.params.ps != g.Params() {
		return nil, errors.New("program: compile: opts.Params holds another ParamSet than the graph's")
	} else if p.params.ctx != lib.Context() {
		return nil, errors.New("program: compile: opts.Params is on another device context than the library")
	}
	defer func(q *Program) {
		if err != nil {
			q.Free() // p is nil by now: free what was allocated
		}
	}(p)

	scratch := make([]int, len(nodes))
	for i, n := range nodes {
		if scratch[i], err = workspace(lib, n.Op()); err != nil {
			return nil, fmt.Errorf("program: compile: node %v: %w", n, err)
		}
	}
	p.plan = memplan.New(nodes, tensors, pinned, p.lib.Context().BufferAlign()/4, scratch)
	if p.bufs, err = p.allocate(tensors); err != nil {
		return nil, err
	}
	p.tensors = tensors
	for i, n := range nodes {
		p.nodes = append(p.nodes, nodeBufs{n: n, scratch: scratch[i]})
	}
	for _, w := range trained {
		st, err := p.params.adamFor(w.Name(), w.Len())
		if err != nil {
			return nil, fmt.Errorf("program: compile: %w", err)
		}
		p.updates = append(p.updates, update{name: w.Name(), pT: w, gT: opts.Adam.Grads[w], st: st})
	}
	if opts.Profile && s != submitPerNode {
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
	if shared == nil {
		shared = &arena{ctx: lib.Context()}
	}
	p.shared = shared
	if err := shared.join(p); err != nil {
		return nil, err
	}
	return p, nil
}

// bind points every node, update and output at the arena's current buffer
// (planned tensors) and at the inputs and parameters, and records the
// program's sequences.
func (p *Program) bind() error {
	p.freeSequences()
	p.arena = p.shared.buf
	bufs := p.bufs
	err := memplan.Bind(p.plan, p.tensors, bufs, func(t *graph.Tensor, off int) (*vk.Buffer, error) {
		v, err := p.arena.View(off, t.Len())
		if err != nil {
			return nil, fmt.Errorf("program: compile: %v: %w", t, err)
		}
		return v, nil
	})
	if err != nil {
		return err
	}
	for i := range p.nodes {
		nb := &p.nodes[i]
		nb.in = memplan.Gather(nb.in, bufs, nb.n.Inputs())
		nb.out = memplan.Gather(nb.out, bufs, nb.n.Outputs())
		nb.ws = nil
		if off := p.plan.Scratch[i]; off >= 0 {
			if nb.ws, err = p.arena.View(off, nb.scratch); err != nil {
				return fmt.Errorf("program: compile: node %v workspace: %w", nb.n, err)
			}
		}
		nb.dead = nb.dead[:0]
		if p.poison {
			nb.dead = memplan.GatherIDs(nb.dead, bufs, p.plan.DeadAfter[i])
		}
	}
	for i := range p.updates {
		u := &p.updates[i]
		u.p, u.g = bufs[u.pT.ID()], bufs[u.gT.ID()]
	}
	for i := range p.outputs {
		p.outputs[i].buf = bufs[p.outputs[i].t.ID()]
	}
	return p.recordAll()
}

// freeSequences releases the program's recorded sequences.
func (p *Program) freeSequences() {
	for _, s := range p.seqs {
		s.Free()
	}
	p.seqs = nil
}

// allocate creates the input buffers and the step buffer, fetches the
// parameter buffers, and returns every tensor's buffer by ID, planned
// tensors (views into the arena, see bind) nil.
func (p *Program) allocate(tensors []*graph.Tensor) ([]*vk.Buffer, error) {
	ctx := p.lib.Context()
	var err error
	if p.stepBuf, err = ctx.NewBufferFloat32(stepWords, make([]float32, stepWords)); err != nil {
		return nil, fmt.Errorf("program: compile: step-parameter buffer: %w", err)
	}
	p.counterSlot = vulkan.StepSlot{Buf: p.stepBuf, Word: counterWord}
	p.adamSlot = vulkan.StepSlot{Buf: p.stepBuf, Word: adamWord}
	bufs := make([]*vk.Buffer, len(tensors)) // leaves first: a view's root may be one
	err = backend.BindLeaves(tensors, bufs, func(t *graph.Tensor) (*vk.Buffer, error) {
		b, err := ctx.NewBufferFloat32(t.Len(), nil)
		if err != nil {
			return nil, err
		}
		p.inputs = append(p.inputs, hostBuf{t: t, buf: b})
		p.inputTs = append(p.inputTs, t)
		return b, nil
	}, func(t *graph.Tensor) (*vk.Buffer, error) { return p.params.buffer(t.Name()) })
	if err != nil {
		return nil, fmt.Errorf("program: compile: %w", err)
	}
	return bufs, nil
}

// recordAll creates and records the program's sequences.
func (p *Program) recordAll() error {
	ctx := p.lib.Context()
	if p.strategy != submitPerNode {
		name := fmt.Sprintf("step of %d nodes and %d updates", len(p.nodes), len(p.updates))
		seq, err := ctx.NewSequence(vk.SequenceOptions{Name: name, Timestamps: p.prof != nil, MaxTimed: profileMaxTimed})
		if err != nil {
			return fmt.Errorf("program: compile: %w", err)
		}
		p.seqs = []*vk.Sequence{seq}
		if !seq.Timed() {
			p.prof = nil // the device has no timestamps
		}
		return p.recordStep(seq)
	}
	for i := range p.nodes {
		if _, ok := p.nodes[i].n.Op().(graph.ReshapeOp); ok {
			continue
		}
		seq, err := ctx.NewSequence(vk.SequenceOptions{})
		if err != nil {
			return fmt.Errorf("program: compile: %w", err)
		}
		p.seqs = append(p.seqs, seq)
		if err := p.recordNode(seq, &p.nodes[i]); err != nil {
			return err
		}
	}
	for _, u := range p.updates {
		seq, err := ctx.NewSequence(vk.SequenceOptions{})
		if err != nil {
			return fmt.Errorf("program: compile: %w", err)
		}
		p.seqs = append(p.seqs, seq)
		if err := p.recordUpdate(seq, u); err != nil {
			return err
		}
	}
	return nil
}

// recordStep records the whole step into seq: every node in order, then the
// Adam updates.
func (p *Program) recordStep(seq *vk.Sequence) error {
	if p.poison && p.arena != nil {
		if err := p.lib.Fill(seq, p.arena, float32(math.NaN())); err != nil {
			return fmt.Errorf("program: poisoning the arena: %w", err)
		}
	}
	p.spans = p.spans[:0]
	span := func(from int) {
		if p.prof != nil {
			p.spans = append(p.spans, [2]int{from, seq.Stats().Dispatches})
		}
	}
	for i := range p.nodes {
		from := seq.Stats().Dispatches
		if err := p.recordNode(seq, &p.nodes[i]); err != nil {
			return err
		}
		span(from)
	}
	for _, u := range p.updates {
		from := seq.Stats().Dispatches
		if err := p.recordUpdate(seq, u); err != nil {
			return err
		}
		span(from)
	}
	return nil
}

// addProfile adds the last run's dispatch times to each node's and update's
// sum.
func (p *Program) addProfile() {
	if p.prof == nil {
		return
	}
	ts := p.seqs[0].Timings()
	for i, sp := range p.spans {
		var d time.Duration
		for k := sp[0]; k < sp[1] && k < len(ts); k++ {
			d += ts[k].Duration
		}
		p.prof[i].Time += d
		p.prof[i].Steps++
	}
}

// Profile returns the device time of each node and update since the
// previous call (see backend.Program): nil without Options.Profile, on a
// device without timestamps, and for the per-node benchmark strategy.
func (p *Program) Profile() []backend.NodeTime { return backend.TakeProfile(p.prof) }

func (p *Program) recordNode(seq *vk.Sequence, nb *nodeBufs) error {
	// Every node records with its own workspace (nil where the plan gave it
	// none), never the library's shared scratch.
	if err := record(p.lib.WithWorkspace(nb.ws), seq, p.counterSlot, nb.n.Op(), nb.in, nb.out); err != nil {
		return fmt.Errorf("program: node %v: %w", nb.n, err)
	}
	for _, b := range nb.dead {
		if err := p.lib.Fill(seq, b, float32(math.NaN())); err != nil {
			return fmt.Errorf("program: poisoning after node %v: %w", nb.n, err)
		}
	}
	return nil
}

func (p *Program) recordUpdate(seq *vk.Sequence, u update) error {
	if err := p.lib.AdamUpdate(seq, p.adamSlot, u.p, u.st.m, u.st.v, u.g); err != nil {
		return fmt.Errorf("program: adam update of %q: %w", u.name, err)
	}
	return nil
}

// Free releases the program's sequences and buffers, and its parameter
// store when it made its own. Shared DeviceParams are left alone.
func (p *Program) Free() {
	p.freeSequences()
	if p.shared != nil {
		p.shared.leave(p) // the arena's views own nothing
		p.shared = nil
	}
	p.arena = nil
	for _, h := range p.inputs {
		h.buf.Free()
	}
	p.inputs = nil
	if p.stepBuf != nil {
		p.stepBuf.Free()
		p.stepBuf = nil
	}
	if p.ownParams && p.params != nil {
		p.params.Free()
	}
}
