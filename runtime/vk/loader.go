package vk

/*
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unsafe"

	"github.com/vulkan-go/vulkan"
)

// DefaultLoaders are the Vulkan loader names tried in order when none is configured.
// The versioned name comes first: Jetson and minimal images ship no unversioned dev symlink.
var DefaultLoaders = []string{"libvulkan.so.1", "libvulkan.so"}

// InstallHint names the Debian packages that provide a Vulkan loader and a CPU driver.
const InstallHint = "install the Vulkan loader and a driver, e.g. `apt-get install libvulkan1 mesa-vulkan-drivers` on Debian/Ubuntu"

// ErrNoLoader reports that no Vulkan loader library could be opened.
var ErrNoLoader = errors.New("vulkan loader not found")

// ErrNoDevice reports that the loader found no usable Vulkan device.
var ErrNoDevice = errors.New("no Vulkan device found")

// loaderState is the process-wide binding state: vulkan-go keeps its function
// table in C globals, so one process can use one loader library.
type loaderState struct {
	mu   sync.Mutex
	path string
	gipa unsafe.Pointer
}

var loader loaderState

// loadVulkan opens the loader (the first of names that opens) and initialises the
// binding's global entry points. It returns vkGetInstanceProcAddr and the library name.
func loadVulkan(names []string) (unsafe.Pointer, string, error) {
	loader.mu.Lock()
	defer loader.mu.Unlock()
	if len(names) == 0 {
		names = DefaultLoaders
	}
	if loader.gipa != nil {
		for _, n := range names {
			if n == loader.path {
				return loader.gipa, loader.path, nil
			}
		}
		return nil, "", fmt.Errorf("vulkan loader %s is already in use by this process; cannot switch to %s",
			loader.path, strings.Join(names, " or "))
	}
	var msgs []string
	for _, name := range names {
		cname := C.CString(name)
		var errbuf [512]C.char
		p := C.ocgan_vk_load(cname, &errbuf[0], C.size_t(len(errbuf)))
		C.free(unsafe.Pointer(cname))
		if p == nil {
			msgs = append(msgs, C.GoString(&errbuf[0]))
			continue
		}
		vulkan.SetGetInstanceProcAddr(p)
		if err := vulkan.Init(); err != nil {
			return nil, "", fmt.Errorf("initialising vulkan loader %s: %w", name, err)
		}
		loader.gipa, loader.path = p, name
		return p, name, nil
	}
	return nil, "", fmt.Errorf("%w (tried %s: %s); %s", ErrNoLoader, strings.Join(names, ", "),
		strings.Join(msgs, "; "), InstallHint)
}

// loaderNames returns the configured loader names: cfg first, then $OCGAN_VK_LOADER, then the defaults.
func loaderNames(cfgLoader string) []string {
	if cfgLoader != "" {
		return []string{cfgLoader}
	}
	if env := os.Getenv("OCGAN_VK_LOADER"); env != "" {
		return []string{env}
	}
	return DefaultLoaders
}
