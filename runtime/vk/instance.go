package vk

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/vulkan-go/vulkan"
)

// ValidationLayer is the Khronos validation layer enabled by Config.Validate.
const ValidationLayer = "VK_LAYER_KHRONOS_validation"

const debugReportExt = "VK_EXT_debug_report"

// Config chooses the loader, the device and debugging options. The zero value
// picks the best device with the default loader.
type Config struct {
	// Device selects a device by index ("1") or name substring ("llvmpipe");
	// empty means $OCGAN_DEVICE, then the best device.
	Device string
	// Loader is the Vulkan loader library; empty means $OCGAN_VK_LOADER, then DefaultLoaders.
	Loader string
	// Validate enables VK_LAYER_KHRONOS_validation and collects its messages.
	// $OCGAN_VK_VALIDATE=1 also enables it.
	Validate bool
	// ForceStaging makes buffers device-local only, reached through a staging buffer,
	// as on a discrete GPU, even on a unified-memory device.
	ForceStaging bool
	// DisableFP16 leaves shaderFloat16 off even when the device has it ($OCGAN_VK_FP16=off too).
	DisableFP16 bool
	// PipelineCacheDir holds the pipeline cache; empty means <user cache dir>/ocgan,
	// "off" (or $OCGAN_VK_PIPELINE_CACHE=off) disables it.
	PipelineCacheDir string
	// Limits lowers the device limits the runtime works within (see ParseLimits);
	// empty means $OCGAN_VK_LIMITS.
	Limits string
	// Timeout bounds every wait for a submission; 0 means $OCGAN_VK_TIMEOUT (a
	// Go duration such as 90s), then DefaultTimeout. A submission that runs
	// past it fails with a *TimeoutError.
	Timeout time.Duration
	// MaxDispatchesPerSubmit splits every sequence into submissions of at most
	// this many dispatches, each waited for before the next is submitted (for
	// drivers whose watchdog kills long submissions); 0 means
	// $OCGAN_VK_MAX_DISPATCHES, then one submission per sequence.
	MaxDispatchesPerSubmit int
}

// DefaultTimeout is the wait limit of a submission when Config.Timeout and
// $OCGAN_VK_TIMEOUT are unset.
const DefaultTimeout = 60 * time.Second

// timeout returns the configured wait limit, or an error naming the bad setting.
func (c Config) timeout() (time.Duration, error) {
	return setting(c.Timeout, "vulkan timeout", "OCGAN_VK_TIMEOUT", "a positive duration such as 90s or 5m", DefaultTimeout,
		func(v string) (time.Duration, error) { return time.ParseDuration(v) })
}

// maxDispatches returns the configured split of submissions (0: none), or an
// error naming the bad setting.
func (c Config) maxDispatches() (int, error) {
	return setting(c.MaxDispatchesPerSubmit, "vulkan dispatches per submission", "OCGAN_VK_MAX_DISPATCHES",
		"a positive number of dispatches", 0, strconv.Atoi)
}

// setting returns v when it is positive, else $env parsed when it is set, else
// def; a negative value is an error naming what, a bad $env one saying want.
func setting[T int | time.Duration](v T, what, env, want string, def T, parse func(string) (T, error)) (T, error) {
	if v < 0 {
		return 0, fmt.Errorf("%s %v: must be positive (or 0 for the default)", what, v)
	}
	if v > 0 {
		return v, nil
	}
	s := os.Getenv(env)
	if s == "" {
		return def, nil
	}
	x, err := parse(s)
	if err != nil || x <= 0 {
		return 0, fmt.Errorf("$%s=%q: want %s", env, s, want)
	}
	return x, nil
}

func (c Config) validate() bool {
	return c.Validate || os.Getenv("OCGAN_VK_VALIDATE") == "1"
}

func (c Config) deviceSelector() string {
	if c.Device != "" {
		return c.Device
	}
	return os.Getenv("OCGAN_DEVICE")
}

// instance is a VkInstance with its loader and validation log.
type instance struct {
	handle     vulkan.Instance
	gipa       unsafe.Pointer
	loaderName string
	apiVersion uint32
	log        *C.ocgan_vk_msglog
	debugInfo  unsafe.Pointer
	callback   C.uint64_t
	validating bool
}

// newInstance loads Vulkan and creates an instance (Vulkan 1.2 when the loader has it).
func newInstance(cfg Config) (*instance, error) {
	gipa, name, err := loadVulkan(loaderNames(cfg.Loader))
	if err != nil {
		return nil, err
	}
	loaderVersion := uint32(C.ocgan_vk_instance_version(gipa))
	if loaderVersion < vulkan.MakeVersion(1, 1, 0) {
		return nil, fmt.Errorf("vulkan loader %s supports only Vulkan %s; ocgan needs 1.1 or newer (%s)",
			name, versionString(loaderVersion), InstallHint)
	}
	api := vulkan.MakeVersion(1, 2, 0)
	if loaderVersion < api {
		api = vulkan.MakeVersion(1, 1, 0)
	}
	in := &instance{gipa: gipa, loaderName: name, apiVersion: api}

	var layers, exts []string
	if cfg.validate() {
		if !hasInstanceLayer(gipa, ValidationLayer) {
			return nil, fmt.Errorf("validation requested but %s is not installed: `apt-get install vulkan-validationlayers`", ValidationLayer)
		}
		layers = append(layers, ValidationLayer)
		exts = append(exts, debugReportExt)
		in.validating = true
		in.log = C.ocgan_vk_msglog_new()
		in.debugInfo = C.ocgan_vk_debug_create_info(in.log)
		if in.log == nil || in.debugInfo == nil {
			in.destroy()
			return nil, fmt.Errorf("allocating the validation message log: out of memory")
		}
	}
	layerNames, extNames := packNames(layers), packNames(exts)
	defer C.free(unsafe.Pointer(layerNames))
	defer C.free(unsafe.Pointer(extNames))
	var h unsafe.Pointer
	var st C.ocgan_vk_status
	C.ocgan_vk_create_instance(gipa, C.uint32_t(api), layerNames, C.uint32_t(len(layers)),
		extNames, C.uint32_t(len(exts)), in.debugInfo, &h, &st) // debugInfo: messages from vkCreateInstance itself
	if err := shimStatus(&st); err != nil {
		in.destroy()
		if st.step == C.OCGAN_VK_STEP_CREATE_INSTANCE && vulkan.Result(st.result) == vulkan.ErrorIncompatibleDriver {
			return nil, fmt.Errorf("%w: the loader %s found no Vulkan driver; %s", ErrNoDevice, name, InstallHint)
		}
		return nil, fmt.Errorf("creating Vulkan instance: %w", err)
	}
	in.handle = vulkan.Instance(h)
	if err := vulkan.InitInstance(in.handle); err != nil {
		in.destroy()
		return nil, fmt.Errorf("resolving Vulkan instance functions: %w", err)
	}
	if in.validating {
		var cb C.uint64_t
		if r := vulkan.Result(C.ocgan_vk_debug_register(gipa, h, in.debugInfo, &cb)); r != vulkan.Success {
			in.destroy()
			return nil, fmt.Errorf("registering the validation callback: %w", check(r, "vkCreateDebugReportCallbackEXT"))
		}
		in.callback = cb
	}
	return in, nil
}

// hasInstanceLayer reports whether the loader knows the named layer.
func hasInstanceLayer(gipa unsafe.Pointer, name string) bool {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return C.ocgan_vk_has_instance_layer(gipa, cname) != 0
}

// packNames returns the names as one C string of NUL-terminated names (free it).
func packNames(names []string) *C.char {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(0)
	}
	b.WriteByte(0)
	return C.CString(b.String())
}

// drainMessages returns and clears the validation messages collected so far.
func (in *instance) drainMessages() []string {
	if in == nil || in.log == nil {
		return nil
	}
	buf := make([]byte, 1<<16)
	n := C.ocgan_vk_msglog_drain(in.log, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	if n == 0 {
		return nil
	}
	text := strings.TrimRight(cString(buf), "\n")
	return strings.Split(text, "\n")
}

func (in *instance) destroy() {
	if in.handle != nil {
		if in.callback != 0 {
			C.ocgan_vk_debug_unregister(in.gipa, unsafe.Pointer(in.handle), in.callback)
		}
		vulkan.DestroyInstance(in.handle, nil)
		in.handle = nil
	}
	if in.debugInfo != nil {
		C.ocgan_vk_free(in.debugInfo)
		in.debugInfo = nil
	}
	if in.log != nil {
		C.ocgan_vk_msglog_free(in.log)
		in.log = nil
	}
}

// physicalDevice is one enumerated device with its description.
type physicalDevice struct {
	handle     vulkan.PhysicalDevice
	info       DeviceInfo
	queueIndex uint32 // a queue family with compute
	memory     vulkan.PhysicalDeviceMemoryProperties
	cacheUUID  [16]byte // pipelineCacheUUID, checked against cache file headers
	use12      bool
	f16Ext     bool // VK_KHR_shader_float16_int8 needed to enable fp16 (1.1 device)
}

// sizeControlExt provides computeFullSubgroups (core only from Vulkan 1.3,
// above the instance version ocgan asks for).
const sizeControlExt = "VK_EXT_subgroup_size_control"

// enumerate lists every physical device with a compute queue, its subgroup
// operations masked by $OCGAN_VK_SUBGROUP_OPS.
func (in *instance) enumerate() ([]physicalDevice, error) {
	mask, err := subgroupMaskFromEnv()
	if err != nil {
		return nil, err
	}
	var n uint32
	if err := check(vulkan.EnumeratePhysicalDevices(in.handle, &n, nil), "vkEnumeratePhysicalDevices"); err != nil {
		return nil, err
	}
	handles := make([]vulkan.PhysicalDevice, n)
	if n > 0 {
		if err := check(vulkan.EnumeratePhysicalDevices(in.handle, &n, handles), "vkEnumeratePhysicalDevices"); err != nil {
			return nil, err
		}
	}
	var out []physicalDevice
	for _, h := range handles[:n] {
		pd, ok := in.describe(h)
		if !ok {
			continue
		}
		pd.info.Index = len(out)
		mask.apply(&pd.info.Subgroup)
		out = append(out, pd)
	}
	return out, nil
}

// describe fills a DeviceInfo; ok is false for devices without a compute queue.
func (in *instance) describe(h vulkan.PhysicalDevice) (physicalDevice, bool) {
	pd := physicalDevice{handle: h}
	var props vulkan.PhysicalDeviceProperties
	vulkan.GetPhysicalDeviceProperties(h, &props)
	props.Deref()
	props.Limits.Deref()
	pd.cacheUUID = props.PipelineCacheUUID

	var tsBits C.uint32_t
	family := C.ocgan_vk_compute_queue(in.gipa, unsafe.Pointer(in.handle), unsafe.Pointer(h), &tsBits)
	if family < 0 {
		return pd, false
	}
	pd.queueIndex = uint32(family)

	vulkan.GetPhysicalDeviceMemoryProperties(h, &pd.memory)
	pd.memory.Deref()
	heaps := make([]Heap, pd.memory.MemoryHeapCount)
	for i := range heaps {
		hp := &pd.memory.MemoryHeaps[i]
		hp.Deref()
		heaps[i] = Heap{Size: uint64(hp.Size), DeviceLocal: hp.Flags&vulkan.MemoryHeapFlags(vulkan.MemoryHeapDeviceLocalBit) != 0}
	}
	for i := uint32(0); i < pd.memory.MemoryTypeCount; i++ {
		pd.memory.MemoryTypes[i].Deref()
	}

	devAPI := props.ApiVersion
	pd.use12 = devAPI >= vulkan.MakeVersion(1, 2, 0) && in.apiVersion >= vulkan.MakeVersion(1, 2, 0)
	driverExt := !pd.use12 && in.hasDeviceExtension(h, "VK_KHR_driver_properties")
	pd.f16Ext = !pd.use12 && in.hasDeviceExtension(h, "VK_KHR_shader_float16_int8")
	sizeControl := in.hasDeviceExtension(h, sizeControlExt)
	var extra C.ocgan_vk_extra
	C.ocgan_vk_query_extra(in.gipa, unsafe.Pointer(in.handle), unsafe.Pointer(h), cBool(pd.use12),
		cBool(driverExt), cBool(pd.f16Ext), cBool(sizeControl), &extra)

	lim := &props.Limits
	info := DeviceInfo{
		Name:          cString(props.DeviceName[:]),
		Type:          deviceType(props.DeviceType),
		VendorID:      props.VendorID,
		Vendor:        vendorName(props.VendorID),
		DeviceID:      props.DeviceID,
		DriverVersion: driverVersionString(props.VendorID, props.DriverVersion),
		APIVersion:    versionString(devAPI),
		Heaps:         heaps,
		Compute: ComputeLimits{
			MaxWorkGroupInvocations:   lim.MaxComputeWorkGroupInvocations,
			MaxWorkGroupSize:          lim.MaxComputeWorkGroupSize,
			MaxWorkGroupCount:         lim.MaxComputeWorkGroupCount,
			MaxSharedMemory:           lim.MaxComputeSharedMemorySize,
			MaxPushConstants:          lim.MaxPushConstantsSize,
			MaxStorageBufferRange:     lim.MaxStorageBufferRange,
			MinStorageBufferAlign:     uint64(lim.MinStorageBufferOffsetAlignment),
			MaxMemoryAllocation:       uint64(extra.max_memory_allocation_size),
			MaxBoundDescriptorSets:    lim.MaxBoundDescriptorSets,
			MaxStorageBuffersPerStage: lim.MaxPerStageDescriptorStorageBuffers,
		},
		Subgroup: Subgroup{
			Size:          uint32(extra.subgroup_size),
			Operations:    subgroupOpNames(uint32(extra.subgroup_ops)),
			InCompute:     uint32(extra.subgroup_stages)&uint32(vulkan.ShaderStageComputeBit) != 0,
			FullSubgroups: sizeControl && extra.compute_full_subgroups != 0,
		},
		Storage16:       extra.storage_buffer_16bit != 0,
		PushConstant16:  extra.storage_push_constant_16 != 0,
		Float16:         extra.shader_float16 != 0,
		Int8:            extra.shader_int8 != 0,
		Timestamps:      tsBits > 0 && lim.TimestampPeriod > 0,
		TimestampPeriod: lim.TimestampPeriod,
		apiVersion:      devAPI,
		driverVersion:   props.DriverVersion,
	}
	for i := 0; i < 16; i++ {
		info.uuid[i] = byte(extra.device_uuid[i])
	}
	info.UUID = uuidString(info.uuid)
	if extra.has_driver_props != 0 {
		info.Driver = C.GoString(&extra.driver_name[0])
		info.DriverInfo = C.GoString(&extra.driver_info[0])
	} else {
		info.Driver = "unknown (device has no VK_KHR_driver_properties)"
	}
	_, hostVisibleLocal := pd.findMemoryType(^uint32(0), unifiedFlags)
	info.UnifiedMemory = usesUnifiedMemory(info.Type, hostVisibleLocal)
	pd.info = info
	return pd, true
}

func deviceType(t vulkan.PhysicalDeviceType) DeviceType {
	switch t {
	case vulkan.PhysicalDeviceTypeDiscreteGpu:
		return DiscreteGPU
	case vulkan.PhysicalDeviceTypeIntegratedGpu:
		return IntegratedGPU
	case vulkan.PhysicalDeviceTypeVirtualGpu:
		return VirtualGPU
	case vulkan.PhysicalDeviceTypeCpu:
		return CPU
	default:
		return OtherDevice
	}
}

// hasDeviceExtension reports whether the physical device advertises the extension.
func (in *instance) hasDeviceExtension(h vulkan.PhysicalDevice, name string) bool {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return C.ocgan_vk_has_device_extension(in.gipa, unsafe.Pointer(in.handle), unsafe.Pointer(h), cname) != 0
}

// lowerLimits applies cfg's lowered limits (or $OCGAN_VK_LIMITS) to every device.
func lowerLimits(pds []physicalDevice, cfg Config) error {
	spec := cfg.limitsSpec()
	o, err := ParseLimits(spec)
	if err != nil {
		return err
	}
	if len(o) == 0 {
		return nil
	}
	for i := range pds {
		o.lower(&pds[i].info.Compute)
		pds[i].info.LoweredLimits = spec
	}
	return nil
}

// Devices lists every Vulkan device with a compute queue, in the driver's order.
func Devices(cfg Config) ([]DeviceInfo, error) {
	in, err := newInstance(cfg)
	if err != nil {
		return nil, err
	}
	defer in.destroy()
	pds, err := in.enumerate()
	if err != nil {
		return nil, err
	}
	if err := lowerLimits(pds, cfg); err != nil {
		return nil, err
	}
	out := make([]DeviceInfo, len(pds))
	for i := range pds {
		out[i] = pds[i].info
	}
	if msgs := in.drainMessages(); len(msgs) > 0 {
		return out, &ValidationError{Messages: msgs}
	}
	return out, nil
}

// LoaderName returns the loader library this process uses, or "" before any was loaded.
func LoaderName() string {
	loader.mu.Lock()
	defer loader.mu.Unlock()
	return loader.path
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
