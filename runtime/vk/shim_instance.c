// The shim's loader, instance and device part: opening the loader, creating the
// instance and the device, the queries the binding cannot make, and the names of
// the steps and counts an ocgan_vk_status reports.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim_vk.h"

// step_names and counted_names are indexed by ocgan_vk_step and ocgan_vk_counted.
static const char* const step_names[] = {
    [OCGAN_VK_STEP_NONE] = "no step",
    [OCGAN_VK_STEP_TOO_MANY] = "argument count",
    [OCGAN_VK_STEP_CREATE_INSTANCE] = "vkCreateInstance",
    [OCGAN_VK_STEP_CREATE_DEVICE] = "vkCreateDevice",
    [OCGAN_VK_STEP_SHADER_MODULE] = "vkCreateShaderModule",
    [OCGAN_VK_STEP_SET_LAYOUT] = "vkCreateDescriptorSetLayout",
    [OCGAN_VK_STEP_PIPELINE_LAYOUT] = "vkCreatePipelineLayout",
    [OCGAN_VK_STEP_PIPELINE] = "vkCreateComputePipelines",
    [OCGAN_VK_STEP_SUBMIT] = "vkQueueSubmit",
    [OCGAN_VK_STEP_WAIT] = "vkWaitForFences",
    [OCGAN_VK_STEP_RESET] = "vkResetFences",
};
_Static_assert(sizeof(step_names) / sizeof(step_names[0]) == OCGAN_VK_STEP_RESET + 1, "a step without a name");

static const char* const counted_names[] = {
    [OCGAN_VK_COUNTED_NOTHING] = "nothing",
    [OCGAN_VK_COUNTED_INSTANCE_LAYERS] = "instance layers",
    [OCGAN_VK_COUNTED_INSTANCE_EXTENSIONS] = "instance extensions",
    [OCGAN_VK_COUNTED_DEVICE_EXTENSIONS] = "device extensions",
    [OCGAN_VK_COUNTED_BINDINGS] = "storage-buffer bindings",
    [OCGAN_VK_COUNTED_SPEC_CONSTANTS] = "specialization constants",
};
_Static_assert(sizeof(counted_names) / sizeof(counted_names[0]) == OCGAN_VK_COUNTED_SPEC_CONSTANTS + 1,
               "a count without a name");

// name_in returns names[i], or "unknown" when i is out of its n entries.
static const char* name_in(const char* const* names, size_t n, int32_t i) {
	return i >= 0 && (size_t)i < n && names[i] ? names[i] : "unknown";
}

const char* ocgan_vk_step_name(int32_t step) {
	return name_in(step_names, sizeof(step_names) / sizeof(step_names[0]), step);
}

const char* ocgan_vk_counted_name(int32_t counted) {
	return name_in(counted_names, sizeof(counted_names) / sizeof(counted_names[0]), counted);
}

void* ocgan_vk_load(const char* so, char* err, size_t errlen) {
	void* h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char* e = dlerror();
		snprintf(err, errlen, "%s", e ? e : "dlopen failed");
		return NULL;
	}
	void* p = dlsym(h, "vkGetInstanceProcAddr");
	if (!p) {
		snprintf(err, errlen, "%s has no vkGetInstanceProcAddr", so);
		dlclose(h);
		return NULL;
	}
	return p;  // the library stays open for the life of the process
}

uint32_t ocgan_vk_instance_version(void* gipa) {
	PFN_vkEnumerateInstanceVersion f =
	    (PFN_vkEnumerateInstanceVersion)ocgan_vk_gipa(gipa)(NULL, "vkEnumerateInstanceVersion");
	uint32_t v = VK_API_VERSION_1_0;
	if (f && f(&v) != VK_SUCCESS) v = VK_API_VERSION_1_0;
	return v;
}

// missing_entry_point records in st that the loader returned no entry point for
// the call of step.
static void missing_entry_point(ocgan_vk_status* st, ocgan_vk_step step) {
	ocgan_vk_fail(st, step, VK_ERROR_INITIALIZATION_FAILED);
	st->missing = 1;
}

// split_names fills out[] with pointers to the n NUL-separated names in packed.
static void split_names(const char* packed, uint32_t n, const char** out) {
	for (uint32_t i = 0; i < n; i++) {
		out[i] = packed;
		packed += strlen(packed) + 1;
	}
}

void ocgan_vk_create_instance(void* gipa, uint32_t api, const char* layers, uint32_t nlayers, const char* exts,
                              uint32_t nexts, const void* pnext, void** out, ocgan_vk_status* st) {
	ocgan_vk_status_init(st);
	*out = NULL;
	if (ocgan_vk_too_many(st, OCGAN_VK_COUNTED_INSTANCE_LAYERS, nlayers, OCGAN_VK_MAX_NAMES) ||
	    ocgan_vk_too_many(st, OCGAN_VK_COUNTED_INSTANCE_EXTENSIONS, nexts, OCGAN_VK_MAX_NAMES))
		return;
	PFN_vkCreateInstance create = (PFN_vkCreateInstance)ocgan_vk_gipa(gipa)(NULL, "vkCreateInstance");
	if (!create) {
		missing_entry_point(st, OCGAN_VK_STEP_CREATE_INSTANCE);
		return;
	}
	const char* lnames[OCGAN_VK_MAX_NAMES];
	const char* enames[OCGAN_VK_MAX_NAMES];
	split_names(layers, nlayers, lnames);
	split_names(exts, nexts, enames);
	VkApplicationInfo app = {
	    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
	    .pApplicationName = "ocgan",
	    .pEngineName = "ocgan-runtime",
	    .apiVersion = api,
	};
	VkInstanceCreateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
	    .pNext = pnext,
	    .pApplicationInfo = &app,
	    .enabledLayerCount = nlayers,
	    .ppEnabledLayerNames = lnames,
	    .enabledExtensionCount = nexts,
	    .ppEnabledExtensionNames = enames,
	};
	VkInstance h = NULL;
	VkResult r = create(&info, NULL, &h);
	if (r != VK_SUCCESS) {
		ocgan_vk_fail(st, OCGAN_VK_STEP_CREATE_INSTANCE, r);
		return;
	}
	*out = h;
}

int ocgan_vk_has_instance_layer(void* gipa, const char* name) {
	PFN_vkEnumerateInstanceLayerProperties list =
	    (PFN_vkEnumerateInstanceLayerProperties)ocgan_vk_gipa(gipa)(NULL, "vkEnumerateInstanceLayerProperties");
	if (!list) return 0;
	uint32_t n = 0;
	if (list(&n, NULL) != VK_SUCCESS || n == 0) return 0;
	VkLayerProperties* props = calloc(n, sizeof(*props));
	if (!props) return 0;
	int found = 0;
	if (list(&n, props) >= VK_SUCCESS) {
		for (uint32_t i = 0; i < n && !found; i++)
			found = strncmp(props[i].layerName, name, VK_MAX_EXTENSION_NAME_SIZE) == 0;
	}
	free(props);
	return found;
}

int ocgan_vk_has_device_extension(void* gipa, void* instance, void* phys, const char* name) {
	PFN_vkEnumerateDeviceExtensionProperties list =
	    (PFN_vkEnumerateDeviceExtensionProperties)ocgan_vk_gipa(gipa)(instance, "vkEnumerateDeviceExtensionProperties");
	if (!list) return 0;
	uint32_t n = 0;
	if (list(phys, NULL, &n, NULL) != VK_SUCCESS || n == 0) return 0;
	VkExtensionProperties* props = calloc(n, sizeof(*props));
	if (!props) return 0;
	int found = 0;
	if (list(phys, NULL, &n, props) >= VK_SUCCESS) {
		for (uint32_t i = 0; i < n && !found; i++)
			found = strncmp(props[i].extensionName, name, VK_MAX_EXTENSION_NAME_SIZE) == 0;
	}
	free(props);
	return found;
}

int32_t ocgan_vk_compute_queue(void* gipa, void* instance, void* phys, uint32_t* ts_bits) {
	PFN_vkGetPhysicalDeviceQueueFamilyProperties list = (PFN_vkGetPhysicalDeviceQueueFamilyProperties)ocgan_vk_gipa(gipa)(
	    instance, "vkGetPhysicalDeviceQueueFamilyProperties");
	*ts_bits = 0;
	if (!list) return -1;
	uint32_t n = 0;
	list(phys, &n, NULL);
	if (n == 0) return -1;
	VkQueueFamilyProperties* props = calloc(n, sizeof(*props));
	if (!props) return -1;
	list(phys, &n, props);
	int32_t best = -1;
	for (int pass = 0; pass < 2 && best < 0; pass++) {
		for (uint32_t i = 0; i < n; i++) {
			int compute = (props[i].queueFlags & VK_QUEUE_COMPUTE_BIT) != 0;
			int graphics = (props[i].queueFlags & VK_QUEUE_GRAPHICS_BIT) != 0;
			if (compute && props[i].queueCount > 0 && (pass == 1 || !graphics)) {
				best = (int32_t)i;
				*ts_bits = props[i].timestampValidBits;
				break;
			}
		}
	}
	free(props);
	return best;
}

void ocgan_vk_create_device(void* gipa, void* instance, void* phys, uint32_t family, const char* exts,
                            uint32_t nexts, const void* chain, void** out, ocgan_vk_status* st) {
	ocgan_vk_status_init(st);
	*out = NULL;
	if (ocgan_vk_too_many(st, OCGAN_VK_COUNTED_DEVICE_EXTENSIONS, nexts, OCGAN_VK_MAX_NAMES)) return;
	PFN_vkCreateDevice create = (PFN_vkCreateDevice)ocgan_vk_gipa(gipa)(instance, "vkCreateDevice");
	if (!create) {
		missing_entry_point(st, OCGAN_VK_STEP_CREATE_DEVICE);
		return;
	}
	const char* enames[OCGAN_VK_MAX_NAMES];
	split_names(exts, nexts, enames);
	float priority = 1.0f;
	VkDeviceQueueCreateInfo q = {
	    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
	    .queueFamilyIndex = family,
	    .queueCount = 1,
	    .pQueuePriorities = &priority,
	};
	VkDeviceCreateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
	    .pNext = chain,
	    .queueCreateInfoCount = 1,
	    .pQueueCreateInfos = &q,
	    .enabledExtensionCount = nexts,
	    .ppEnabledExtensionNames = enames,
	};
	VkDevice h = NULL;
	VkResult r = create((VkPhysicalDevice)phys, &info, NULL, &h);
	if (r != VK_SUCCESS) {
		ocgan_vk_fail(st, OCGAN_VK_STEP_CREATE_DEVICE, r);
		return;
	}
	*out = h;
}

void ocgan_vk_query_extra(void* gipa, void* instance, void* phys, int use12, int has_driver_ext,
                          int has_f16_ext, int has_size_control_ext, ocgan_vk_extra* out) {
	memset(out, 0, sizeof(*out));
	PFN_vkGetInstanceProcAddr gi = ocgan_vk_gipa(gipa);
	PFN_vkGetPhysicalDeviceProperties2 gp2 =
	    (PFN_vkGetPhysicalDeviceProperties2)gi(instance, "vkGetPhysicalDeviceProperties2");
	PFN_vkGetPhysicalDeviceFeatures2 gf2 = (PFN_vkGetPhysicalDeviceFeatures2)gi(instance, "vkGetPhysicalDeviceFeatures2");
	if (!gp2 || !gf2) return;
	int driver_props = use12 || has_driver_ext;

	VkPhysicalDeviceSubgroupProperties sg = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
	VkPhysicalDeviceMaintenance3Properties m3 = {
	    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES, .pNext = &sg};
	VkPhysicalDeviceIDProperties idp = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES, .pNext = &m3};
	// VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES (1.2) has the KHR value.
	VkPhysicalDeviceDriverPropertiesKHR drv = {
	    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES_KHR, .pNext = &idp};
	VkPhysicalDeviceProperties2 p2 = {
	    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
	    .pNext = driver_props ? (void*)&drv : (void*)&idp,
	};
	gp2((VkPhysicalDevice)phys, &p2);
	out->subgroup_size = sg.subgroupSize;
	out->subgroup_stages = sg.supportedStages;
	out->subgroup_ops = sg.supportedOperations;
	out->max_memory_allocation_size = m3.maxMemoryAllocationSize;
	out->max_per_set_descriptors = m3.maxPerSetDescriptors;
	memcpy(out->device_uuid, idp.deviceUUID, VK_UUID_SIZE);
	memcpy(out->driver_uuid, idp.driverUUID, VK_UUID_SIZE);
	if (driver_props) {
		out->has_driver_props = 1;
		out->driver_id = drv.driverID;
		memcpy(out->driver_name, drv.driverName, VK_MAX_DRIVER_NAME_SIZE_KHR);
		out->driver_name[VK_MAX_DRIVER_NAME_SIZE_KHR - 1] = 0;
		memcpy(out->driver_info, drv.driverInfo, VK_MAX_DRIVER_INFO_SIZE_KHR);
		out->driver_info[VK_MAX_DRIVER_INFO_SIZE_KHR - 1] = 0;
	}

	ocgan_VkPhysicalDeviceSubgroupSizeControlFeaturesEXT ssc = {
	    .sType = OCGAN_VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT};
	void* tail = has_size_control_ext ? &ssc : NULL;
	ocgan_VkPhysicalDeviceShaderFloat16Int8Features f16 = {
	    .sType = OCGAN_VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES, .pNext = tail};
	VkPhysicalDevice16BitStorageFeatures s16 = {
	    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES, .pNext = tail};
	if (use12 || has_f16_ext) {
		s16.pNext = &f16;
		out->has_float16_query = 1;
	}
	VkPhysicalDeviceFeatures2 f2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &s16};
	gf2((VkPhysicalDevice)phys, &f2);
	out->storage_buffer_16bit = s16.storageBuffer16BitAccess;
	out->storage_push_constant_16 = s16.storagePushConstant16;
	out->shader_float16 = f16.shaderFloat16;
	out->shader_int8 = f16.shaderInt8;
	out->compute_full_subgroups = has_size_control_ext ? ssc.computeFullSubgroups : 0;
}

// chain_link allocates a zeroed feature structure of size bytes with sType stype,
// linked after *tail, which it then points at; NULL when out of memory.
static void* chain_link(VkBaseOutStructure** tail, size_t size, VkStructureType stype) {
	VkBaseOutStructure* h = calloc(1, size);
	if (!h) return NULL;
	h->sType = stype;
	(*tail)->pNext = h;
	*tail = h;
	return h;
}

void* ocgan_vk_feature_chain(int storage16, int push16, int f16, int full_subgroups) {
	VkPhysicalDevice16BitStorageFeatures* s = calloc(1, sizeof(*s));
	if (!s) return NULL;
	s->sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
	s->storageBuffer16BitAccess = storage16 ? VK_TRUE : VK_FALSE;
	s->storagePushConstant16 = push16 ? VK_TRUE : VK_FALSE;
	VkBaseOutStructure* tail = (VkBaseOutStructure*)s;
	if (f16) {
		ocgan_VkPhysicalDeviceShaderFloat16Int8Features* h =
		    chain_link(&tail, sizeof(*h), OCGAN_VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES);
		if (!h) goto oom;
		h->shaderFloat16 = VK_TRUE;
	}
	if (full_subgroups) {
		ocgan_VkPhysicalDeviceSubgroupSizeControlFeaturesEXT* z =
		    chain_link(&tail, sizeof(*z), OCGAN_VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT);
		if (!z) goto oom;
		z->computeFullSubgroups = VK_TRUE;
	}
	return s;
oom:
	ocgan_vk_free(s);
	return NULL;
}

void ocgan_vk_free(void* p) {
	// Frees a chain made by ocgan_vk_feature_chain or a single calloc'd block.
	while (p) {
		void* next = ((VkBaseOutStructure*)p)->pNext;
		free(p);
		p = next;
	}
}
