// Package vk is the Vulkan compute runtime: it opens a device, holds its
// memory, builds compute kernels from SPIR-V and records, submits and times
// sequences of dispatches. It runs on any Vulkan 1.1 device, lavapipe
// included, and validates its own use of Vulkan on request.
//
// # Main types
//
//   - [Context]: one device, opened with [Open] from a [Config] (loader,
//     device, validation, staging, pipeline cache, limits, timeout); [Devices]
//     lists the devices with their [DeviceInfo].
//   - [Buffer]: a range of device memory, sub-allocated from large blocks,
//     written and read directly on unified-memory devices and through a
//     staging buffer otherwise; [Buffer.View] shares its memory.
//   - [Kernel]: a compute pipeline built from a [KernelSpec] (SPIR-V, the
//     [Access] of each storage-buffer binding, push constants,
//     specialization constants), checked against the device's limits and
//     capabilities first, and kept in a pipeline cache on disk.
//   - [Sequence]: dispatches recorded once into a command buffer, with
//     barriers only where a dispatch reads or writes what an earlier one wrote,
//     replayed by [Sequence.Run]; optionally timed per dispatch and split into
//     several submissions.
//
// A watchdog bounds every wait for a submission (Config.Timeout): work that
// runs past it, or a device the driver reports lost, ends the context's work,
// and every later call returns the same error.
//
// # Environment
//
// Each variable applies where the matching [Config] field is unset.
//
//   - OCGAN_DEVICE: the device, by index or name substring (Config.Device).
//   - OCGAN_VK_LOADER: the Vulkan loader library (Config.Loader).
//   - OCGAN_VK_VALIDATE=1: the Khronos validation layer on, its messages
//     collected (Config.Validate; see [Context.CheckValidation]).
//   - OCGAN_VK_FP16=off: shaderFloat16 left off (Config.DisableFP16).
//   - OCGAN_VK_PIPELINE_CACHE: the pipeline cache directory, "off" for none
//     ([CacheDirEnv], Config.PipelineCacheDir).
//   - OCGAN_VK_LIMITS: device limits lowered, to test as on a smaller device
//     ([LimitsEnv], [ParseLimits], Config.Limits).
//   - OCGAN_VK_SUBGROUP_OPS: subgroup operation classes masked, a test hook
//     ([SubgroupOpsEnv]).
//   - OCGAN_VK_TIMEOUT: the submission wait limit, a Go duration
//     (Config.Timeout, [DefaultTimeout]).
//   - OCGAN_VK_MAX_DISPATCHES: dispatches per submission
//     (Config.MaxDispatchesPerSubmit).
//
// # Errors
//
// Errors name what failed and wrap the typed cause, for errors.Is and
// errors.As: [ErrNoLoader] and [ErrNoDevice] when there is nothing to run on;
// [ErrDeviceLost] and [*TimeoutError] when the device stops; [*ResultError]
// for a failed Vulkan call (its VkResult); [*OutOfMemoryError] for a buffer
// the heap cannot hold; [*LimitError] and [*CapabilityError] for a kernel or
// dispatch the device cannot run; [*InterfaceError] for a kernel definition
// that disagrees with its SPIR-V; [*ValidationError] for messages of the
// validation layer; [*ShimCountError] for a count above a fixed array of the
// C shim.
//
// # Implementation
//
// The binding is github.com/vulkan-go/vulkan, referred to as vulkan.*. Calls
// whose arguments hold arrays of structures or strings, the entry points the
// binding lacks, and the per-dispatch calls go through a small C shim
// (shim.h, shim_*.c) built on the Khronos headers the binding uses.
package vk
