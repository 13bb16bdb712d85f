// Internal to the shim's C files: the Vulkan types, and what the files share.
//
// vulkan_core.h and vk_platform.h are the Khronos headers that
// github.com/vulkan-go/vulkan compiles against (Vulkan 1.1.88), copied here
// unchanged: cgo has no include path into another module. The few structures
// newer than those headers are declared below, with their layout asserted.
#ifndef OCGAN_VK_SHIM_VK_H
#define OCGAN_VK_SHIM_VK_H

#define VK_NO_PROTOTYPES
#include <stddef.h>

#include "shim.h"
#include "vulkan_core.h"

_Static_assert(VK_HEADER_VERSION == 88,
               "the structures declared below are newer than the 1.1.88 headers; "
               "use the headers' own where a newer vulkan_core.h defines them");

// The Go side holds the handles the shim creates as pointers (vulkan-go's types on
// 64-bit targets) and hands them back as uint64_t: a non-dispatchable handle must
// be exactly pointer-sized, which VK_DEFINE_NON_DISPATCHABLE_HANDLE gives on 64-bit
// targets only.
_Static_assert(sizeof(VkPipeline) == sizeof(void*) && sizeof(void*) == sizeof(uint64_t),
               "the shim passes non-dispatchable handles as pointers: 64-bit targets only");

// The copies into ocgan_vk_extra assume its arrays are the Vulkan ones.
_Static_assert(sizeof(((ocgan_vk_extra*)0)->device_uuid) == VK_UUID_SIZE, "device_uuid size");
_Static_assert(sizeof(((ocgan_vk_extra*)0)->driver_uuid) == VK_UUID_SIZE, "driver_uuid size");
_Static_assert(sizeof(((ocgan_vk_extra*)0)->driver_name) == VK_MAX_DRIVER_NAME_SIZE_KHR, "driver_name size");
_Static_assert(sizeof(((ocgan_vk_extra*)0)->driver_info) == VK_MAX_DRIVER_INFO_SIZE_KHR, "driver_info size");

// OCGAN_VK_ASSERT_TWO_BOOL_FEATURES asserts that T has the layout the Vulkan spec
// gives a structure { VkStructureType sType; void* pNext; VkBool32 a; VkBool32 b; }
// under the platform C ABI: 24 bytes with members at 0, 8, 16, 20 on LP64 (amd64,
// arm64), 16 bytes at 0, 4, 8, 12 on ILP32; the same as the headers' own
// VkPhysicalDeviceVariablePointerFeatures, which has that shape.
#define OCGAN_VK_ASSERT_TWO_BOOL_FEATURES(T, a, b)                                                         \
	_Static_assert(offsetof(T, sType) == 0, #T ".sType offset");                                          \
	_Static_assert(offsetof(T, pNext) == sizeof(void*), #T ".pNext offset");                              \
	_Static_assert(offsetof(T, a) == 2 * sizeof(void*), #T "." #a " offset");                             \
	_Static_assert(offsetof(T, b) == 2 * sizeof(void*) + sizeof(VkBool32), #T "." #b " offset");          \
	_Static_assert(sizeof(T) == 2 * sizeof(void*) + 2 * sizeof(VkBool32), #T " size");                    \
	_Static_assert(sizeof(T) == sizeof(VkPhysicalDeviceVariablePointerFeatures), #T " size vs headers");   \
	_Static_assert(offsetof(T, b) == offsetof(VkPhysicalDeviceVariablePointerFeatures, variablePointers), \
	               #T "." #b " offset vs headers")

// VkPhysicalDeviceShaderFloat16Int8Features: VK_KHR_shader_float16_int8, newer
// than the headers; core in 1.2 with the same structure type value and layout.
#define OCGAN_VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES ((VkStructureType)1000082000)
typedef struct {
	VkStructureType sType;
	void* pNext;
	VkBool32 shaderFloat16;
	VkBool32 shaderInt8;
} ocgan_VkPhysicalDeviceShaderFloat16Int8Features;
OCGAN_VK_ASSERT_TWO_BOOL_FEATURES(ocgan_VkPhysicalDeviceShaderFloat16Int8Features, shaderFloat16, shaderInt8);

// VkPhysicalDeviceSubgroupSizeControlFeaturesEXT: VK_EXT_subgroup_size_control,
// newer than the headers.
#define OCGAN_VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT ((VkStructureType)1000225002)
typedef struct {
	VkStructureType sType;
	void* pNext;
	VkBool32 subgroupSizeControl;
	VkBool32 computeFullSubgroups;
} ocgan_VkPhysicalDeviceSubgroupSizeControlFeaturesEXT;
OCGAN_VK_ASSERT_TWO_BOOL_FEATURES(ocgan_VkPhysicalDeviceSubgroupSizeControlFeaturesEXT, subgroupSizeControl,
                                  computeFullSubgroups);

// Handle conversions: the Go side passes non-dispatchable handles as uint64_t.
#define OCGAN_VK_HANDLE(T, h) ((T)(uintptr_t)(h))
#define OCGAN_VK_U64(h) ((uint64_t)(uintptr_t)(h))

// ocgan_vk_gipa returns the loader's vkGetInstanceProcAddr, passed as void*.
static inline PFN_vkGetInstanceProcAddr ocgan_vk_gipa(void* gipa) { return (PFN_vkGetInstanceProcAddr)gipa; }

// ocgan_vk_fail records in st that step failed with result.
static inline void ocgan_vk_fail(ocgan_vk_status* st, ocgan_vk_step step, VkResult result) {
	st->step = step;
	st->result = result;
}

// ocgan_vk_too_many records in st that count of what is above limit; it returns
// whether it is.
static inline int ocgan_vk_too_many(ocgan_vk_status* st, ocgan_vk_counted what, uint32_t count, uint32_t limit) {
	if (count <= limit) return 0;
	st->step = OCGAN_VK_STEP_TOO_MANY;
	st->result = VK_SUCCESS;
	st->counted = what;
	st->count = count;
	st->limit = limit;
	return 1;
}

// ocgan_vk_status_init clears st to "nothing failed".
static inline void ocgan_vk_status_init(ocgan_vk_status* st) {
	st->step = OCGAN_VK_STEP_NONE;
	st->result = VK_SUCCESS;
	st->missing = 0;
	st->counted = OCGAN_VK_COUNTED_NOTHING;
	st->count = 0;
	st->limit = 0;
}

// The device-level entry points, resolved once per device.
struct ocgan_vk_cmds {
	PFN_vkCmdBindPipeline bind_pipeline;
	PFN_vkCmdBindDescriptorSets bind_sets;
	PFN_vkCmdPushConstants push;
	PFN_vkCmdDispatch dispatch;
	PFN_vkCmdPipelineBarrier barrier;
	PFN_vkCmdWriteTimestamp timestamp;
	PFN_vkQueueSubmit submit;
	PFN_vkWaitForFences wait;
	PFN_vkResetFences reset;
	PFN_vkCmdCopyBuffer copy;
	PFN_vkCreateShaderModule create_module;
	PFN_vkCreateDescriptorSetLayout create_set_layout;
	PFN_vkCreatePipelineLayout create_layout;
	PFN_vkCreateDescriptorPool create_pool;
	PFN_vkCreateComputePipelines create_pipes;
	PFN_vkAllocateDescriptorSets alloc_sets;
	PFN_vkUpdateDescriptorSets update_sets;
};

#endif
