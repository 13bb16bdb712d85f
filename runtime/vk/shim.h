// Package vk's C shim: the few Vulkan entry points that github.com/vulkan-go/vulkan
// (a Vulkan 1.1.88 surface) lacks or wraps too expensively for hot recording.
//
// This header is what the Go side sees; it needs no Vulkan headers. Dispatchable
// handles (instance, physical device, device, queue, command buffer) pass as void*,
// non-dispatchable ones as uint64_t, and handles the shim creates come back through
// void* out-parameters, as vulkan-go holds them on 64-bit targets. The shim's C files
// use the real Vulkan types (shim_vk.h).
#ifndef OCGAN_VK_SHIM_H
#define OCGAN_VK_SHIM_H

#include <stddef.h>
#include <stdint.h>

// Sizes of the shim's fixed arrays. A call given a larger count fails with
// OCGAN_VK_STEP_TOO_MANY before calling Vulkan; nothing is truncated.
enum {
	OCGAN_VK_MAX_NAMES = 16,          // layers, or extensions, of one instance or device
	OCGAN_VK_MAX_BINDINGS = 12,       // storage-buffer bindings of one kernel
	OCGAN_VK_MAX_SPEC_CONSTANTS = 16  // specialization constants of one kernel
};

// ocgan_vk_step names the step of a shim call that failed.
typedef enum {
	OCGAN_VK_STEP_NONE = 0,          // nothing failed
	OCGAN_VK_STEP_TOO_MANY,          // a count above an OCGAN_VK_MAX_* limit
	OCGAN_VK_STEP_CREATE_INSTANCE,   // vkCreateInstance
	OCGAN_VK_STEP_CREATE_DEVICE,     // vkCreateDevice
	OCGAN_VK_STEP_SHADER_MODULE,     // vkCreateShaderModule
	OCGAN_VK_STEP_SET_LAYOUT,        // vkCreateDescriptorSetLayout
	OCGAN_VK_STEP_PIPELINE_LAYOUT,   // vkCreatePipelineLayout
	OCGAN_VK_STEP_PIPELINE,          // vkCreateComputePipelines
	OCGAN_VK_STEP_SUBMIT,            // vkQueueSubmit
	OCGAN_VK_STEP_WAIT,              // vkWaitForFences
	OCGAN_VK_STEP_RESET              // vkResetFences
} ocgan_vk_step;

// ocgan_vk_counted says what an OCGAN_VK_STEP_TOO_MANY failure counted.
typedef enum {
	OCGAN_VK_COUNTED_NOTHING = 0,
	OCGAN_VK_COUNTED_INSTANCE_LAYERS,
	OCGAN_VK_COUNTED_INSTANCE_EXTENSIONS,
	OCGAN_VK_COUNTED_DEVICE_EXTENSIONS,
	OCGAN_VK_COUNTED_BINDINGS,
	OCGAN_VK_COUNTED_SPEC_CONSTANTS
} ocgan_vk_counted;

// ocgan_vk_status is the outcome of a shim call of several steps. It holds no
// pointers, so Go passes it from the stack.
typedef struct {
	int32_t step;     // an ocgan_vk_step: the step that failed, or OCGAN_VK_STEP_NONE
	int32_t result;   // the VkResult of that step's Vulkan call (VK_SUCCESS when none was made)
	int32_t missing;  // non-zero: the loader returned no entry point for the step's call
	int32_t counted;  // STEP_TOO_MANY: an ocgan_vk_counted, what was counted
	uint32_t count;   // STEP_TOO_MANY: the count given
	uint32_t limit;   // STEP_TOO_MANY: the OCGAN_VK_MAX_* limit
} ocgan_vk_status;

// ocgan_vk_step_name names the Vulkan call of a step, or describes the step.
const char* ocgan_vk_step_name(int32_t step);

// ocgan_vk_counted_name says what an ocgan_vk_counted counts, e.g. "specialization constants".
const char* ocgan_vk_counted_name(int32_t counted);

// ocgan_vk_load opens a Vulkan loader library and returns its vkGetInstanceProcAddr,
// or NULL with a message from dlerror() copied into err.
void* ocgan_vk_load(const char* so, char* err, size_t errlen);

// ocgan_vk_instance_version returns the loader's instance API version (VK_MAKE_VERSION
// encoding), 1.0 when vkEnumerateInstanceVersion is absent.
uint32_t ocgan_vk_instance_version(void* gipa);

// Calls whose arguments hold arrays of structs or strings go through this shim, not
// through vulkan-go: the binding frees the C copies of such arrays from a finalizer on
// a variable that is unreachable during the call, so a garbage collection in the middle
// of the call frees memory the driver is reading (seen as crashes in
// vkCreateComputePipelines under load).

// ocgan_vk_create_instance creates an instance for api with the NUL-separated layer
// and extension names given (counts nlayers, nexts, each at most OCGAN_VK_MAX_NAMES)
// and pnext chained in.
void ocgan_vk_create_instance(void* gipa, uint32_t api, const char* layers, uint32_t nlayers, const char* exts,
                              uint32_t nexts, const void* pnext, void** out, ocgan_vk_status* st);

// ocgan_vk_has_instance_layer reports whether the loader knows the layer.
int ocgan_vk_has_instance_layer(void* gipa, const char* name);

// ocgan_vk_has_device_extension reports whether the physical device advertises the extension.
int ocgan_vk_has_device_extension(void* gipa, void* instance, void* phys, const char* name);

// ocgan_vk_compute_queue picks a queue family with compute, preferring one without
// graphics; it returns the family index (or -1) and its timestampValidBits.
int32_t ocgan_vk_compute_queue(void* gipa, void* instance, void* phys, uint32_t* ts_bits);

// ocgan_vk_create_device creates a device with one queue of family, the NUL-separated
// extensions (at most OCGAN_VK_MAX_NAMES) and the feature chain.
void ocgan_vk_create_device(void* gipa, void* instance, void* phys, uint32_t family, const char* exts,
                            uint32_t nexts, const void* chain, void** out, ocgan_vk_status* st);

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
	uint32_t compute_full_subgroups;
} ocgan_vk_extra;

// ocgan_vk_query_extra fills out. use12 selects the Vulkan 1.2 structures (driver
// properties, float16/int8 features); has_driver_ext / has_f16_ext chain their KHR
// extension equivalents on 1.1 devices that advertise them; has_size_control_ext
// queries computeFullSubgroups (VK_EXT_subgroup_size_control).
void ocgan_vk_query_extra(void* gipa, void* instance, void* phys, int use12, int has_driver_ext,
                          int has_f16_ext, int has_size_control_ext, ocgan_vk_extra* out);

// ocgan_vk_feature_chain allocates (calloc) a pNext chain enabling 16-bit storage and,
// when f16 is non-zero, shaderFloat16, and when full_subgroups is non-zero,
// computeFullSubgroups. Free it with ocgan_vk_free.
void* ocgan_vk_feature_chain(int storage16, int push16, int f16, int full_subgroups);
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

// What ocgan_vk_cmd_dispatch binds before it dispatches (bits of its bind argument).
enum {
	OCGAN_VK_BIND_PIPELINE = 1,  // vkCmdBindPipeline
	OCGAN_VK_BIND_SET = 2        // vkCmdBindDescriptorSets
};

// ocgan_vk_cmd_dispatch binds what bind says (OCGAN_VK_BIND_* bits), pushes
// constants and dispatches.
void ocgan_vk_cmd_dispatch(ocgan_vk_cmds* c, void* cmd, int bind, uint64_t pipeline, uint64_t layout,
                           uint64_t set, const void* push, uint32_t push_size, uint32_t x, uint32_t y,
                           uint32_t z);
// ocgan_vk_cmd_barrier records one global memory barrier.
void ocgan_vk_cmd_barrier(ocgan_vk_cmds* c, void* cmd, uint32_t src_stage, uint32_t src_access,
                          uint32_t dst_stage, uint32_t dst_access);
// ocgan_vk_submit_wait submits one command buffer with fence, waits for the fence
// at most timeout_ns and resets it. st names the step that failed (STEP_SUBMIT,
// STEP_WAIT or STEP_RESET) and its VkResult. After a timeout (STEP_WAIT,
// VK_TIMEOUT) the fence is not reset: the work is still in flight.
void ocgan_vk_submit_wait(ocgan_vk_cmds* c, void* queue, void* device, void* cmd, uint64_t fence,
                          uint64_t timeout_ns, ocgan_vk_status* st);
// ocgan_vk_wait waits at most timeout_ns for fence; it returns the VkResult.
int32_t ocgan_vk_wait(ocgan_vk_cmds* c, void* device, uint64_t fence, uint64_t timeout_ns);

// ocgan_vk_cmd_timestamp writes a timestamp at stage into query of pool.
void ocgan_vk_cmd_timestamp(ocgan_vk_cmds* c, void* cmd, uint32_t stage, uint64_t pool, uint32_t query);

// ocgan_vk_cmd_copy records one buffer-to-buffer copy.
void ocgan_vk_cmd_copy(ocgan_vk_cmds* c, void* cmd, uint64_t src, uint64_t dst, uint64_t src_off, uint64_t dst_off,
                       uint64_t size);

// ocgan_vk_create_kernel builds a compute kernel: shader module from code (bytes),
// a set layout of nbind storage buffers (at most OCGAN_VK_MAX_BINDINGS), a pipeline
// layout with push_bytes of push constants, and the pipeline with nspec 32-bit
// specialization constants (ids 0..nspec-1, at most OCGAN_VK_MAX_SPEC_CONSTANTS) and
// the shader stage's create flags stage_flags, through cache. out receives module,
// set layout, pipeline layout and pipeline (NULL where not created); st the step
// that failed.
void ocgan_vk_create_kernel(ocgan_vk_cmds* c, void* device, uint64_t cache, const uint32_t* code,
                            size_t code_bytes, uint32_t nbind, uint32_t push_bytes, const uint32_t* spec,
                            uint32_t nspec, uint32_t stage_flags, void** out, ocgan_vk_status* st);

// ocgan_vk_create_pool creates a descriptor pool of max_sets sets and descriptors
// storage-buffer descriptors.
int32_t ocgan_vk_create_pool(ocgan_vk_cmds* c, void* device, uint32_t max_sets, uint32_t descriptors, void** out);

// ocgan_vk_alloc_set allocates one descriptor set of layout from pool.
int32_t ocgan_vk_alloc_set(ocgan_vk_cmds* c, void* device, uint64_t pool, uint64_t layout, void** out);

// ocgan_vk_write_set points bindings 0..n-1 of set at the buffer ranges given;
// n is at most OCGAN_VK_MAX_BINDINGS (st says when it is not).
void ocgan_vk_write_set(ocgan_vk_cmds* c, void* device, uint64_t set, uint32_t n, const uint64_t* bufs,
                        const uint64_t* offsets, const uint64_t* ranges, ocgan_vk_status* st);

#endif
