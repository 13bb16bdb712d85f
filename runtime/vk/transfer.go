package vk

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/vulkan-go/vulkan"
)

// stagingSize is the host-visible bounce buffer for the staging path; larger
// transfers go through it in pieces.
const stagingSize = 16 << 20

// Pipeline stages and access masks used by barriers (VkPipelineStageFlagBits, VkAccessFlagBits).
const (
	stageTopOfPipe = 0x1
	stageCompute   = 0x800
	stageTransfer  = 0x1000
	stageHost      = 0x4000
	stageBottom    = 0x2000

	accessShaderRead    = 0x20
	accessShaderWrite   = 0x40
	accessTransferRead  = 0x800
	accessTransferWrite = 0x1000
	accessHostRead      = 0x2000
	accessHostWrite     = 0x4000
)

// transfer copies between host memory p and b at byte offset off through the
// staging block: upload when up is true, else download.
func (c *Context) transfer(b *Buffer, off uint64, p []byte, up bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errClosed
	}
	if c.broken != nil {
		return c.broken
	}
	if c.stage == nil {
		blk, _, err := c.staging.alloc(stagingSize)
		if err != nil {
			return err
		}
		c.stage = blk
		if c.xferCmd, err = c.newCommandBuffer(); err != nil {
			return err
		}
		if c.xferDone, err = c.newFence(); err != nil {
			return err
		}
	}
	stage := unsafe.Slice((*byte)(c.stage.mapped), stagingSize)
	for done := 0; done < len(p); {
		n := len(p) - done
		if n > stagingSize {
			n = stagingSize
		}
		if up {
			copy(stage, p[done:done+n])
		}
		devOff := b.off + off + uint64(done)
		r := copyRegion{src: c.stage.buf, dst: b.blk.buf, dstOff: devOff, size: uint64(n)}
		if !up {
			r = copyRegion{src: b.blk.buf, dst: c.stage.buf, srcOff: devOff, size: uint64(n)}
		}
		if err := c.recordCopy(r); err != nil {
			return err
		}
		if err := c.submitAndWait(c.xferCmd, c.xferDone, func() string {
			return fmt.Sprintf("a %s %s of a %s buffer", byteSize(uint64(n)), map[bool]string{true: "upload", false: "download"}[up], byteSize(b.size))
		}); err != nil {
			return err
		}
		if !up {
			copy(p[done:done+n], stage)
		}
		done += n
	}
	return nil
}

// copyRegion is one buffer-to-buffer copy.
type copyRegion struct {
	src, dst       vulkan.Buffer
	srcOff, dstOff uint64
	size           uint64
}

// recordCopy records one buffer copy fenced by barriers against compute work and
// host access on both sides.
func (c *Context) recordCopy(r copyRegion) error {
	cmd := c.xferCmd
	if err := check(vulkan.ResetCommandBuffer(cmd, 0), "vkResetCommandBuffer"); err != nil {
		return err
	}
	begin := vulkan.CommandBufferBeginInfo{
		SType: vulkan.StructureTypeCommandBufferBeginInfo,
		Flags: vulkan.CommandBufferUsageFlags(vulkan.CommandBufferUsageOneTimeSubmitBit),
	}
	res := vulkan.BeginCommandBuffer(cmd, &begin)
	begin.Free()
	if err := check(res, "vkBeginCommandBuffer"); err != nil {
		return err
	}
	cp := unsafe.Pointer(cmd)
	C.ocgan_vk_cmd_barrier(c.cmds, cp, stageCompute|stageHost|stageTransfer, accessShaderWrite|accessHostWrite|accessTransferWrite,
		stageTransfer, accessTransferRead|accessTransferWrite)
	C.ocgan_vk_cmd_copy(c.cmds, cp, handle64(unsafe.Pointer(r.src)), handle64(unsafe.Pointer(r.dst)),
		C.uint64_t(r.srcOff), C.uint64_t(r.dstOff), C.uint64_t(r.size))
	C.ocgan_vk_cmd_barrier(c.cmds, cp, stageTransfer, accessTransferWrite,
		stageHost|stageCompute, accessHostRead|accessShaderRead|accessShaderWrite)
	return check(vulkan.EndCommandBuffer(cmd), "vkEndCommandBuffer")
}
