#include "shim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Hand-declared Vulkan types: only what this file touches.
typedef int32_t VkResult;
typedef uint32_t VkBool32;
typedef void (*PFN_void)(void);
typedef PFN_void (*PFN_gipa)(void* instance, const char* name);
typedef PFN_void (*PFN_gdpa)(void* device, const char* name);

enum {
	ST_MEMORY_BARRIER = 46,
	ST_DEBUG_REPORT_CREATE_INFO = 1000011000,
	ST_FEATURES_2 = 1000059000,
	ST_PROPERTIES_2 = 1000059001,
	ST_ID_PROPERTIES = 1000071004,
	ST_FLOAT16_INT8_FEATURES = 1000082000,
	ST_16BIT_STORAGE_FEATURES = 1000083000,
	ST_SUBGROUP_PROPERTIES = 1000094000,
	ST_MAINTENANCE_3_PROPERTIES = 1000168000,
	ST_DRIVER_PROPERTIES = 1000196000,
	ST_SUBGROUP_SIZE_CONTROL_FEATURES = 1000225002,
};

typedef struct { int32_t sType; void* pNext; } chain_head;
typedef struct { int32_t sType; void* pNext; VkBool32 f[55]; } features2;
typedef struct { int32_t sType; void* pNext; uint64_t props[128]; } properties2;
typedef struct { int32_t sType; void* pNext; uint32_t size, stages, ops; VkBool32 quad; } subgroup_props;
typedef struct { int32_t sType; void* pNext; uint32_t per_set; uint64_t max_alloc; } maint3_props;
typedef struct { int32_t sType; void* pNext; uint8_t dev[16], drv[16], luid[8]; uint32_t mask; VkBool32 luid_valid; } id_props;
typedef struct { int32_t sType; void* pNext; int32_t id; char name[256]; char info[256]; uint8_t conf[4]; } driver_props;
typedef struct { int32_t sType; void* pNext; VkBool32 sb16, ubsb16, pc16, io16; } storage16_features;
typedef struct { int32_t sType; void* pNext; VkBool32 f16, i8; } f16i8_features;
typedef struct { int32_t sType; void* pNext; VkBool32 size_control, full; } size_control_features;
typedef struct { int32_t sType; void* pNext; uint32_t src, dst; } memory_barrier;
typedef struct { char name[256]; uint32_t spec, impl; char desc[256]; } layer_props;
typedef struct { char name[256]; uint32_t spec; } ext_props;
typedef struct { uint32_t flags, count, ts_bits, gw, gh, gd; } queue_family_props;
typedef struct {
	int32_t sType;
	const void* pNext;
	const char* app;
	uint32_t appVersion;
	const char* engine;
	uint32_t engineVersion;
	uint32_t api;
} app_info;
typedef struct {
	int32_t sType;
	const void* pNext;
	uint32_t flags;
	const app_info* app;
	uint32_t nlayers;
	const char* const* layers;
	uint32_t nexts;
	const char* const* exts;
} instance_info;
typedef struct {
	int32_t sType;
	const void* pNext;
	uint32_t flags;
	uint32_t family;
	uint32_t count;
	const float* priorities;
} queue_info;
typedef struct {
	int32_t sType;
	const void* pNext;
	uint32_t flags;
	uint32_t nqueues;
	const queue_info* queues;
	uint32_t nlayers;
	const char* const* layers;
	uint32_t nexts;
	const char* const* exts;
	const void* features;
} device_info;

enum {
	ST_APPLICATION_INFO = 0,
	ST_INSTANCE_CREATE_INFO = 1,
	ST_DEVICE_QUEUE_CREATE_INFO = 2,
	ST_DEVICE_CREATE_INFO = 3,
	ST_SHADER_MODULE_CREATE_INFO = 16,
	ST_PIPELINE_SHADER_STAGE_CREATE_INFO = 18,
	ST_COMPUTE_PIPELINE_CREATE_INFO = 29,
	ST_PIPELINE_LAYOUT_CREATE_INFO = 30,
	ST_DESCRIPTOR_SET_LAYOUT_CREATE_INFO = 32,
	ST_DESCRIPTOR_POOL_CREATE_INFO = 33,
	ST_DESCRIPTOR_SET_ALLOCATE_INFO = 34,
	ST_WRITE_DESCRIPTOR_SET = 35,
	DESCRIPTOR_STORAGE_BUFFER = 7,
	STAGE_BIT_COMPUTE = 0x20,
	QUEUE_GRAPHICS = 1,
	QUEUE_COMPUTE = 2,
};

// split_names fills out[] with pointers to the n NUL-separated names in packed.
static void split_names(const char* packed, uint32_t n, const char** out) {
	for (uint32_t i = 0; i < n; i++) {
		out[i] = packed;
		packed += strlen(packed) + 1;
	}
}

int32_t ocgan_vk_create_instance(void* gipa, uint32_t api, const char* layers, uint32_t nlayers,
                                 const char* exts, uint32_t nexts, const void* pnext, void** out) {
	typedef VkResult (*PFN)(const instance_info*, const void*, void**);
	PFN create = (PFN)((PFN_gipa)gipa)(NULL, "vkCreateInstance");
	if (!create) return -3;  // VK_ERROR_INITIALIZATION_FAILED
	const char* lnames[16];
	const char* enames[16];
	if (nlayers > 16 || nexts > 16) return -3;
	split_names(layers, nlayers, lnames);
	split_names(exts, nexts, enames);
	app_info app = {ST_APPLICATION_INFO, NULL, "ocgan", 0, "ocgan-runtime", 0, api};
	instance_info info = {ST_INSTANCE_CREATE_INFO, pnext, 0, &app, nlayers, lnames, nexts, enames};
	*out = NULL;
	return create(&info, NULL, out);
}

int ocgan_vk_has_instance_layer(void* gipa, const char* name) {
	typedef VkResult (*PFN)(uint32_t*, layer_props*);
	PFN list = (PFN)((PFN_gipa)gipa)(NULL, "vkEnumerateInstanceLayerProperties");
	if (!list) return 0;
	uint32_t n = 0;
	if (list(&n, NULL) != 0 || n == 0) return 0;
	layer_props* props = calloc(n, sizeof(*props));
	if (!props) return 0;
	int found = 0;
	if (list(&n, props) >= 0) {
		for (uint32_t i = 0; i < n && !found; i++) found = strncmp(props[i].name, name, 256) == 0;
	}
	free(props);
	return found;
}

int ocgan_vk_has_device_extension(void* gipa, void* instance, void* phys, const char* name) {
	typedef VkResult (*PFN)(void*, const char*, uint32_t*, ext_props*);
	PFN list = (PFN)((PFN_gipa)gipa)(instance, "vkEnumerateDeviceExtensionProperties");
	if (!list) return 0;
	uint32_t n = 0;
	if (list(phys, NULL, &n, NULL) != 0 || n == 0) return 0;
	ext_props* props = calloc(n, sizeof(*props));
	if (!props) return 0;
	int found = 0;
	if (list(phys, NULL, &n, props) >= 0) {
		for (uint32_t i = 0; i < n && !found; i++) found = strncmp(props[i].name, name, 256) == 0;
	}
	free(props);
	return found;
}

int32_t ocgan_vk_compute_queue(void* gipa, void* instance, void* phys, uint32_t* ts_bits) {
	typedef void (*PFN)(void*, uint32_t*, queue_family_props*);
	PFN list = (PFN)((PFN_gipa)gipa)(instance, "vkGetPhysicalDeviceQueueFamilyProperties");
	*ts_bits = 0;
	if (!list) return -1;
	uint32_t n = 0;
	list(phys, &n, NULL);
	if (n == 0) return -1;
	queue_family_props* props = calloc(n, sizeof(*props));
	if (!props) return -1;
	list(phys, &n, props);
	int32_t best = -1;
	for (int pass = 0; pass < 2 && best < 0; pass++) {
		for (uint32_t i = 0; i < n; i++) {
			int compute = (props[i].flags & QUEUE_COMPUTE) != 0, graphics = (props[i].flags & QUEUE_GRAPHICS) != 0;
			if (compute && props[i].count > 0 && (pass == 1 || !graphics)) {
				best = (int32_t)i;
				*ts_bits = props[i].ts_bits;
				break;
			}
		}
	}
	free(props);
	return best;
}

int32_t ocgan_vk_create_device(void* gipa, void* instance, void* phys, uint32_t family, const char* exts,
                               uint32_t nexts, const void* chain, void** out) {
	typedef VkResult (*PFN)(void*, const device_info*, const void*, void**);
	PFN create = (PFN)((PFN_gipa)gipa)(instance, "vkCreateDevice");
	if (!create) return -3;
	const char* enames[16];
	if (nexts > 16) return -3;
	split_names(exts, nexts, enames);
	float priority = 1.0f;
	queue_info q = {ST_DEVICE_QUEUE_CREATE_INFO, NULL, 0, family, 1, &priority};
	device_info info = {ST_DEVICE_CREATE_INFO, chain, 0, 1, &q, 0, NULL, nexts, enames, NULL};
	*out = NULL;
	return create(phys, &info, NULL, out);
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
	typedef VkResult (*PFN)(uint32_t*);
	PFN f = (PFN)((PFN_gipa)gipa)(NULL, "vkEnumerateInstanceVersion");
	uint32_t v = (1u << 22);
	if (f && f(&v) != 0) v = (1u << 22);
	return v;
}

void ocgan_vk_query_extra(void* gipa, void* instance, void* phys, int use12, int has_driver_ext,
                          int has_f16_ext, int has_size_control_ext, ocgan_vk_extra* out) {
	memset(out, 0, sizeof(*out));
	PFN_gipa gi = (PFN_gipa)gipa;
	typedef void (*PFN_props2)(void*, properties2*);
	typedef void (*PFN_feats2)(void*, features2*);
	PFN_props2 gp2 = (PFN_props2)gi(instance, "vkGetPhysicalDeviceProperties2");
	PFN_feats2 gf2 = (PFN_feats2)gi(instance, "vkGetPhysicalDeviceFeatures2");
	if (!gp2 || !gf2) return;

	subgroup_props sg = {ST_SUBGROUP_PROPERTIES, NULL};
	maint3_props m3 = {ST_MAINTENANCE_3_PROPERTIES, &sg};
	id_props idp = {ST_ID_PROPERTIES, &m3};
	driver_props drv = {ST_DRIVER_PROPERTIES, &idp};
	properties2 p2;
	memset(&p2, 0, sizeof(p2));
	p2.sType = ST_PROPERTIES_2;
	p2.pNext = (use12 || has_driver_ext) ? (void*)&drv : (void*)&idp;
	gp2(phys, &p2);
	out->subgroup_size = sg.size;
	out->subgroup_stages = sg.stages;
	out->subgroup_ops = sg.ops;
	out->max_memory_allocation_size = m3.max_alloc;
	out->max_per_set_descriptors = m3.per_set;
	memcpy(out->device_uuid, idp.dev, 16);
	memcpy(out->driver_uuid, idp.drv, 16);
	if (use12 || has_driver_ext) {
		out->has_driver_props = 1;
		out->driver_id = drv.id;
		memcpy(out->driver_name, drv.name, 256);
		out->driver_name[255] = 0;
		memcpy(out->driver_info, drv.info, 256);
		out->driver_info[255] = 0;
	}

	size_control_features ssc = {ST_SUBGROUP_SIZE_CONTROL_FEATURES, NULL};
	f16i8_features f16 = {ST_FLOAT16_INT8_FEATURES, has_size_control_ext ? &ssc : NULL};
	storage16_features s16 = {ST_16BIT_STORAGE_FEATURES, has_size_control_ext ? &ssc : NULL};
	if (use12 || has_f16_ext) {
		s16.pNext = &f16;
		out->has_float16_query = 1;
	}
	features2 f2;
	memset(&f2, 0, sizeof(f2));
	f2.sType = ST_FEATURES_2;
	f2.pNext = &s16;
	gf2(phys, &f2);
	out->storage_buffer_16bit = s16.sb16;
	out->storage_push_constant_16 = s16.pc16;
	out->shader_float16 = f16.f16;
	out->shader_int8 = f16.i8;
	out->compute_full_subgroups = has_size_control_ext ? ssc.full : 0;
}

// chain_link allocates a zeroed feature structure of size bytes with sType stype,
// linked after *tail, which it then points at; NULL when out of memory.
static void* chain_link(chain_head** tail, size_t size, int32_t stype) {
	chain_head* h = calloc(1, size);
	if (!h) return NULL;
	h->sType = stype;
	(*tail)->pNext = h;
	*tail = h;
	return h;
}

void* ocgan_vk_feature_chain(int storage16, int push16, int f16, int full_subgroups) {
	storage16_features* s = calloc(1, sizeof(*s));
	if (!s) return NULL;
	s->sType = ST_16BIT_STORAGE_FEATURES;
	s->sb16 = storage16 ? 1 : 0;
	s->pc16 = push16 ? 1 : 0;
	chain_head* tail = (chain_head*)s;
	if (f16) {
		f16i8_features* h = chain_link(&tail, sizeof(*h), ST_FLOAT16_INT8_FEATURES);
		if (!h) goto oom;
		h->f16 = 1;
	}
	if (full_subgroups) {
		size_control_features* z = chain_link(&tail, sizeof(*z), ST_SUBGROUP_SIZE_CONTROL_FEATURES);
		if (!z) goto oom;
		z->full = 1;
	}
	return s;
oom:
	ocgan_vk_free(s);
	return NULL;
}

void ocgan_vk_free(void* p) {
	// Frees a chain made by ocgan_vk_feature_chain or a single calloc'd block.
	while (p) {
		void* next = ((chain_head*)p)->pNext;
		free(p);
		p = next;
	}
}

struct ocgan_vk_msglog {
	pthread_mutex_t mu;
	char* buf;
	size_t len, cap;
	int count;
};

ocgan_vk_msglog* ocgan_vk_msglog_new(void) {
	ocgan_vk_msglog* l = calloc(1, sizeof(*l));
	if (l) pthread_mutex_init(&l->mu, NULL);
	return l;
}

void ocgan_vk_msglog_free(ocgan_vk_msglog* l) {
	if (!l) return;
	pthread_mutex_destroy(&l->mu);
	free(l->buf);
	free(l);
}

static void msglog_append(ocgan_vk_msglog* l, const char* s) {
	size_t n = strlen(s);
	if (l->len + n + 1 > l->cap) {
		size_t c = l->cap ? l->cap : 4096;
		while (c < l->len + n + 1) c *= 2;
		if (c > (1u << 24)) return;  // keep at most 16 MiB of messages
		char* b = realloc(l->buf, c);
		if (!b) return;
		l->buf = b;
		l->cap = c;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = 0;
}

int ocgan_vk_msglog_drain(ocgan_vk_msglog* l, char* buf, size_t cap) {
	pthread_mutex_lock(&l->mu);
	int count = l->count;
	size_t n = l->len < cap - 1 ? l->len : cap - 1;
	if (l->buf) memcpy(buf, l->buf, n);
	buf[n] = 0;
	l->len = 0;
	l->count = 0;
	pthread_mutex_unlock(&l->mu);
	return count;
}

// benign_loader_message reports messages of the loader about driver manifests
// it cannot use: on a multiarch system (e.g. Debian with arm64 or i386 Mesa
// installed too) the loader finds the other architectures' ICD JSON files and
// reports at error level that their libraries do not load. They say nothing
// about this program's use of Vulkan, so they are not validation errors.
static int benign_loader_message(const char* prefix, const char* msg) {
	if (!prefix || !msg || strcmp(prefix, "Loader Message") != 0) return 0;
	return strstr(msg, "loader_icd_scan") != NULL || strstr(msg, "cannot open shared object file") != NULL ||
	       strstr(msg, "wrong ELF class") != NULL;
}

static VkBool32 debug_callback(uint32_t flags, int32_t objtype, uint64_t object, size_t location,
                               int32_t code, const char* prefix, const char* msg, void* user) {
	(void)objtype;
	(void)object;
	(void)location;
	(void)code;
	if (benign_loader_message(prefix, msg)) return 0;
	ocgan_vk_msglog* l = user;
	const char* kind = (flags & 8) ? "error" : (flags & 4) ? "performance warning" : "warning";
	pthread_mutex_lock(&l->mu);
	msglog_append(l, "[");
	msglog_append(l, prefix ? prefix : "?");
	msglog_append(l, " ");
	msglog_append(l, kind);
	msglog_append(l, "] ");
	msglog_append(l, msg ? msg : "");
	msglog_append(l, "\n");
	l->count++;
	pthread_mutex_unlock(&l->mu);
	return 0;  // never abort the call
}

typedef struct {
	int32_t sType;
	void* pNext;
	uint32_t flags;
	void* pfn;
	void* user;
} debug_report_info;

void* ocgan_vk_debug_create_info(ocgan_vk_msglog* log) {
	debug_report_info* d = calloc(1, sizeof(*d));
	if (!d) return NULL;
	d->sType = ST_DEBUG_REPORT_CREATE_INFO;
	d->flags = 2 | 4 | 8;  // warning, performance warning, error
	d->pfn = (void*)debug_callback;
	d->user = log;
	return d;
}

int32_t ocgan_vk_debug_register(void* gipa, void* instance, void* info, uint64_t* callback) {
	typedef VkResult (*PFN)(void*, const void*, const void*, uint64_t*);
	PFN f = (PFN)((PFN_gipa)gipa)(instance, "vkCreateDebugReportCallbackEXT");
	if (!f) return -7;  // VK_ERROR_EXTENSION_NOT_PRESENT
	return f(instance, info, NULL, callback);
}

void ocgan_vk_debug_unregister(void* gipa, void* instance, uint64_t callback) {
	typedef void (*PFN)(void*, uint64_t, const void*);
	PFN f = (PFN)((PFN_gipa)gipa)(instance, "vkDestroyDebugReportCallbackEXT");
	if (f) f(instance, callback, NULL);
}

typedef void (*PFN_bind_pipeline)(void*, uint32_t, uint64_t);
typedef void (*PFN_bind_sets)(void*, uint32_t, uint64_t, uint32_t, uint32_t, const uint64_t*, uint32_t,
                              const uint32_t*);
typedef void (*PFN_push)(void*, uint64_t, uint32_t, uint32_t, uint32_t, const void*);
typedef void (*PFN_dispatch)(void*, uint32_t, uint32_t, uint32_t);
typedef void (*PFN_barrier)(void*, uint32_t, uint32_t, uint32_t, uint32_t, const void*, uint32_t,
                            const void*, uint32_t, const void*);
typedef void (*PFN_timestamp)(void*, uint32_t, uint64_t, uint32_t);
typedef struct {
	int32_t sType;
	const void* pNext;
	uint32_t waitCount;
	const void* pWait;
	const void* pWaitStages;
	uint32_t cmdCount;
	void* const* pCmds;
	uint32_t signalCount;
	const void* pSignal;
} submit_info;
typedef VkResult (*PFN_submit)(void*, uint32_t, const submit_info*, uint64_t);
typedef void (*PFN_copy)(void*, uint64_t, uint64_t, uint32_t, const uint64_t*);
typedef VkResult (*PFN_create)(void*, const void*, const void*, uint64_t*);
typedef VkResult (*PFN_create_pipes)(void*, uint64_t, uint32_t, const void*, const void*, uint64_t*);
typedef VkResult (*PFN_alloc_sets)(void*, const void*, uint64_t*);
typedef void (*PFN_update_sets)(void*, uint32_t, const void*, uint32_t, const void*);
typedef VkResult (*PFN_wait)(void*, uint32_t, const uint64_t*, VkBool32, uint64_t);
typedef VkResult (*PFN_reset)(void*, uint32_t, const uint64_t*);

struct ocgan_vk_cmds {
	PFN_bind_pipeline bind_pipeline;
	PFN_bind_sets bind_sets;
	PFN_push push;
	PFN_dispatch dispatch;
	PFN_barrier barrier;
	PFN_timestamp timestamp;
	PFN_submit submit;
	PFN_wait wait;
	PFN_reset reset;
	PFN_copy copy;
	PFN_create create_module, create_set_layout, create_layout, create_pool;
	PFN_create_pipes create_pipes;
	PFN_alloc_sets alloc_sets;
	PFN_update_sets update_sets;
};

ocgan_vk_cmds* ocgan_vk_cmds_new(void* gipa, void* instance, void* device) {
	PFN_gdpa gd = (PFN_gdpa)((PFN_gipa)gipa)(instance, "vkGetDeviceProcAddr");
	if (!gd) return NULL;
	ocgan_vk_cmds* c = calloc(1, sizeof(*c));
	if (!c) return NULL;
	c->bind_pipeline = (PFN_bind_pipeline)gd(device, "vkCmdBindPipeline");
	c->bind_sets = (PFN_bind_sets)gd(device, "vkCmdBindDescriptorSets");
	c->push = (PFN_push)gd(device, "vkCmdPushConstants");
	c->dispatch = (PFN_dispatch)gd(device, "vkCmdDispatch");
	c->barrier = (PFN_barrier)gd(device, "vkCmdPipelineBarrier");
	c->timestamp = (PFN_timestamp)gd(device, "vkCmdWriteTimestamp");
	c->submit = (PFN_submit)gd(device, "vkQueueSubmit");
	c->wait = (PFN_wait)gd(device, "vkWaitForFences");
	c->reset = (PFN_reset)gd(device, "vkResetFences");
	c->copy = (PFN_copy)gd(device, "vkCmdCopyBuffer");
	c->create_module = (PFN_create)gd(device, "vkCreateShaderModule");
	c->create_set_layout = (PFN_create)gd(device, "vkCreateDescriptorSetLayout");
	c->create_layout = (PFN_create)gd(device, "vkCreatePipelineLayout");
	c->create_pool = (PFN_create)gd(device, "vkCreateDescriptorPool");
	c->create_pipes = (PFN_create_pipes)gd(device, "vkCreateComputePipelines");
	c->alloc_sets = (PFN_alloc_sets)gd(device, "vkAllocateDescriptorSets");
	c->update_sets = (PFN_update_sets)gd(device, "vkUpdateDescriptorSets");
	if (!c->bind_pipeline || !c->bind_sets || !c->push || !c->dispatch || !c->barrier || !c->timestamp ||
	    !c->submit || !c->wait || !c->reset || !c->copy || !c->create_module || !c->create_set_layout ||
	    !c->create_layout || !c->create_pool || !c->create_pipes || !c->alloc_sets || !c->update_sets) {
		free(c);
		return NULL;
	}
	return c;
}

void ocgan_vk_cmds_free(ocgan_vk_cmds* c) { free(c); }

enum { BIND_POINT_COMPUTE = 1, STAGE_COMPUTE_SHADER = 0x20 };

void ocgan_vk_cmd_dispatch(ocgan_vk_cmds* c, void* cmd, int bind, uint64_t pipeline, uint64_t layout,
                           uint64_t set, const void* push, uint32_t push_size, uint32_t x, uint32_t y,
                           uint32_t z) {
	if (bind & 1) c->bind_pipeline(cmd, BIND_POINT_COMPUTE, pipeline);
	if (bind & 2) c->bind_sets(cmd, BIND_POINT_COMPUTE, layout, 0, 1, &set, 0, NULL);
	if (push_size) c->push(cmd, layout, STAGE_COMPUTE_SHADER, 0, push_size, push);
	c->dispatch(cmd, x, y, z);
}

void ocgan_vk_cmd_barrier(ocgan_vk_cmds* c, void* cmd, uint32_t src_stage, uint32_t src_access,
                          uint32_t dst_stage, uint32_t dst_access) {
	memory_barrier b = {ST_MEMORY_BARRIER, NULL, src_access, dst_access};
	c->barrier(cmd, src_stage, dst_stage, 0, 1, &b, 0, NULL, 0, NULL);
}

void ocgan_vk_cmd_timestamp(ocgan_vk_cmds* c, void* cmd, uint32_t stage, uint64_t pool, uint32_t query) {
	c->timestamp(cmd, stage, pool, query);
}

int64_t ocgan_vk_submit_wait(ocgan_vk_cmds* c, void* queue, void* device, void* cmd, uint64_t fence,
                             uint64_t timeout_ns) {
	enum { ST_SUBMIT_INFO = 4 };
	void* cmds[1] = {cmd};
	submit_info info = {ST_SUBMIT_INFO, NULL, 0, NULL, NULL, 1, cmds, 0, NULL};
	VkResult r = c->submit(queue, 1, &info, fence);
	if (r != 0) return (uint32_t)r;
	r = c->wait(device, 1, &fence, 1, timeout_ns);
	if (r != 0) return (1ll << 32) | (uint32_t)r;
	return (2ll << 32) | (uint32_t)c->reset(device, 1, &fence);
}

int32_t ocgan_vk_wait(ocgan_vk_cmds* c, void* device, uint64_t fence, uint64_t timeout_ns) {
	return c->wait(device, 1, &fence, 1, timeout_ns);
}

void ocgan_vk_cmd_copy(ocgan_vk_cmds* c, void* cmd, uint64_t src, uint64_t dst, uint64_t src_off, uint64_t dst_off,
                       uint64_t size) {
	uint64_t region[3] = {src_off, dst_off, size};  // VkBufferCopy
	c->copy(cmd, src, dst, 1, region);
}

typedef struct { int32_t sType; const void* pNext; uint32_t flags; size_t size; const uint32_t* code; } module_info;
typedef struct { uint32_t binding, type, count, stages; const void* samplers; } set_binding;
typedef struct { int32_t sType; const void* pNext; uint32_t flags, n; const set_binding* bindings; } set_layout_info;
typedef struct { uint32_t stages, offset, size; } push_range;
typedef struct {
	int32_t sType;
	const void* pNext;
	uint32_t flags;
	uint32_t nsets;
	const uint64_t* sets;
	uint32_t npush;
	const push_range* push;
} layout_info;
typedef struct { uint32_t id, offset; size_t size; } spec_entry;
typedef struct { uint32_t n; const spec_entry* entries; size_t size; const void* data; } spec_info;
typedef struct {
	int32_t sType;
	const void* pNext;
	uint32_t flags;
	uint32_t stage;
	uint64_t module;
	const char* name;
	const spec_info* spec;
} stage_info;
typedef struct {
	int32_t sType;
	const void* pNext;
	uint32_t flags;
	stage_info stage;
	uint64_t layout;
	uint64_t base;
	int32_t base_index;
} pipeline_info;

int64_t ocgan_vk_create_kernel(ocgan_vk_cmds* c, void* device, uint64_t cache, const uint32_t* code, size_t code_bytes,
                               uint32_t nbind, uint32_t push_bytes, const uint32_t* spec, uint32_t nspec,
                               uint32_t stage_flags, void** out) {
	uint64_t h[4] = {0, 0, 0, 0};
	int64_t stage = 0;
	VkResult r;
	module_info mi = {ST_SHADER_MODULE_CREATE_INFO, NULL, 0, code_bytes, code};
	r = c->create_module(device, &mi, NULL, &h[0]);
	if (r == 0) {
		stage = 1;
		set_binding b[32];
		if (nbind > 32) nbind = 32;
		for (uint32_t i = 0; i < nbind; i++) {
			set_binding x = {i, DESCRIPTOR_STORAGE_BUFFER, 1, STAGE_BIT_COMPUTE, NULL};
			b[i] = x;
		}
		set_layout_info li = {ST_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, NULL, 0, nbind, b};
		r = c->create_set_layout(device, &li, NULL, &h[1]);
	}
	if (r == 0) {
		stage = 2;
		push_range pr = {STAGE_BIT_COMPUTE, 0, push_bytes};
		layout_info pi = {ST_PIPELINE_LAYOUT_CREATE_INFO, NULL, 0, 1, &h[1], push_bytes ? 1u : 0u, push_bytes ? &pr : NULL};
		r = c->create_layout(device, &pi, NULL, &h[2]);
	}
	if (r == 0) {
		stage = 3;
		spec_entry entries[16];
		if (nspec > 16) nspec = 16;
		for (uint32_t i = 0; i < nspec; i++) {
			spec_entry e = {i, 4 * i, 4};
			entries[i] = e;
		}
		spec_info si = {nspec, entries, 4 * (size_t)nspec, spec};
		pipeline_info pi;
		memset(&pi, 0, sizeof(pi));
		pi.sType = ST_COMPUTE_PIPELINE_CREATE_INFO;
		pi.stage.sType = ST_PIPELINE_SHADER_STAGE_CREATE_INFO;
		pi.stage.flags = stage_flags;
		pi.stage.stage = STAGE_BIT_COMPUTE;
		pi.stage.module = h[0];
		pi.stage.name = "main";
		pi.stage.spec = nspec ? &si : NULL;
		pi.layout = h[2];
		pi.base_index = -1;
		r = c->create_pipes(device, cache, 1, &pi, NULL, &h[3]);
	}
	for (int i = 0; i < 4; i++) out[i] = (void*)(uintptr_t)h[i];
	return (stage << 32) | (uint32_t)r;
}

typedef struct { uint32_t type, count; } pool_size;
typedef struct {
	int32_t sType;
	const void* pNext;
	uint32_t flags, max_sets, nsizes;
	const pool_size* sizes;
} pool_info;

int32_t ocgan_vk_create_pool(ocgan_vk_cmds* c, void* device, uint32_t max_sets, uint32_t descriptors, void** out) {
	pool_size ps = {DESCRIPTOR_STORAGE_BUFFER, descriptors};
	pool_info pi = {ST_DESCRIPTOR_POOL_CREATE_INFO, NULL, 0, max_sets, 1, &ps};
	uint64_t h = 0;
	VkResult r = c->create_pool(device, &pi, NULL, &h);
	*out = (void*)(uintptr_t)h;
	return r;
}

typedef struct { int32_t sType; const void* pNext; uint64_t pool; uint32_t n; const uint64_t* layouts; } set_alloc_info;

int32_t ocgan_vk_alloc_set(ocgan_vk_cmds* c, void* device, uint64_t pool, uint64_t layout, void** out) {
	set_alloc_info ai = {ST_DESCRIPTOR_SET_ALLOCATE_INFO, NULL, pool, 1, &layout};
	uint64_t h = 0;
	VkResult r = c->alloc_sets(device, &ai, &h);
	*out = (void*)(uintptr_t)h;
	return r;
}

typedef struct { uint64_t buffer, offset, range; } buffer_info;
typedef struct {
	int32_t sType;
	const void* pNext;
	uint64_t set;
	uint32_t binding, element, count, type;
	const void* images;
	const buffer_info* buffers;
	const void* views;
} write_set;

void ocgan_vk_write_set(ocgan_vk_cmds* c, void* device, uint64_t set, uint32_t n, const uint64_t* bufs,
                        const uint64_t* offsets, const uint64_t* ranges) {
	buffer_info bi[32];
	write_set w[32];
	if (n > 32) n = 32;
	for (uint32_t i = 0; i < n; i++) {
		buffer_info b = {bufs[i], offsets[i], ranges[i]};
		bi[i] = b;
		write_set x = {ST_WRITE_DESCRIPTOR_SET, NULL, set, i, 0, 1, DESCRIPTOR_STORAGE_BUFFER, NULL, &bi[i], NULL};
		w[i] = x;
	}
	c->update_sets(device, n, w, 0, NULL);
}
