// Package device lists the devices a graph can run on — the Vulkan devices
// and the native CPU — and opens the one a selector or the default choice
// names as a backend.Backend.
package device

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/cpuprogram"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// CPUSelector is the selector of the native CPU backend.
const CPUSelector = "cpu"

// Config selects and configures a device.
type Config struct {
	// Device selects a device: "cpu" (the native CPU backend), an index
	// into List ("0"), or a case-insensitive substring of a Vulkan device's
	// name ("llvmpipe"). Empty means $OCGAN_DEVICE, then the default: a
	// discrete GPU, else an integrated GPU, else a virtual GPU, else the
	// native CPU, else a Vulkan CPU driver.
	Device string
	// Vulkan configures the Vulkan instance (loader, validation, ...); its
	// Device field is ignored.
	Vulkan vk.Config
	// Threads is the number of CPU threads of the native backend; 0 means
	// one per core.
	Threads int
}

// selector returns the configured selector.
func (c Config) selector() string {
	if c.Device != "" {
		return c.Device
	}
	return os.Getenv("OCGAN_DEVICE")
}

// Entry is one device of List.
type Entry struct {
	// Index selects the entry (--device N): the Vulkan devices in the
	// driver's order, then the native CPU.
	Index int `json:"index"`
	backend.Device
	// KindName is Kind as text (JSON "kind").
	KindName string `json:"kind"`
	// Available is false when the device cannot be used; Problem then says
	// why and how to fix it.
	Available bool   `json:"available"`
	Problem   string `json:"problem,omitempty"`
	// Vulkan is the Vulkan device's description (Vulkan entries only).
	Vulkan *vk.DeviceInfo `json:"vulkan,omitempty"`
	// CPU is the native CPU backend's configuration (CPU entry only).
	CPU *CPUInfo `json:"cpu,omitempty"`
}

// CPUInfo describes the native CPU backend.
type CPUInfo struct {
	BLAS string `json:"blas"` // the SGEMM library, version and kernel set, e.g. "onednn 2.6.3/avx2"
	// BLASPick says why that library: named by OCGAN_BLAS, the only one
	// installed, or measured faster (now, or earlier and kept in a file).
	BLASPick string `json:"blas_pick,omitempty"`
	Threads  int    `json:"threads"`
}

// Listing is every device, with the problems that kept some from the list.
type Listing struct {
	Entries []Entry
	// VulkanProblem is why no Vulkan device is listed (no loader, no
	// driver), or "".
	VulkanProblem string
}

// List returns the Vulkan devices (when a loader and driver are present)
// and the native CPU. The CPU entry is always present; it is unavailable,
// with the apt-get line that fixes it, when no SGEMM library loads.
func List(cfg Config) Listing {
	var l Listing
	devs, err := vk.Devices(cfg.Vulkan)
	if err != nil {
		l.VulkanProblem = err.Error()
	}
	for _, d := range devs {
		d := d
		bd := program.DeviceOf(d)
		l.Entries = append(l.Entries, Entry{Index: len(l.Entries), Device: bd, KindName: bd.Kind.String(), Available: true, Vulkan: &d})
	}
	e := Entry{Index: len(l.Entries), Device: backend.Device{Backend: "cpu", Name: cpuprogram.ModelName(), Kind: backend.NativeCPU}}
	e.KindName = e.Kind.String()
	if be, err := cpuprogram.Open(cpu.Options{Threads: cfg.Threads}); err != nil {
		e.Problem = err.Error()
		e.Detail = "native (unavailable)"
	} else {
		e.Available = true
		e.Device = be.Device()
		e.CPU = &CPUInfo{BLAS: be.CPU().Library(), BLASPick: be.CPU().LibraryPick(), Threads: be.CPU().Threads()}
		be.Close()
	}
	l.Entries = append(l.Entries, e)
	return l
}

// Pick returns the index in l.Entries of the device selector names (see
// Config.Device), or of the default choice when selector is empty.
func (l Listing) Pick(selector string) (int, error) {
	es := l.Entries
	if selector == "" {
		best := -1
		for i, e := range es {
			if e.Available && (best < 0 || e.Kind < es[best].Kind) {
				best = i
			}
		}
		if best < 0 {
			return -1, l.noDevice()
		}
		return best, nil
	}
	pick := -1
	if strings.EqualFold(selector, CPUSelector) {
		pick = len(es) - 1
	} else if i, err := strconv.Atoi(selector); err == nil {
		if i < 0 || i >= len(es) {
			return -1, fmt.Errorf("device index %d out of range: %d device(s) (run `ocgan devices`)", i, len(es))
		}
		pick = i
	} else {
		for i, e := range es {
			if e.Backend == "vulkan" && strings.Contains(strings.ToLower(e.Name), strings.ToLower(selector)) {
				pick = i
				break
			}
		}
		if pick < 0 {
			names := make([]string, len(es))
			for i, e := range es {
				names[i] = fmt.Sprintf("%d: %s", i, e.Name)
			}
			msg := fmt.Sprintf("no device matches %q (found %s; \"cpu\" is the native CPU backend)", selector, strings.Join(names, "; "))
			if l.VulkanProblem != "" {
				msg += "; Vulkan: " + l.VulkanProblem
			}
			return -1, errors.New(msg)
		}
	}
	if e := es[pick]; !e.Available {
		return -1, fmt.Errorf("device %d (%s) is unavailable: %s", e.Index, e.Name, e.Problem)
	}
	return pick, nil
}

// noDevice explains an empty choice: what is missing for each backend.
func (l Listing) noDevice() error {
	msg := "no usable device"
	if l.VulkanProblem != "" {
		msg += "; Vulkan: " + l.VulkanProblem
	}
	for _, e := range l.Entries {
		if e.Backend == "cpu" && e.Problem != "" {
			msg += "; native CPU: " + e.Problem
		}
	}
	return errors.New(msg)
}

// Open opens the device cfg selects and returns its backend. Selecting the
// CPU by name (or by default on a machine without a GPU) does not need a
// Vulkan loader; an index or a Vulkan name does.
func Open(cfg Config) (backend.Backend, error) {
	sel := cfg.selector()
	if strings.EqualFold(sel, CPUSelector) {
		return cpuprogram.Open(cpu.Options{Threads: cfg.Threads})
	}
	if err := cfg.Vulkan.CheckLimits(); err != nil {
		return nil, err // not a missing Vulkan: no quiet fallback to the CPU
	}
	l := List(cfg)
	i, err := l.Pick(sel)
	if err != nil {
		return nil, err
	}
	e := l.Entries[i]
	if e.Backend == "cpu" {
		return cpuprogram.Open(cpu.Options{Threads: cfg.Threads})
	}
	vcfg := cfg.Vulkan
	vcfg.Device = strconv.Itoa(e.Vulkan.Index)
	return program.OpenBackend(vcfg)
}
