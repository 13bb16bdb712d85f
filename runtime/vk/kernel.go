package vk

/*
#include <stdlib.h>
#include <string.h>
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Access says how a shader uses a storage buffer binding; it decides barriers.
type Access uint8

// Buffer access kinds.
const (
	Read      Access = 1
	Write     Access = 2
	ReadWrite Access = Read | Write
)

// KernelSpec describes one compute shader and its interface.
type KernelSpec struct {
	Name  string
	SPIRV []byte // a SPIR-V module with a "main" compute entry point
	// Bindings lists the storage buffers at set 0, binding i, with how the shader uses each.
	Bindings []Access
	// PushWords is the size of the push-constant block in 32-bit words.
	PushWords int
	// Spec gives specialization constants: constant_id i takes Spec[i] (32-bit values).
	Spec []uint32
}

// Kernel is a compute pipeline ready to dispatch.
type Kernel struct {
	ctx       *Context
	name      string
	bindings  []Access
	pushWords int
	module    vk.ShaderModule
	setLayout vk.DescriptorSetLayout
	layout    vk.PipelineLayout
	pipeline  vk.Pipeline
	sets      map[setKey]vk.DescriptorSet
}

// setKey identifies a descriptor set by the buffer ranges it binds.
type setKey struct {
	n      int
	ranges [maxBindings]bufRange
}

type bufRange struct {
	blk       *block
	off, size uint64
}

// maxBindings bounds storage buffers per kernel (Vulkan guarantees at least 4 per stage;
// every device ocgan targets has more).
const maxBindings = 12

// Name is the kernel's name, used in timings and errors.
func (k *Kernel) Name() string { return k.name }

// decodeSPIRV checks the SPIR-V header and converts bytes to words.
func decodeSPIRV(name string, code []byte) ([]uint32, error) {
	if len(code) < 20 || len(code)%4 != 0 {
		return nil, fmt.Errorf("kernel %s: SPIR-V is %d bytes; want a non-empty multiple of 4", name, len(code))
	}
	words := make([]uint32, len(code)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(code[4*i:])
	}
	if words[0] != 0x07230203 {
		return nil, fmt.Errorf("kernel %s: not SPIR-V (magic %#08x)", name, words[0])
	}
	return words, nil
}

// NewKernel builds the pipeline for spec, through the pipeline cache.
func (c *Context) NewKernel(spec KernelSpec) (*Kernel, error) {
	if len(spec.Bindings) == 0 || len(spec.Bindings) > maxBindings {
		return nil, fmt.Errorf("kernel %s: %d bindings; want 1..%d", spec.Name, len(spec.Bindings), maxBindings)
	}
	if max := int(c.info.Compute.MaxPushConstants); 4*spec.PushWords > max {
		return nil, fmt.Errorf("kernel %s: %d bytes of push constants exceed the device's %d", spec.Name, 4*spec.PushWords, max)
	}
	words, err := decodeSPIRV(spec.Name, spec.SPIRV)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	k := &Kernel{ctx: c, name: spec.Name, bindings: append([]Access(nil), spec.Bindings...), pushWords: spec.PushWords,
		sets: map[setKey]vk.DescriptorSet{}}
	if err := k.build(words, spec.Spec); err != nil {
		k.destroy()
		return nil, fmt.Errorf("kernel %s: %w", spec.Name, err)
	}
	c.kernels = append(c.kernels, k)
	c.stats.Pipelines++
	return k, nil
}

func (k *Kernel) build(words []uint32, spec []uint32) error {
	c := k.ctx
	minfo := vk.ShaderModuleCreateInfo{
		SType:    vk.StructureTypeShaderModuleCreateInfo,
		CodeSize: uint(4 * len(words)),
		PCode:    words,
	}
	var module vk.ShaderModule
	r := vk.CreateShaderModule(c.device, &minfo, nil, &module)
	minfo.Free()
	if err := check(r, "vkCreateShaderModule"); err != nil {
		return err
	}
	k.module = module

	binds := make([]vk.DescriptorSetLayoutBinding, len(k.bindings))
	for i := range binds {
		binds[i] = vk.DescriptorSetLayoutBinding{
			Binding:         uint32(i),
			DescriptorType:  vk.DescriptorTypeStorageBuffer,
			DescriptorCount: 1,
			StageFlags:      vk.ShaderStageFlags(vk.ShaderStageComputeBit),
		}
	}
	linfo := vk.DescriptorSetLayoutCreateInfo{
		SType:        vk.StructureTypeDescriptorSetLayoutCreateInfo,
		BindingCount: uint32(len(binds)),
		PBindings:    binds,
	}
	var setLayout vk.DescriptorSetLayout
	r = vk.CreateDescriptorSetLayout(c.device, &linfo, nil, &setLayout)
	linfo.Free()
	if err := check(r, "vkCreateDescriptorSetLayout"); err != nil {
		return err
	}
	k.setLayout = setLayout

	pinfo := vk.PipelineLayoutCreateInfo{
		SType:          vk.StructureTypePipelineLayoutCreateInfo,
		SetLayoutCount: 1,
		PSetLayouts:    []vk.DescriptorSetLayout{setLayout},
	}
	if k.pushWords > 0 {
		pinfo.PushConstantRangeCount = 1
		pinfo.PPushConstantRanges = []vk.PushConstantRange{{
			StageFlags: vk.ShaderStageFlags(vk.ShaderStageComputeBit), Size: uint32(4 * k.pushWords),
		}}
	}
	var layout vk.PipelineLayout
	r = vk.CreatePipelineLayout(c.device, &pinfo, nil, &layout)
	pinfo.Free()
	if err := check(r, "vkCreatePipelineLayout"); err != nil {
		return err
	}
	k.layout = layout

	stage := vk.PipelineShaderStageCreateInfo{
		SType:  vk.StructureTypePipelineShaderStageCreateInfo,
		Stage:  vk.ShaderStageComputeBit,
		Module: module,
		PName:  "main\x00",
	}
	// Specialization data lives in C memory: the binding stores PData in a C struct.
	var specData unsafe.Pointer
	if len(spec) > 0 {
		specData = C.malloc(C.size_t(4 * len(spec)))
		defer C.free(specData)
		C.memcpy(specData, unsafe.Pointer(&spec[0]), C.size_t(4*len(spec)))
		entries := make([]vk.SpecializationMapEntry, len(spec))
		for i := range entries {
			entries[i] = vk.SpecializationMapEntry{ConstantID: uint32(i), Offset: uint32(4 * i), Size: 4}
		}
		stage.PSpecializationInfo = []vk.SpecializationInfo{{
			MapEntryCount: uint32(len(spec)),
			PMapEntries:   entries,
			DataSize:      uint(4 * len(spec)),
			PData:         specData,
		}}
	}
	cinfo := []vk.ComputePipelineCreateInfo{{
		SType:  vk.StructureTypeComputePipelineCreateInfo,
		Stage:  stage,
		Layout: layout,
	}}
	pipes := make([]vk.Pipeline, 1)
	r = vk.CreateComputePipelines(c.device, c.cache.handle(), 1, cinfo, nil, pipes)
	if err := check(r, "vkCreateComputePipelines"); err != nil {
		return err
	}
	k.pipeline = pipes[0]
	return nil
}

func (k *Kernel) destroy() {
	d := k.ctx.device
	if k.pipeline != nil {
		vk.DestroyPipeline(d, k.pipeline, nil)
	}
	if k.layout != nil {
		vk.DestroyPipelineLayout(d, k.layout, nil)
	}
	if k.setLayout != nil {
		vk.DestroyDescriptorSetLayout(d, k.setLayout, nil)
	}
	if k.module != nil {
		vk.DestroyShaderModule(d, k.module, nil)
	}
	k.pipeline, k.layout, k.setLayout, k.module = nil, nil, nil, nil
}

// descriptorSet returns a set binding bufs, writing a new one on first use.
func (k *Kernel) descriptorSet(bufs []*Buffer) (vk.DescriptorSet, error) {
	key := setKey{n: len(bufs)}
	for i, b := range bufs {
		key.ranges[i] = bufRange{b.blk, b.off, b.size}
	}
	c := k.ctx
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := k.sets[key]; ok {
		return s, nil
	}
	set, err := c.allocateSet(k.setLayout)
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", k.name, err)
	}
	infos := make([]vk.DescriptorBufferInfo, len(bufs))
	writes := make([]vk.WriteDescriptorSet, len(bufs))
	for i, b := range bufs {
		infos[i] = vk.DescriptorBufferInfo{Buffer: b.blk.buf, Offset: vk.DeviceSize(b.off), Range: vk.DeviceSize(b.size)}
		writes[i] = vk.WriteDescriptorSet{
			SType:           vk.StructureTypeWriteDescriptorSet,
			DstSet:          set,
			DstBinding:      uint32(i),
			DescriptorCount: 1,
			DescriptorType:  vk.DescriptorTypeStorageBuffer,
			PBufferInfo:     infos[i : i+1],
		}
	}
	vk.UpdateDescriptorSets(c.device, uint32(len(writes)), writes, 0, nil)
	k.sets[key] = set
	return set, nil
}

// setsPerPool is how many descriptor sets one pool holds; pools are added as needed.
const setsPerPool = 512

// allocateSet takes a descriptor set from the newest pool, adding a pool when it is full.
// Callers hold c.mu.
func (c *Context) allocateSet(layout vk.DescriptorSetLayout) (vk.DescriptorSet, error) {
	for attempt := 0; attempt < 2; attempt++ {
		if n := len(c.descPools); n > 0 {
			info := vk.DescriptorSetAllocateInfo{
				SType:              vk.StructureTypeDescriptorSetAllocateInfo,
				DescriptorPool:     c.descPools[n-1],
				DescriptorSetCount: 1,
				PSetLayouts:        []vk.DescriptorSetLayout{layout},
			}
			var set vk.DescriptorSet
			r := vk.AllocateDescriptorSets(c.device, &info, &set)
			info.Free()
			if r == vk.Success {
				return set, nil
			}
			if r != vk.ErrorOutOfPoolMemory && r != vk.ErrorFragmentedPool {
				return nil, check(r, "vkAllocateDescriptorSets")
			}
		}
		pinfo := vk.DescriptorPoolCreateInfo{
			SType:         vk.StructureTypeDescriptorPoolCreateInfo,
			MaxSets:       setsPerPool,
			PoolSizeCount: 1,
			PPoolSizes: []vk.DescriptorPoolSize{{
				Type: vk.DescriptorTypeStorageBuffer, DescriptorCount: setsPerPool * maxBindings,
			}},
		}
		var pool vk.DescriptorPool
		r := vk.CreateDescriptorPool(c.device, &pinfo, nil, &pool)
		pinfo.Free()
		if err := check(r, "vkCreateDescriptorPool"); err != nil {
			return nil, err
		}
		c.descPools = append(c.descPools, pool)
	}
	return nil, fmt.Errorf("allocating a descriptor set failed even from a new pool")
}
