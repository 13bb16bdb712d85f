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
typedef struct { int32_t sType; void* pNext; uint32_t src, dst; } memory_barrier;

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
                          int has_f16_ext, ocgan_vk_extra* out) {
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

	f16i8_features f16 = {ST_FLOAT16_INT8_FEATURES, NULL};
	storage16_features s16 = {ST_16BIT_STORAGE_FEATURES, NULL};
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
}

void* ocgan_vk_feature_chain(int storage16, int push16, int f16) {
	storage16_features* s = calloc(1, sizeof(*s));
	if (!s) return NULL;
	s->sType = ST_16BIT_STORAGE_FEATURES;
	s->sb16 = storage16 ? 1 : 0;
	s->pc16 = push16 ? 1 : 0;
	if (f16) {
		f16i8_features* h = calloc(1, sizeof(*h));
		if (!h) {
			free(s);
			return NULL;
		}
		h->sType = ST_FLOAT16_INT8_FEATURES;
		h->f16 = 1;
		s->pNext = h;
	}
	return s;
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

static VkBool32 debug_callback(uint32_t flags, int32_t objtype, uint64_t object, size_t location,
                               int32_t code, const char* prefix, const char* msg, void* user) {
	(void)objtype;
	(void)object;
	(void)location;
	(void)code;
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
	if (!c->bind_pipeline || !c->bind_sets || !c->push || !c->dispatch || !c->barrier || !c->timestamp ||
	    !c->submit || !c->wait || !c->reset) {
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

int64_t ocgan_vk_submit_wait(ocgan_vk_cmds* c, void* queue, void* device, void* cmd, uint64_t fence) {
	enum { ST_SUBMIT_INFO = 4 };
	void* cmds[1] = {cmd};
	submit_info info = {ST_SUBMIT_INFO, NULL, 0, NULL, NULL, 1, cmds, 0, NULL};
	VkResult r = c->submit(queue, 1, &info, fence);
	if (r != 0) return (uint32_t)r;
	r = c->wait(device, 1, &fence, 1, UINT64_MAX);
	if (r != 0) return (1ll << 32) | (uint32_t)r;
	return (2ll << 32) | (uint32_t)c->reset(device, 1, &fence);
}
