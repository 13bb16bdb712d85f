package vk

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"

	"github.com/vulkan-go/vulkan"
)

// Sequence is one command buffer of many dispatches, submitted with one fence wait,
// or, with a limit of dispatches per submission, several command buffers submitted
// in order, each waited for before the next. Barriers are inserted only where a
// dispatch reads or writes memory an earlier dispatch wrote, or writes memory an
// earlier dispatch read, and at the start of every submission. A finished sequence
// can be run (replayed) any number of times. A Sequence is not safe for concurrent use.
type Sequence struct {
	ctx    *Context
	name   string
	cmd    vulkan.CommandBuffer // the command buffer being recorded: parts[used-1].cmd
	parts  []part               // the submissions, in order; those past used are spare
	used   int
	maxPer int // dispatches per submission; 0: no limit
	fence  vulkan.Fence
	state  seqState

	reads, writes []*Buffer // accessed since the last barrier

	timing   bool
	queries  vulkan.QueryPool
	maxTimed int
	labels   []string
	ticks    []uint64
	stats    SequenceStats

	// lastPipe and lastSet are bound now; a dispatch that reuses them skips the bind.
	lastPipe   vulkan.Pipeline
	lastSet    vulkan.DescriptorSet
	alwaysBind bool // benchmarks: bind on every dispatch
}

// part is one submission of a sequence: a command buffer of consecutive dispatches.
type part struct {
	cmd      vulkan.CommandBuffer
	first, n int    // the index of its first dispatch, and its dispatch count
	from, to string // the kernels of its first and last dispatch
}

type seqState int

const (
	seqRecording seqState = iota
	seqEnded
	seqFreed
)

// SequenceStats counts what a sequence recorded and ran.
type SequenceStats struct {
	Dispatches int // in the current recording
	Barriers   int // in the current recording, besides the first and last
	Recordings int // times the command buffer was (re)recorded
	Runs       int // runs
	// Submissions is the number of submissions (command buffers) each run
	// makes: 1, or more when the dispatches per submission are limited.
	Submissions int
}

// SequenceOptions configure a new sequence.
type SequenceOptions struct {
	// Timestamps records a GPU timestamp around each dispatch (when the device has them).
	Timestamps bool
	// MaxTimed bounds the timed dispatches (default 4096); later ones are not timed.
	MaxTimed int
	// Name describes the sequence in errors (a timeout names it).
	Name string
	// MaxDispatchesPerSubmit splits the sequence into submissions of at most this
	// many dispatches; 0 means the context's setting (Config.MaxDispatchesPerSubmit).
	MaxDispatchesPerSubmit int
}

// Timing is the device time of one dispatch in the last run.
type Timing struct {
	Name     string
	Duration time.Duration
}

// NewSequence starts recording a command buffer.
func (c *Context) NewSequence(opts SequenceOptions) (*Sequence, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	if c.broken != nil {
		return nil, c.broken
	}
	if opts.MaxDispatchesPerSubmit < 0 {
		return nil, fmt.Errorf("new sequence: %d dispatches per submission; want 0 (the context's setting) or positive", opts.MaxDispatchesPerSubmit)
	}
	s := &Sequence{ctx: c, name: opts.Name, timing: opts.Timestamps && c.info.Timestamps, maxTimed: opts.MaxTimed,
		maxPer: opts.MaxDispatchesPerSubmit}
	if s.maxTimed <= 0 {
		s.maxTimed = 4096
	}
	if s.maxPer == 0 {
		s.maxPer = c.maxDispatches
	}
	cmd, err := c.newCommandBuffer()
	if err != nil {
		return nil, err
	}
	s.parts, s.used, s.cmd = []part{{cmd: cmd}}, 1, cmd
	if s.fence, err = c.newFence(); err != nil {
		s.freeLocked()
		return nil, err
	}
	if s.timing {
		info := vulkan.QueryPoolCreateInfo{
			SType:      vulkan.StructureTypeQueryPoolCreateInfo,
			QueryType:  vulkan.QueryTypeTimestamp,
			QueryCount: uint32(2 * s.maxTimed),
		}
		var qp vulkan.QueryPool
		r := vulkan.CreateQueryPool(c.device, &info, nil, &qp)
		info.Free()
		if err := check(r, "vkCreateQueryPool"); err != nil {
			s.freeLocked()
			return nil, err
		}
		s.queries = qp
	}
	if err := s.begin(); err != nil {
		s.freeLocked()
		return nil, err
	}
	c.seqs[s] = struct{}{}
	return s, nil
}

// begin starts a recording in the first command buffer.
func (s *Sequence) begin() error {
	s.used, s.cmd = 1, s.parts[0].cmd
	s.parts[0].first, s.parts[0].n = 0, 0
	s.labels = s.labels[:0]
	s.stats.Dispatches, s.stats.Barriers, s.stats.Submissions = 0, 0, 1
	s.stats.Recordings++
	return s.beginPart()
}

// beginPart begins the current command buffer with a barrier against earlier
// submissions and host writes (and, in the first, the reset of the timestamps).
func (s *Sequence) beginPart() error {
	info := vulkan.CommandBufferBeginInfo{SType: vulkan.StructureTypeCommandBufferBeginInfo}
	r := vulkan.BeginCommandBuffer(s.cmd, &info)
	info.Free()
	if err := check(r, "vkBeginCommandBuffer"); err != nil {
		return err
	}
	if s.timing && s.used == 1 {
		vulkan.CmdResetQueryPool(s.cmd, s.queries, 0, uint32(2*s.maxTimed))
	}
	C.ocgan_vk_cmd_barrier(s.ctx.cmds, unsafe.Pointer(s.cmd),
		stageHost|stageTransfer|stageCompute, accessHostWrite|accessTransferWrite|accessShaderWrite,
		stageCompute, accessShaderRead|accessShaderWrite)
	s.state = seqRecording
	s.lastPipe, s.lastSet = nil, nil
	s.reads, s.writes = s.reads[:0], s.writes[:0]
	return nil
}

// split ends the current command buffer and begins the next submission's.
func (s *Sequence) split() error {
	if err := check(vulkan.EndCommandBuffer(s.cmd), "vkEndCommandBuffer"); err != nil {
		return err
	}
	if s.used == len(s.parts) {
		c := s.ctx
		c.mu.Lock()
		cmd, err := c.newCommandBuffer()
		c.mu.Unlock()
		if err != nil {
			s.state = seqEnded // the recording cannot go on; Reset starts anew
			return err
		}
		s.parts = append(s.parts, part{cmd: cmd})
	}
	s.used++
	p := &s.parts[s.used-1]
	p.first, p.n = s.stats.Dispatches, 0
	s.cmd = p.cmd
	s.stats.Submissions = s.used
	return s.beginPart()
}

// Reset discards the recording and starts a new one.
func (s *Sequence) Reset() error {
	if s.state == seqFreed {
		return errors.New("reset of a freed sequence")
	}
	if s.state == seqRecording {
		if err := check(vulkan.EndCommandBuffer(s.cmd), "vkEndCommandBuffer"); err != nil {
			return err
		}
	}
	for _, p := range s.parts[:s.used] {
		if err := check(vulkan.ResetCommandBuffer(p.cmd, 0), "vkResetCommandBuffer"); err != nil {
			return err
		}
	}
	return s.begin()
}

// GroupsFor returns the workgroup count covering n invocations with local size local.
func GroupsFor(n, local int) [3]uint32 {
	return [3]uint32{uint32((n + local - 1) / local), 1, 1}
}

// F32 encodes a float32 as a push-constant word.
func F32(f float32) uint32 { return math.Float32bits(f) }

// Dispatch records k over groups workgroups with push constants push and buffers
// bound to set 0 in binding order.
func (s *Sequence) Dispatch(k *Kernel, groups [3]uint32, push []uint32, bufs ...*Buffer) error {
	if s.state != seqRecording {
		return fmt.Errorf("dispatch of %s: sequence is not recording (call Reset to re-record)", k.name)
	}
	if k.ctx != s.ctx {
		return fmt.Errorf("dispatch of %s: kernel belongs to another context", k.name)
	}
	if len(bufs) != len(k.bindings) {
		return fmt.Errorf("dispatch of %s: %d buffers given, the kernel binds %d", k.name, len(bufs), len(k.bindings))
	}
	if len(push) != k.pushWords {
		return fmt.Errorf("dispatch of %s: %d push-constant words given, the kernel takes %d", k.name, len(push), k.pushWords)
	}
	if err := s.ctx.Err(); err != nil {
		return fmt.Errorf("dispatch of %s: %w", k.name, err)
	}
	lim := s.ctx.info.Compute
	for i, g := range groups {
		if g == 0 {
			return fmt.Errorf("dispatch of %s: 0 workgroups in dimension %d", k.name, i)
		}
		if g > lim.MaxWorkGroupCount[i] {
			return fmt.Errorf("dispatch of %s: %w", k.name, &LimitError{Kernel: k.name, Family: k.family,
				Limit: fmt.Sprintf("%s[%d]", LimitWorkGroupCount, i), Device: uint64(lim.MaxWorkGroupCount[i]), Need: uint64(g)})
		}
	}
	for i, b := range bufs {
		if b == nil || !b.live() {
			return fmt.Errorf("dispatch of %s: buffer %d is nil or freed", k.name, i)
		}
		if b.ctx != s.ctx {
			return fmt.Errorf("dispatch of %s: buffer %d belongs to another context", k.name, i)
		}
		if b.size > uint64(lim.MaxStorageBufferRange) {
			return fmt.Errorf("dispatch of %s: buffer %d is %s, over the device's %s (%s): %w",
				k.name, i, byteSize(b.size), LimitStorageRange, byteSize(uint64(lim.MaxStorageBufferRange)),
				&LimitError{Kernel: k.name, Family: k.family, Limit: LimitStorageRange, Device: uint64(lim.MaxStorageBufferRange), Need: b.size})
		}
	}
	set, err := k.descriptorSet(bufs)
	if err != nil {
		return err
	}
	if s.maxPer > 0 && s.parts[s.used-1].n == s.maxPer {
		if err := s.split(); err != nil {
			return fmt.Errorf("dispatch of %s: %w", k.name, err)
		}
	}
	if s.hazard(k, bufs) {
		s.computeBarrier()
		s.stats.Barriers++
		s.reads, s.writes = s.reads[:0], s.writes[:0]
	}
	for i, b := range bufs {
		if k.bindings[i]&Read != 0 {
			s.reads = append(s.reads, b)
		}
		if k.bindings[i]&Write != 0 {
			s.writes = append(s.writes, b)
		}
	}
	timed := s.timing && len(s.labels) < s.maxTimed
	if timed {
		C.ocgan_vk_cmd_timestamp(s.ctx.cmds, unsafe.Pointer(s.cmd), stageTopOfPipe, handle64(unsafe.Pointer(s.queries)), C.uint32_t(2*len(s.labels)))
	}
	var pushPtr unsafe.Pointer
	if len(push) > 0 {
		pushPtr = unsafe.Pointer(&push[0])
	}
	bind := 0
	if k.pipeline != s.lastPipe || s.alwaysBind {
		bind |= C.OCGAN_VK_BIND_PIPELINE
	}
	if set != s.lastSet || bind != 0 {
		bind |= C.OCGAN_VK_BIND_SET // a new pipeline may have an incompatible layout: rebind the set too
	}
	s.lastPipe, s.lastSet = k.pipeline, set
	C.ocgan_vk_cmd_dispatch(s.ctx.cmds, unsafe.Pointer(s.cmd), C.int(bind), handle64(unsafe.Pointer(k.pipeline)),
		handle64(unsafe.Pointer(k.layout)), handle64(unsafe.Pointer(set)), pushPtr, C.uint32_t(4*len(push)),
		C.uint32_t(groups[0]), C.uint32_t(groups[1]), C.uint32_t(groups[2]))
	if timed {
		C.ocgan_vk_cmd_timestamp(s.ctx.cmds, unsafe.Pointer(s.cmd), stageBottom, handle64(unsafe.Pointer(s.queries)), C.uint32_t(2*len(s.labels)+1))
		s.labels = append(s.labels, k.name)
	}
	p := &s.parts[s.used-1]
	if p.n == 0 {
		p.from = k.name
	}
	p.to = k.name
	p.n++
	s.stats.Dispatches++
	return nil
}

// hazard reports whether the dispatch must wait for earlier ones: it reads what they
// wrote (read-after-write) or writes what they read or wrote (write-after-read/-write).
func (s *Sequence) hazard(k *Kernel, bufs []*Buffer) bool {
	for i, b := range bufs {
		acc := k.bindings[i]
		for _, w := range s.writes {
			if b.overlaps(w) {
				return true
			}
		}
		if acc&Write != 0 {
			for _, r := range s.reads {
				if b.overlaps(r) {
					return true
				}
			}
		}
	}
	return false
}

// computeBarrier records a global compute-to-compute memory barrier.
func (s *Sequence) computeBarrier() {
	C.ocgan_vk_cmd_barrier(s.ctx.cmds, unsafe.Pointer(s.cmd), stageCompute, accessShaderWrite|accessShaderRead,
		stageCompute, accessShaderRead|accessShaderWrite)
}

func handle64(p unsafe.Pointer) C.uint64_t { return C.uint64_t(uintptr(p)) }

// End finishes recording with a barrier that makes the results visible to the host
// and to transfers. Run calls it when needed.
func (s *Sequence) End() error {
	if s.state != seqRecording {
		return nil
	}
	C.ocgan_vk_cmd_barrier(s.ctx.cmds, unsafe.Pointer(s.cmd), stageCompute, accessShaderWrite,
		stageHost|stageTransfer, accessHostRead|accessTransferRead)
	if err := check(vulkan.EndCommandBuffer(s.cmd), "vkEndCommandBuffer"); err != nil {
		return err
	}
	s.state = seqEnded
	return nil
}

// Run submits the recorded command buffer once and waits for it. With validation on,
// messages the layer reported are returned as a *ValidationError.
func (s *Sequence) Run() error {
	if s.state == seqFreed {
		return errors.New("run of a freed sequence")
	}
	if err := s.End(); err != nil {
		return err
	}
	c := s.ctx
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errClosed
	}
	for i := range s.parts[:s.used] {
		if err := c.submitAndWait(s.parts[i].cmd, s.fence, func() string { return s.describe(i) }); err != nil {
			c.mu.Unlock()
			return err
		}
	}
	c.mu.Unlock()
	s.stats.Runs++
	if s.timing && len(s.labels) > 0 {
		if err := s.readTimestamps(); err != nil {
			return err
		}
	}
	return c.CheckValidation()
}

// describe names submission i of the sequence for errors.
func (s *Sequence) describe(i int) string {
	w := "a sequence"
	if s.name != "" {
		w = fmt.Sprintf("sequence %q", s.name)
	}
	if s.used > 1 {
		w += fmt.Sprintf(" submission %d of %d", i+1, s.used)
	}
	p := s.parts[i]
	if p.n == 0 {
		return w + " (no dispatches)"
	}
	return w + fmt.Sprintf(" (dispatches %d-%d of %d: %s .. %s)", p.first+1, p.first+p.n, s.stats.Dispatches, p.from, p.to)
}

func (s *Sequence) readTimestamps() error {
	n := 2 * len(s.labels)
	if cap(s.ticks) < n {
		s.ticks = make([]uint64, n)
	}
	s.ticks = s.ticks[:n]
	r := vulkan.GetQueryPoolResults(s.ctx.device, s.queries, 0, uint32(n), uint(8*n), unsafe.Pointer(&s.ticks[0]), 8,
		vulkan.QueryResultFlags(vulkan.QueryResult64Bit|vulkan.QueryResultWaitBit))
	return check(r, "vkGetQueryPoolResults")
}

// Timings returns each timed dispatch's device time in the last run, in recording
// order; nil when timestamps are off or unsupported. Dispatches that the device
// overlaps (no barrier between them) may report overlapping intervals.
func (s *Sequence) Timings() []Timing {
	if !s.timing || len(s.ticks) < 2*len(s.labels) || s.stats.Runs == 0 {
		return nil
	}
	period := float64(s.ctx.info.TimestampPeriod)
	out := make([]Timing, len(s.labels))
	for i, name := range s.labels {
		d := s.ticks[2*i+1] - s.ticks[2*i]
		if s.ticks[2*i+1] < s.ticks[2*i] {
			d = 0
		}
		out[i] = Timing{Name: name, Duration: time.Duration(float64(d) * period)}
	}
	return out
}

// Timed reports whether this sequence records timestamps.
func (s *Sequence) Timed() bool { return s.timing }

// Stats returns the sequence's counters.
func (s *Sequence) Stats() SequenceStats { return s.stats }

// Free releases the command buffer, fence and query pool.
func (s *Sequence) Free() {
	if s.state == seqFreed {
		return
	}
	s.ctx.mu.Lock()
	defer s.ctx.mu.Unlock()
	s.freeLocked()
}

func (s *Sequence) freeLocked() {
	c := s.ctx
	if !c.closed && !c.quiet() {
		return // the device may still run it: Close frees it, or leaves it to the driver
	}
	if !c.closed {
		if s.state == seqRecording && s.cmd != nil {
			vulkan.EndCommandBuffer(s.cmd)
		}
		for _, p := range s.parts {
			vulkan.FreeCommandBuffers(c.device, c.pool, 1, []vulkan.CommandBuffer{p.cmd})
		}
		if s.fence != nil {
			vulkan.DestroyFence(c.device, s.fence, nil)
		}
		if s.queries != nil {
			vulkan.DestroyQueryPool(c.device, s.queries, nil)
		}
	}
	s.cmd, s.parts, s.fence, s.queries = nil, nil, nil, nil
	s.state = seqFreed
	delete(c.seqs, s)
}
