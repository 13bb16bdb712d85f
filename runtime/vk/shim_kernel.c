// The shim's pipeline part: compute kernels (shader module, layouts, pipeline)
// and their descriptor pools and sets.
#include "shim_vk.h"

// create_layouts creates the set layout of nbind storage buffers and the pipeline
// layout with push_bytes of push constants into h[1] and h[2].
static void create_layouts(ocgan_vk_cmds* c, VkDevice device, uint32_t nbind, uint32_t push_bytes, uint64_t* h,
                           ocgan_vk_status* st) {
	VkDescriptorSetLayoutBinding b[OCGAN_VK_MAX_BINDINGS];
	for (uint32_t i = 0; i < nbind; i++) {
		VkDescriptorSetLayoutBinding x = {
		    .binding = i,
		    .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
		    .descriptorCount = 1,
		    .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
		};
		b[i] = x;
	}
	VkDescriptorSetLayoutCreateInfo li = {
	    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
	    .bindingCount = nbind,
	    .pBindings = b,
	};
	VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
	VkResult r = c->create_set_layout(device, &li, NULL, &set_layout);
	h[1] = OCGAN_VK_U64(set_layout);
	if (r != VK_SUCCESS) {
		ocgan_vk_fail(st, OCGAN_VK_STEP_SET_LAYOUT, r);
		return;
	}
	VkPushConstantRange pr = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0, .size = push_bytes};
	VkPipelineLayoutCreateInfo pi = {
	    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
	    .setLayoutCount = 1,
	    .pSetLayouts = &set_layout,
	    .pushConstantRangeCount = push_bytes ? 1u : 0u,
	    .pPushConstantRanges = push_bytes ? &pr : NULL,
	};
	VkPipelineLayout layout = VK_NULL_HANDLE;
	r = c->create_layout(device, &pi, NULL, &layout);
	h[2] = OCGAN_VK_U64(layout);
	if (r != VK_SUCCESS) ocgan_vk_fail(st, OCGAN_VK_STEP_PIPELINE_LAYOUT, r);
}

// create_pipeline creates the compute pipeline of module h[0] and layout h[2]
// into h[3].
static void create_pipeline(ocgan_vk_cmds* c, VkDevice device, VkPipelineCache cache, const uint32_t* spec,
                            uint32_t nspec, uint32_t stage_flags, uint64_t* h, ocgan_vk_status* st) {
	VkSpecializationMapEntry entries[OCGAN_VK_MAX_SPEC_CONSTANTS];
	for (uint32_t i = 0; i < nspec; i++) {
		VkSpecializationMapEntry e = {.constantID = i, .offset = i * sizeof(uint32_t), .size = sizeof(uint32_t)};
		entries[i] = e;
	}
	VkSpecializationInfo si = {
	    .mapEntryCount = nspec,
	    .pMapEntries = entries,
	    .dataSize = nspec * sizeof(uint32_t),
	    .pData = spec,
	};
	VkComputePipelineCreateInfo pi = {
	    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
	    .stage =
	        {
	            .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
	            .flags = stage_flags,
	            .stage = VK_SHADER_STAGE_COMPUTE_BIT,
	            .module = OCGAN_VK_HANDLE(VkShaderModule, h[0]),
	            .pName = "main",
	            .pSpecializationInfo = nspec ? &si : NULL,
	        },
	    .layout = OCGAN_VK_HANDLE(VkPipelineLayout, h[2]),
	    .basePipelineHandle = VK_NULL_HANDLE,
	    .basePipelineIndex = -1,
	};
	VkPipeline pipeline = VK_NULL_HANDLE;
	VkResult r = c->create_pipes(device, cache, 1, &pi, NULL, &pipeline);
	h[3] = OCGAN_VK_U64(pipeline);
	if (r != VK_SUCCESS) ocgan_vk_fail(st, OCGAN_VK_STEP_PIPELINE, r);
}

void ocgan_vk_create_kernel(ocgan_vk_cmds* c, void* device, uint64_t cache, const uint32_t* code,
                            size_t code_bytes, uint32_t nbind, uint32_t push_bytes, const uint32_t* spec,
                            uint32_t nspec, uint32_t stage_flags, void** out, ocgan_vk_status* st) {
	ocgan_vk_status_init(st);
	uint64_t h[4] = {0, 0, 0, 0};  // module, set layout, pipeline layout, pipeline
	VkDevice d = device;
	if (!ocgan_vk_too_many(st, OCGAN_VK_COUNTED_BINDINGS, nbind, OCGAN_VK_MAX_BINDINGS) &&
	    !ocgan_vk_too_many(st, OCGAN_VK_COUNTED_SPEC_CONSTANTS, nspec, OCGAN_VK_MAX_SPEC_CONSTANTS)) {
		VkShaderModuleCreateInfo mi = {
		    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
		    .codeSize = code_bytes,
		    .pCode = code,
		};
		VkShaderModule module = VK_NULL_HANDLE;
		VkResult r = c->create_module(d, &mi, NULL, &module);
		h[0] = OCGAN_VK_U64(module);
		if (r != VK_SUCCESS) ocgan_vk_fail(st, OCGAN_VK_STEP_SHADER_MODULE, r);
	}
	if (st->step == OCGAN_VK_STEP_NONE) create_layouts(c, d, nbind, push_bytes, h, st);
	if (st->step == OCGAN_VK_STEP_NONE)
		create_pipeline(c, d, OCGAN_VK_HANDLE(VkPipelineCache, cache), spec, nspec, stage_flags, h, st);
	for (int i = 0; i < 4; i++) out[i] = (void*)(uintptr_t)h[i];
}

int32_t ocgan_vk_create_pool(ocgan_vk_cmds* c, void* device, uint32_t max_sets, uint32_t descriptors, void** out) {
	VkDescriptorPoolSize ps = {.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, .descriptorCount = descriptors};
	VkDescriptorPoolCreateInfo pi = {
	    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
	    .maxSets = max_sets,
	    .poolSizeCount = 1,
	    .pPoolSizes = &ps,
	};
	VkDescriptorPool pool = VK_NULL_HANDLE;
	VkResult r = c->create_pool((VkDevice)device, &pi, NULL, &pool);
	*out = pool;
	return r;
}

int32_t ocgan_vk_alloc_set(ocgan_vk_cmds* c, void* device, uint64_t pool, uint64_t layout, void** out) {
	VkDescriptorSetLayout l = OCGAN_VK_HANDLE(VkDescriptorSetLayout, layout);
	VkDescriptorSetAllocateInfo ai = {
	    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
	    .descriptorPool = OCGAN_VK_HANDLE(VkDescriptorPool, pool),
	    .descriptorSetCount = 1,
	    .pSetLayouts = &l,
	};
	VkDescriptorSet set = VK_NULL_HANDLE;
	VkResult r = c->alloc_sets((VkDevice)device, &ai, &set);
	*out = set;
	return r;
}

void ocgan_vk_write_set(ocgan_vk_cmds* c, void* device, uint64_t set, uint32_t n, const uint64_t* bufs,
                        const uint64_t* offsets, const uint64_t* ranges, ocgan_vk_status* st) {
	ocgan_vk_status_init(st);
	if (ocgan_vk_too_many(st, OCGAN_VK_COUNTED_BINDINGS, n, OCGAN_VK_MAX_BINDINGS)) return;
	VkDescriptorBufferInfo bi[OCGAN_VK_MAX_BINDINGS];
	VkWriteDescriptorSet w[OCGAN_VK_MAX_BINDINGS];
	for (uint32_t i = 0; i < n; i++) {
		VkDescriptorBufferInfo b = {
		    .buffer = OCGAN_VK_HANDLE(VkBuffer, bufs[i]),
		    .offset = offsets[i],
		    .range = ranges[i],
		};
		bi[i] = b;
		VkWriteDescriptorSet x = {
		    .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
		    .dstSet = OCGAN_VK_HANDLE(VkDescriptorSet, set),
		    .dstBinding = i,
		    .descriptorCount = 1,
		    .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
		    .pBufferInfo = &bi[i],
		};
		w[i] = x;
	}
	c->update_sets((VkDevice)device, n, w, 0, NULL);
}
