// Package vk's C shim: the few Vulkan entry points that github.com/vulkan-go/vulkan
// (a Vulkan 1.1.88 surface) lacks or wraps too expensively for hot recording.
// Handles are passed as void* / uint64_t so this file needs no Vulkan headers.
#ifndef OCGAN_VK_SHIM_H
#define OCGAN_VK_SHIM_H

#include <stddef.h>
#include <stdint.h>

// ocgan_vk_load opens a Vulkan loader library and returns its vkGetInstanceProcAddr,
// or NULL with a message from dlerror() copied into err.
void* ocgan_vk_load(const char* so, char* err, size_t errlen);

// ocgan_vk_instance_version returns the loader's instance API version (VK_MAKE_VERSION
// encoding), 1.0 when vkEnumerateInstanceVersion is absent.
uint32_t ocgan_vk_instance_version(void* gipa);

// Properties the 1.1.88 binding cannot query, read with vkGetPhysicalDevice*2.
typedef struct {
	uint32_t subgroup_size;
	uint32_t subgroup_stages;
	uint32_t subgroup_ops;
	uint64_t max_memory_allocation_size;
	uint32_t max_per_set_descriptors;
	uint8_t device_uuid[16];
	uint8_t driver_uuid[16];
	int32_t has_driver_props;
	int32_t driver_id;
	char driver_name[256];
	char driver_info[256];
	uint32_t storage_buffer_16bit;
	uint32_t storage_push_constant_16;
	uint32_t shader_float16;
	uint32_t shader_int8;
	int32_t has_float16_query;
} ocgan_vk_extra;

// ocgan_vk_query_extra fills out. use12 selects the Vulkan 1.2 structures (driver
// properties, float16/int8 features); has_driver_ext / has_f16_ext chain their KHR
// extension equivalents on 1.1 devices that advertise them.
void ocgan_vk_query_extra(void* gipa, void* instance, void* phys, int use12, int has_driver_ext,
                          int has_f16_ext, ocgan_vk_extra* out);

// ocgan_vk_feature_chain allocates (calloc) a pNext chain enabling 16-bit storage and,
// when f16 is non-zero, shaderFloat16. Free it with ocgan_vk_free.
void* ocgan_vk_feature_chain(int storage16, int push16, int f16);
// ocgan_vk_free frees a pNext chain (each element's pNext is followed).
void ocgan_vk_free(void* p);

// Validation messages, collected in C so no Go callback is needed.
typedef struct ocgan_vk_msglog ocgan_vk_msglog;
ocgan_vk_msglog* ocgan_vk_msglog_new(void);
void ocgan_vk_msglog_free(ocgan_vk_msglog* log);
// ocgan_vk_msglog_drain moves up to cap-1 bytes of collected text into buf (NUL-terminated),
// returns the number of messages drained.
int ocgan_vk_msglog_drain(ocgan_vk_msglog* log, char* buf, size_t cap);
// ocgan_vk_debug_create_info returns a calloc'd VkDebugReportCallbackCreateInfoEXT for
// errors and warnings, writing into log; usable as an instance pNext.
void* ocgan_vk_debug_create_info(ocgan_vk_msglog* log);
// ocgan_vk_debug_register creates the debug report callback; returns a VkResult.
int32_t ocgan_vk_debug_register(void* gipa, void* instance, void* info, uint64_t* callback);
void ocgan_vk_debug_unregister(void* gipa, void* instance, uint64_t callback);

// Device-level command entry points, resolved once per device with vkGetDeviceProcAddr.
typedef struct ocgan_vk_cmds ocgan_vk_cmds;
ocgan_vk_cmds* ocgan_vk_cmds_new(void* gipa, void* instance, void* device);
void ocgan_vk_cmds_free(ocgan_vk_cmds* c);

// ocgan_vk_cmd_dispatch binds pipeline (when bind & 1) and descriptor set (when bind & 2),
// pushes constants and dispatches.
void ocgan_vk_cmd_dispatch(ocgan_vk_cmds* c, void* cmd, int bind, uint64_t pipeline, uint64_t layout,
                           uint64_t set, const void* push, uint32_t push_size, uint32_t x, uint32_t y,
                           uint32_t z);
// ocgan_vk_cmd_barrier records one global memory barrier.
void ocgan_vk_cmd_barrier(ocgan_vk_cmds* c, void* cmd, uint32_t src_stage, uint32_t src_access,
                          uint32_t dst_stage, uint32_t dst_access);
// ocgan_vk_submit_wait submits one command buffer with fence, waits for the fence
// and resets it. It returns stage << 32 | (uint32)VkResult, where stage is the call
// that returned the result: 0 submit, 1 wait, 2 reset.
int64_t ocgan_vk_submit_wait(ocgan_vk_cmds* c, void* queue, void* device, void* cmd, uint64_t fence);

void ocgan_vk_cmd_timestamp(ocgan_vk_cmds* c, void* cmd, uint32_t stage, uint64_t pool, uint32_t query);

#endif
