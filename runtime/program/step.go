package program

import (
	"fmt"
	"time"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// Step runs the program once: it uploads feeds (a value for every input of
// the graph, of its length), writes the step parameters (the RNG counter,
// then incremented, and the Adam scalars of step t+1), submits the recorded
// command buffer once, waits, and reads back the outputs.
//
// The returned map and its slices are the program's own and are overwritten
// by the next Step; copy what must be kept. A refused step (a bad feed)
// changes nothing.
func (p *Program) Step(feeds map[*graph.Tensor][]float32) (map[*graph.Tensor][]float32, error) {
	v, _, err := p.StepTimed(feeds)
	return v, err
}

// StepTimed is Step, also reporting the time of its three parts.
func (p *Program) StepTimed(feeds map[*graph.Tensor][]float32) (map[*graph.Tensor][]float32, StepTiming, error) {
	var st StepTiming
	t0 := time.Now()
	if err := p.upload(feeds); err != nil {
		return nil, st, fmt.Errorf("program: step: %w", err)
	}
	t1 := time.Now()
	if err := p.run(); err != nil {
		return nil, st, fmt.Errorf("program: step: %w", err)
	}
	p.addProfile()
	t2 := time.Now()
	if err := p.finish(); err != nil {
		return nil, st, fmt.Errorf("program: step: %w", err)
	}
	st.Upload, st.Run, st.Download = t1.Sub(t0), t2.Sub(t1), time.Since(t2)
	return p.values, st, nil
}

// upload is the host work before the submission: it checks and uploads the
// feeds and writes the step-parameter buffer.
func (p *Program) upload(feeds map[*graph.Tensor][]float32) error {
	if len(p.seqs) == 0 && (len(p.nodes) > 0 || len(p.updates) > 0) {
		return fmt.Errorf("the program is freed")
	}
	if err := p.checkFeeds(feeds); err != nil {
		return err
	}
	var adam kernels.AdamStep
	if len(p.updates) > 0 {
		t := p.updates[0].st.steps + 1
		for _, u := range p.updates[1:] {
			if u.st.steps+1 != t {
				return fmt.Errorf("adam: %q is at step %d but %q at step %d; the parameters of one optimizer must be stepped together",
					p.updates[0].name, t-1, u.name, u.st.steps)
			}
		}
		var err error
		h := p.hyper
		if adam, err = kernels.NewAdamStep(h.LR, h.Beta1, h.Beta2, h.Eps, t); err != nil {
			return err
		}
	}
	for _, in := range p.inputs {
		if err := in.buf.WriteFloat32(0, feeds[in.t]); err != nil {
			return fmt.Errorf("upload %v: %w", in.t, err)
		}
	}
	if err := vulkan.WriteCounter(p.counterSlot, p.counter); err != nil {
		return err
	}
	if len(p.updates) > 0 {
		return vulkan.WriteAdamStep(p.adamSlot, adam)
	}
	return nil
}

// finish is the host work after the submission: it advances the RNG
// counter and the Adam steps and reads back the outputs.
func (p *Program) finish() error {
	p.counter++
	for _, u := range p.updates {
		u.st.steps++
	}
	for _, o := range p.outputs {
		if err := o.buf.ReadFloat32(0, o.val); err != nil {
			return fmt.Errorf("read back %v: %w", o.t, err)
		}
	}
	return nil
}

// run submits the recorded step as the program's strategy says.
func (p *Program) run() error {
	switch p.strategy {
	case recordEveryStep:
		seq := p.seqs[0]
		if err := seq.Reset(); err != nil {
			return err
		}
		if err := p.recordStep(seq); err != nil {
			return err
		}
	}
	for _, s := range p.seqs {
		if err := s.Run(); err != nil {
			return err
		}
	}
	return nil
}

// checkFeeds checks the feeds against the graph's inputs (backend.CheckFeeds).
func (p *Program) checkFeeds(feeds map[*graph.Tensor][]float32) error {
	return backend.CheckFeeds(p.inputTs, feeds)
}

// Counter returns the RNG counter the next Step uses (0 after Compile).
func (p *Program) Counter() uint64 { return p.counter }

// SetCounter sets the RNG counter of the next Step; each Step then
// increments it. Dropout masks are a function of (seed, counter).
func (p *Program) SetCounter(c uint64) { p.counter = c }

// SetLR sets the optimizer's learning rate for the next steps (a schedule).
func (p *Program) SetLR(lr float32) { p.hyper.LR = lr }

// Params returns the program's parameter store.
func (p *Program) Params() *DeviceParams { return p.params }

// Stats describe a program's memory plan and its sequences.
type Stats struct {
	// Sequence counters summed over the program's sequences (one, except in
	// the benchmarks' per-node mode).
	vk.SequenceStats
	Sequences int

	// Slots is the number of planned tensors, each a view into one arena
	// buffer. PlannedBytes is the arena's size; UnplannedBytes is what one
	// buffer per computed tensor (Reshape views excluded) would take. Inputs,
	// parameters and optimizer state are not counted in either.
	Slots                        int
	PlannedBytes, UnplannedBytes int64
	// ScratchNodes is the number of nodes with a workspace in the arena
	// (split-K partial sums, live during their node only), ScratchBytes
	// their sum; both are part of the plan's bytes.
	ScratchNodes int
	ScratchBytes int64
}

// Stats returns the program's counters.
func (p *Program) Stats() Stats {
	s := Stats{Sequences: len(p.seqs), Slots: p.plan.Planned,
		PlannedBytes: p.plan.PlannedBytes, UnplannedBytes: p.plan.UnplannedBytes}
	for _, nb := range p.nodes {
		if nb.scratch > 0 {
			s.ScratchNodes++
			s.ScratchBytes += 4 * int64(nb.scratch)
		}
	}
	for _, q := range p.seqs {
		st := q.Stats()
		s.Dispatches += st.Dispatches
		s.Barriers += st.Barriers
		s.Recordings += st.Recordings
		s.Runs += st.Runs
		s.Submissions += st.Submissions
	}
	return s
}
