// The shim's recording part: device entry points resolved once, and the calls
// made per dispatch, barrier, copy and submission.
#include <stdlib.h>

#include "shim_vk.h"

ocgan_vk_cmds* ocgan_vk_cmds_new(void* gipa, void* instance, void* device) {
	PFN_vkGetDeviceProcAddr gd = (PFN_vkGetDeviceProcAddr)ocgan_vk_gipa(gipa)(instance, "vkGetDeviceProcAddr");
	if (!gd) return NULL;
	ocgan_vk_cmds* c = calloc(1, sizeof(*c));
	if (!c) return NULL;
	VkDevice d = device;
	c->bind_pipeline = (PFN_vkCmdBindPipeline)gd(d, "vkCmdBindPipeline");
	c->bind_sets = (PFN_vkCmdBindDescriptorSets)gd(d, "vkCmdBindDescriptorSets");
	c->push = (PFN_vkCmdPushConstants)gd(d, "vkCmdPushConstants");
	c->dispatch = (PFN_vkCmdDispatch)gd(d, "vkCmdDispatch");
	c->barrier = (PFN_vkCmdPipelineBarrier)gd(d, "vkCmdPipelineBarrier");
	c->timestamp = (PFN_vkCmdWriteTimestamp)gd(d, "vkCmdWriteTimestamp");
	c->submit = (PFN_vkQueueSubmit)gd(d, "vkQueueSubmit");
	c->wait = (PFN_vkWaitForFences)gd(d, "vkWaitForFences");
	c->reset = (PFN_vkResetFences)gd(d, "vkResetFences");
	c->copy = (PFN_vkCmdCopyBuffer)gd(d, "vkCmdCopyBuffer");
	c->create_module = (PFN_vkCreateShaderModule)gd(d, "vkCreateShaderModule");
	c->create_set_layout = (PFN_vkCreateDescriptorSetLayout)gd(d, "vkCreateDescriptorSetLayout");
	c->create_layout = (PFN_vkCreatePipelineLayout)gd(d, "vkCreatePipelineLayout");
	c->create_pool = (PFN_vkCreateDescriptorPool)gd(d, "vkCreateDescriptorPool");
	c->create_pipes = (PFN_vkCreateComputePipelines)gd(d, "vkCreateComputePipelines");
	c->alloc_sets = (PFN_vkAllocateDescriptorSets)gd(d, "vkAllocateDescriptorSets");
	c->update_sets = (PFN_vkUpdateDescriptorSets)gd(d, "vkUpdateDescriptorSets");
	if (!c->bind_pipeline || !c->bind_sets || !c->push || !c->dispatch || !c->barrier || !c->timestamp ||
	    !c->submit || !c->wait || !c->reset || !c->copy || !c->create_module || !c->create_set_layout ||
	    !c->create_layout || !c->create_pool || !c->create_pipes || !c->alloc_sets || !c->update_sets) {
		free(c);
		return NULL;
	}
	return c;
}

void ocgan_vk_cmds_free(ocgan_vk_cmds* c) { free(c); }

void ocgan_vk_cmd_dispatch(ocgan_vk_cmds* c, void* cmd, int bind, uint64_t pipeline, uint64_t layout,
                           uint64_t set, const void* push, uint32_t push_size, uint32_t x, uint32_t y,
                           uint32_t z) {
	VkCommandBuffer cb = cmd;
	VkPipelineLayout pl = OCGAN_VK_HANDLE(VkPipelineLayout, layout);
	if (bind & OCGAN_VK_BIND_PIPELINE)
		c->bind_pipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, OCGAN_VK_HANDLE(VkPipeline, pipeline));
	if (bind & OCGAN_VK_BIND_SET) {
		VkDescriptorSet s = OCGAN_VK_HANDLE(VkDescriptorSet, set);
		c->bind_sets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, pl, 0, 1, &s, 0, NULL);
	}
	if (push_size) c->push(cb, pl, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size, push);
	c->dispatch(cb, x, y, z);
}

void ocgan_vk_cmd_barrier(ocgan_vk_cmds* c, void* cmd, uint32_t src_stage, uint32_t src_access,
                          uint32_t dst_stage, uint32_t dst_access) {
	VkMemoryBarrier b = {
	    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
	    .srcAccessMask = src_access,
	    .dstAccessMask = dst_access,
	};
	c->barrier((VkCommandBuffer)cmd, src_stage, dst_stage, 0, 1, &b, 0, NULL, 0, NULL);
}

void ocgan_vk_cmd_timestamp(ocgan_vk_cmds* c, void* cmd, uint32_t stage, uint64_t pool, uint32_t query) {
	c->timestamp((VkCommandBuffer)cmd, (VkPipelineStageFlagBits)stage, OCGAN_VK_HANDLE(VkQueryPool, pool), query);
}

void ocgan_vk_submit_wait(ocgan_vk_cmds* c, void* queue, void* device, void* cmd, uint64_t fence,
                          uint64_t timeout_ns, ocgan_vk_status* st) {
	ocgan_vk_status_init(st);
	VkCommandBuffer cb = cmd;
	VkFence f = OCGAN_VK_HANDLE(VkFence, fence);
	VkSubmitInfo info = {
	    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
	    .commandBufferCount = 1,
	    .pCommandBuffers = &cb,
	};
	VkResult r = c->submit((VkQueue)queue, 1, &info, f);
	if (r != VK_SUCCESS) {
		ocgan_vk_fail(st, OCGAN_VK_STEP_SUBMIT, r);
		return;
	}
	r = c->wait((VkDevice)device, 1, &f, VK_TRUE, timeout_ns);
	if (r != VK_SUCCESS) {
		ocgan_vk_fail(st, OCGAN_VK_STEP_WAIT, r);
		return;
	}
	r = c->reset((VkDevice)device, 1, &f);
	if (r != VK_SUCCESS) ocgan_vk_fail(st, OCGAN_VK_STEP_RESET, r);
}

int32_t ocgan_vk_wait(ocgan_vk_cmds* c, void* device, uint64_t fence, uint64_t timeout_ns) {
	VkFence f = OCGAN_VK_HANDLE(VkFence, fence);
	return c->wait((VkDevice)device, 1, &f, VK_TRUE, timeout_ns);
}

void ocgan_vk_cmd_copy(ocgan_vk_cmds* c, void* cmd, uint64_t src, uint64_t dst, uint64_t src_off, uint64_t dst_off,
                       uint64_t size) {
	VkBufferCopy region = {.srcOffset = src_off, .dstOffset = dst_off, .size = size};
	c->copy((VkCommandBuffer)cmd, OCGAN_VK_HANDLE(VkBuffer, src), OCGAN_VK_HANDLE(VkBuffer, dst), 1, &region);
}
