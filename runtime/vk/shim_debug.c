// The shim's validation part: a debug report callback that collects messages in
// C, so that no Go callback runs on driver threads.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "shim_vk.h"

// The collected text starts at msglog_initial_bytes and grows to at most
// msglog_max_bytes (16 MiB); messages beyond that are dropped.
enum { msglog_initial_bytes = 4096, msglog_max_bytes = 1 << 24 };

// debug_flags are the report kinds collected.
static const VkDebugReportFlagsEXT debug_flags =
    VK_DEBUG_REPORT_WARNING_BIT_EXT | VK_DEBUG_REPORT_PERFORMANCE_WARNING_BIT_EXT | VK_DEBUG_REPORT_ERROR_BIT_EXT;

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
		size_t c = l->cap ? l->cap : msglog_initial_bytes;
		while (c < l->len + n + 1) c *= 2;
		if (c > msglog_max_bytes) return;
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

static const char* report_kind(VkDebugReportFlagsEXT flags) {
	if (flags & VK_DEBUG_REPORT_ERROR_BIT_EXT) return "error";
	if (flags & VK_DEBUG_REPORT_PERFORMANCE_WARNING_BIT_EXT) return "performance warning";
	return "warning";
}

static VkBool32 VKAPI_PTR debug_callback(VkDebugReportFlagsEXT flags, VkDebugReportObjectTypeEXT objtype,
                                         uint64_t object, size_t location, int32_t code, const char* prefix,
                                         const char* msg, void* user) {
	(void)objtype;
	(void)object;
	(void)location;
	(void)code;
	if (benign_loader_message(prefix, msg)) return VK_FALSE;
	ocgan_vk_msglog* l = user;
	pthread_mutex_lock(&l->mu);
	msglog_append(l, "[");
	msglog_append(l, prefix ? prefix : "?");
	msglog_append(l, " ");
	msglog_append(l, report_kind(flags));
	msglog_append(l, "] ");
	msglog_append(l, msg ? msg : "");
	msglog_append(l, "\n");
	l->count++;
	pthread_mutex_unlock(&l->mu);
	return VK_FALSE;  // never abort the call
}

void* ocgan_vk_debug_create_info(ocgan_vk_msglog* log) {
	VkDebugReportCallbackCreateInfoEXT* d = calloc(1, sizeof(*d));
	if (!d) return NULL;
	d->sType = VK_STRUCTURE_TYPE_DEBUG_REPORT_CALLBACK_CREATE_INFO_EXT;
	d->flags = debug_flags;
	d->pfnCallback = debug_callback;
	d->pUserData = log;
	return d;
}

int32_t ocgan_vk_debug_register(void* gipa, void* instance, void* info, uint64_t* callback) {
	PFN_vkCreateDebugReportCallbackEXT f =
	    (PFN_vkCreateDebugReportCallbackEXT)ocgan_vk_gipa(gipa)(instance, "vkCreateDebugReportCallbackEXT");
	if (!f) return VK_ERROR_EXTENSION_NOT_PRESENT;
	VkDebugReportCallbackEXT cb = VK_NULL_HANDLE;
	VkResult r = f((VkInstance)instance, info, NULL, &cb);
	*callback = OCGAN_VK_U64(cb);
	return r;
}

void ocgan_vk_debug_unregister(void* gipa, void* instance, uint64_t callback) {
	PFN_vkDestroyDebugReportCallbackEXT f =
	    (PFN_vkDestroyDebugReportCallbackEXT)ocgan_vk_gipa(gipa)(instance, "vkDestroyDebugReportCallbackEXT");
	if (f) f((VkInstance)instance, OCGAN_VK_HANDLE(VkDebugReportCallbackEXT, callback), NULL);
}
