package vk

import (
	"fmt"
	"sort"
	"unsafe"

	"github.com/vulkan-go/vulkan"
)

const (
	unifiedFlags = vulkan.MemoryPropertyFlags(vulkan.MemoryPropertyDeviceLocalBit | vulkan.MemoryPropertyHostVisibleBit | vulkan.MemoryPropertyHostCoherentBit)
	deviceFlags  = vulkan.MemoryPropertyFlags(vulkan.MemoryPropertyDeviceLocalBit)
	stagingFlags = vulkan.MemoryPropertyFlags(vulkan.MemoryPropertyHostVisibleBit | vulkan.MemoryPropertyHostCoherentBit)

	// defaultBlockSize is the size of one vkAllocateMemory; tensors are sub-allocated from blocks.
	defaultBlockSize = 64 << 20
	// minBufferAlign keeps every sub-allocation aligned for vec4 loads and descriptor offsets.
	minBufferAlign = 256

	bufferUsage = vulkan.BufferUsageFlags(vulkan.BufferUsageStorageBufferBit | vulkan.BufferUsageTransferSrcBit | vulkan.BufferUsageTransferDstBit)
)

// findMemoryType returns the first memory type allowed by typeBits with all of flags.
func (pd *physicalDevice) findMemoryType(typeBits uint32, flags vulkan.MemoryPropertyFlags) (uint32, bool) {
	for i := uint32(0); i < pd.memory.MemoryTypeCount; i++ {
		if typeBits&(1<<i) != 0 && pd.memory.MemoryTypes[i].PropertyFlags&flags == flags {
			return i, true
		}
	}
	return 0, false
}

// span is a free byte range inside a block.
type span struct{ off, size uint64 }

// block is one VkDeviceMemory with one VkBuffer over all of it.
type block struct {
	id    int
	owner *arena // the arena it belongs to
	heap  uint32 // its memory heap
	bytes uint64 // the memory allocated for it (counted in the heap's use)
	// dedicated blocks were made for one buffer larger than the arena's
	// block size; they are released when that buffer is freed.
	dedicated bool
	mem       vulkan.DeviceMemory
	buf       vulkan.Buffer
	size      uint64
	mapped    unsafe.Pointer // nil unless host-visible
	free      []span         // sorted by offset, coalesced
}

// arena sub-allocates buffers from large blocks of one memory type.
type arena struct {
	ctx       *Context
	name      string
	flags     vulkan.MemoryPropertyFlags
	mapped    bool
	blockSize uint64
	blocks    []*block
	nextID    int
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) / a * a }

// alloc finds room for size bytes, adding a block when none has it.
func (a *arena) alloc(size uint64) (*block, uint64, error) {
	align := a.ctx.align
	size = alignUp(size, align)
	for _, b := range a.blocks {
		if off, ok := b.take(size, align); ok {
			return b, off, nil
		}
	}
	bs := uint64(a.blockSize)
	if size > bs {
		bs = size
	}
	b, err := a.newBlock(bs, size)
	if err != nil {
		return nil, 0, err
	}
	off, _ := b.take(size, align)
	return b, off, nil
}

func (b *block) take(size, align uint64) (uint64, bool) {
	for i, s := range b.free {
		off := alignUp(s.off, align)
		if off+size > s.off+s.size {
			continue
		}
		// Split s into [s.off, off) and [off+size, end).
		end := s.off + s.size
		var repl []span
		if off > s.off {
			repl = append(repl, span{s.off, off - s.off})
		}
		if off+size < end {
			repl = append(repl, span{off + size, end - off - size})
		}
		b.free = append(b.free[:i], append(repl, b.free[i+1:]...)...)
		return off, true
	}
	return 0, false
}

func (b *block) give(off, size uint64) {
	b.free = append(b.free, span{off, size})
	sort.Slice(b.free, func(i, j int) bool { return b.free[i].off < b.free[j].off })
	merged := b.free[:1]
	for _, s := range b.free[1:] {
		last := &merged[len(merged)-1]
		if last.off+last.size == s.off {
			last.size += s.size
		} else {
			merged = append(merged, s)
		}
	}
	b.free = merged
}

// newBlock allocates device memory of size bytes; asked is what the caller needed.
func (a *arena) newBlock(size, asked uint64) (*block, error) {
	c := a.ctx
	// Refuse early, with sizes, what the heap or the driver's allocation limit cannot hold.
	if ti, ok := c.phys.findMemoryType(^uint32(0), a.flags); ok {
		heap := c.phys.memory.MemoryTypes[ti].HeapIndex
		if hs := c.info.Heaps[heap].Size; c.heapUsed[heap]+asked > hs {
			return nil, &OutOfMemoryError{Asked: asked, Block: size, Heap: int(heap), HeapSize: hs, InUse: c.heapUsed[heap]}
		}
		if max := c.info.Compute.MaxMemoryAllocation; max > 0 && size > max {
			if asked > max {
				return nil, &OutOfMemoryError{Asked: asked, Block: size, Heap: int(heap), HeapSize: c.info.Heaps[heap].Size,
					InUse: c.heapUsed[heap], Reason: fmt.Sprintf("over the device's maxMemoryAllocationSize of %s", byteSize(max))}
			}
			size = max
		}
	}
	info := vulkan.BufferCreateInfo{
		SType:       vulkan.StructureTypeBufferCreateInfo,
		Size:        vulkan.DeviceSize(size),
		Usage:       bufferUsage,
		SharingMode: vulkan.SharingModeExclusive,
	}
	var buf vulkan.Buffer
	if err := check(vulkan.CreateBuffer(c.device, &info, nil, &buf), "vkCreateBuffer"); err != nil {
		info.Free()
		return nil, fmt.Errorf("creating a %s buffer block: %w", byteSize(size), err)
	}
	info.Free()
	var req vulkan.MemoryRequirements
	vulkan.GetBufferMemoryRequirements(c.device, buf, &req)
	req.Deref()
	ti, ok := c.phys.findMemoryType(req.MemoryTypeBits, a.flags)
	if !ok {
		vulkan.DestroyBuffer(c.device, buf, nil)
		return nil, fmt.Errorf("device %s has no memory type with flags %#x for %s buffers", c.info.Name, uint32(a.flags), a.name)
	}
	heap := c.phys.memory.MemoryTypes[ti].HeapIndex
	heapSize := c.info.Heaps[heap].Size
	need := uint64(req.Size)
	if c.heapUsed[heap]+need > heapSize {
		vulkan.DestroyBuffer(c.device, buf, nil)
		return nil, &OutOfMemoryError{Asked: asked, Block: need, Heap: int(heap), HeapSize: heapSize, InUse: c.heapUsed[heap]}
	}
	ai := vulkan.MemoryAllocateInfo{
		SType:           vulkan.StructureTypeMemoryAllocateInfo,
		AllocationSize:  req.Size,
		MemoryTypeIndex: ti,
	}
	var mem vulkan.DeviceMemory
	r := vulkan.AllocateMemory(c.device, &ai, nil, &mem)
	ai.Free()
	if r != vulkan.Success {
		vulkan.DestroyBuffer(c.device, buf, nil)
		if r == vulkan.ErrorOutOfDeviceMemory || r == vulkan.ErrorOutOfHostMemory {
			return nil, &OutOfMemoryError{Asked: asked, Block: need, Heap: int(heap), HeapSize: heapSize, InUse: c.heapUsed[heap], Driver: true}
		}
		return nil, fmt.Errorf("allocating %s of device memory: %w", byteSize(need), check(r, "vkAllocateMemory"))
	}
	if err := check(vulkan.BindBufferMemory(c.device, buf, mem, 0), "vkBindBufferMemory"); err != nil {
		vulkan.FreeMemory(c.device, mem, nil)
		vulkan.DestroyBuffer(c.device, buf, nil)
		return nil, err
	}
	b := &block{id: a.nextID, owner: a, heap: heap, bytes: need, dedicated: size > a.blockSize,
		mem: mem, buf: buf, size: size, free: []span{{0, size}}}
	a.nextID++
	if a.mapped {
		var p unsafe.Pointer
		if err := check(vulkan.MapMemory(c.device, mem, 0, vulkan.DeviceSize(vulkan.WholeSize), 0, &p), "vkMapMemory"); err != nil {
			vulkan.FreeMemory(c.device, mem, nil)
			vulkan.DestroyBuffer(c.device, buf, nil)
			return nil, err
		}
		b.mapped = p
	}
	c.heapUsed[heap] += need
	c.stats.Blocks++
	c.stats.BlockBytes += need
	a.blocks = append(a.blocks, b)
	return b, nil
}

func (a *arena) destroy() {
	for _, b := range a.blocks {
		a.freeBlock(b)
	}
	a.blocks = nil
}

// freeBlock unmaps b and frees its buffer and memory.
func (a *arena) freeBlock(b *block) {
	if b.mapped != nil {
		vulkan.UnmapMemory(a.ctx.device, b.mem)
	}
	vulkan.DestroyBuffer(a.ctx.device, b.buf, nil)
	vulkan.FreeMemory(a.ctx.device, b.mem, nil)
}

// release returns a block to the device: its memory leaves the heap's use.
func (a *arena) release(b *block) {
	for i, x := range a.blocks {
		if x == b {
			a.blocks = append(a.blocks[:i], a.blocks[i+1:]...)
			break
		}
	}
	a.freeBlock(b)
	c := a.ctx
	c.heapUsed[b.heap] -= b.bytes
	c.stats.Blocks--
	c.stats.BlockBytes -= b.bytes
}

// empty reports whether no buffer holds memory of b.
func (b *block) empty() bool {
	return len(b.free) == 1 && b.free[0] == span{0, b.size}
}

// OutOfMemoryError is a buffer request the device heap cannot hold.
type OutOfMemoryError struct {
	Asked    uint64 // bytes the caller asked for
	Block    uint64 // bytes of the allocation that failed
	Heap     int
	HeapSize uint64
	InUse    uint64 // bytes this context already holds in the heap
	Driver   bool   // the driver refused, not the heap-size check
	Reason   string // a limit other than the heap size, when that was the cause
}

func (e *OutOfMemoryError) Error() string {
	who := "heap too small"
	switch {
	case e.Reason != "":
		who = e.Reason
	case e.Driver:
		who = "driver refused the allocation"
	}
	return fmt.Sprintf("out of device memory: asked for %s (allocation of %s), heap %d has %s, %s already in use by ocgan (%s)",
		byteSize(e.Asked), byteSize(e.Block), e.Heap, byteSize(e.HeapSize), byteSize(e.InUse), who)
}

// byteSize formats n bytes for people, keeping the exact count.
func byteSize(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s (%d bytes)", v, units[u], n)
}

// Buffer is a range of device memory holding one tensor.
type Buffer struct {
	ctx    *Context
	blk    *block
	off    uint64
	size   uint64  // bytes asked for
	alloc  uint64  // bytes reserved (aligned); a view's own size
	parent *Buffer // the buffer a view looks into; nil for an allocation
}

// NewBuffer reserves size bytes of device memory (contents undefined).
func (c *Context) NewBuffer(size int) (*Buffer, error) {
	if size <= 0 {
		return nil, fmt.Errorf("buffer size must be positive, got %d", size)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	blk, off, err := c.storage.alloc(uint64(size))
	if err != nil {
		return nil, err
	}
	c.stats.Buffers++
	return &Buffer{ctx: c, blk: blk, off: off, size: uint64(size), alloc: alignUp(uint64(size), c.align)}, nil
}

// NewBufferFloat32 reserves n float32s and uploads data when it is non-nil (len(data) == n).
func (c *Context) NewBufferFloat32(n int, data []float32) (*Buffer, error) {
	b, err := c.NewBuffer(4 * n)
	if err != nil {
		return nil, err
	}
	if data != nil {
		if err := b.WriteFloat32(0, data); err != nil {
			b.Free()
			return nil, err
		}
	}
	return b, nil
}

// Size is the buffer's size in bytes.
func (b *Buffer) Size() int { return int(b.size) }

// Len is the buffer's size in float32s.
func (b *Buffer) Len() int { return int(b.size / 4) }

// Free returns the buffer's memory to its block, and a block made for this buffer
// alone (larger than the block size) to the device. The buffer must not be in use by
// a sequence that will run again.
func (b *Buffer) Free() {
	if b == nil || b.blk == nil {
		return
	}
	if b.parent != nil { // a view owns no memory
		b.blk = nil
		return
	}
	b.ctx.mu.Lock()
	if !b.ctx.closed {
		b.blk.give(b.off, b.alloc)
		b.ctx.stats.Buffers--
		if b.blk.dedicated && b.blk.empty() && b.ctx.quiet() {
			b.blk.owner.release(b.blk)
		}
	}
	b.ctx.mu.Unlock()
	b.blk = nil
}

// Write copies p into the buffer at byte offset off.
func (b *Buffer) Write(off int, p []byte) error { return b.access(off, p, true) }

// Read copies len(p) bytes from byte offset off into p.
func (b *Buffer) Read(off int, p []byte) error { return b.access(off, p, false) }

// access copies between p and the buffer's bytes from offset off: into the
// buffer when write, out of it otherwise.
func (b *Buffer) access(off int, p []byte, write bool) error {
	what := "read"
	if write {
		what = "write"
	}
	if err := b.checkRange(what, off, len(p)); err != nil {
		return err
	}
	if len(p) == 0 {
		return nil
	}
	if b.blk.mapped != nil {
		mem := unsafe.Slice((*byte)(unsafe.Add(b.blk.mapped, int(b.off)+off)), len(p))
		if write {
			copy(mem, p)
		} else {
			copy(p, mem)
		}
		return nil
	}
	return b.ctx.transfer(b, uint64(off), p, write)
}

// WriteFloat32 copies data into the buffer starting at float index i.
func (b *Buffer) WriteFloat32(i int, data []float32) error {
	return b.Write(4*i, float32Bytes(data))
}

// ReadFloat32 fills dst from the buffer starting at float index i.
func (b *Buffer) ReadFloat32(i int, dst []float32) error {
	return b.Read(4*i, float32Bytes(dst))
}

// Float32s returns the whole buffer as a new slice.
func (b *Buffer) Float32s() ([]float32, error) {
	out := make([]float32, b.Len())
	return out, b.ReadFloat32(0, out)
}

func float32Bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 4*len(f))
}

// live reports whether the buffer's memory is still reserved (for a view: its parent's).
func (b *Buffer) live() bool {
	return b.blk != nil && (b.parent == nil || b.parent.blk != nil)
}

// View returns a buffer over n float32s of b starting at float index i. It shares b's
// memory: writes through either are seen by both, and sequences order dispatches on
// overlapping views like any other overlapping buffers. It owns nothing (Free only
// detaches it) and is unusable once b is freed. 4·i must be a multiple of
// Context.BufferAlign, the device's storage-buffer offset alignment.
func (b *Buffer) View(i, n int) (*Buffer, error) {
	if !b.live() {
		return nil, fmt.Errorf("view of a freed buffer")
	}
	if i < 0 || n <= 0 || uint64(4*(i+n)) > b.size {
		return nil, fmt.Errorf("view of floats [%d, %d) is outside the %d-float buffer", i, i+n, b.Len())
	}
	off := b.off + uint64(4*i)
	if off%b.ctx.align != 0 {
		return nil, fmt.Errorf("view at float %d: byte offset %d is not a multiple of the device's %d-byte storage-buffer alignment",
			i, 4*i, b.ctx.align)
	}
	root := b
	if b.parent != nil {
		root = b.parent
	}
	return &Buffer{ctx: b.ctx, blk: b.blk, off: off, size: uint64(4 * n), alloc: uint64(4 * n), parent: root}, nil
}

// BufferAlign is the byte alignment of buffer offsets, allocations and views.
func (c *Context) BufferAlign() int { return int(c.align) }

func (b *Buffer) checkRange(op string, off, n int) error {
	if !b.live() {
		return fmt.Errorf("%s of a freed buffer", op)
	}
	if off < 0 || n < 0 || uint64(off)+uint64(n) > b.size {
		return fmt.Errorf("%s of %d bytes at offset %d is outside the %d-byte buffer", op, n, off, b.size)
	}
	return nil
}

// overlaps reports whether two buffers share any byte of memory.
func (b *Buffer) overlaps(o *Buffer) bool {
	return b.blk == o.blk && b.off < o.off+o.alloc && o.off < b.off+b.alloc
}
