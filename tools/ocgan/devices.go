package main

import (
	"encoding/json"
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/spf13/pflag"
)

// devicesCmd is `ocgan devices`: its flags.
type devicesCmd struct {
	asJSON bool
}

func (c *devicesCmd) flags(fs *pflag.FlagSet) {
	fs.BoolVar(&c.asJSON, "json", false, "print JSON instead of a table")
}

// devicesReport is the --json document.
type devicesReport struct {
	Loader        string         `json:"loader"`
	VulkanProblem string         `json:"vulkan_problem,omitempty"`
	Selected      int            `json:"selected"`
	Devices       []device.Entry `json:"devices"`
	// ConvTuning says, per Vulkan device, whether a conv tuning table is used.
	ConvTuning []deviceTuning `json:"conv_tuning,omitempty"`
}

// deviceTuning is the state of a Vulkan device's conv tuning table (see
// vulkan.OpenConvTuning): "off", "none", "N entries" or "ignored: <why>".
type deviceTuning struct {
	Index  int    `json:"index"`
	Status string `json:"status"`
	Path   string `json:"path,omitempty"`
}

// convTuning is the tuning state of a Vulkan device for the configured cache.
func convTuning(cacheDir string, en device.Entry) deviceTuning {
	_, status, path := vulkan.OpenConvTuning(vk.CacheDir(cacheDir), *en.Vulkan)
	return deviceTuning{Index: en.Index, Status: status, Path: path}
}

// deviceLabel names the device a backend runs on, for messages and reports:
// "cpu: <model> (<detail>)" or "vulkan: <device name>".
func deviceLabel(be backend.Backend) string {
	d := be.Device()
	if d.Backend == "cpu" {
		return fmt.Sprintf("cpu: %s (%s)", d.Name, d.Detail)
	}
	return d.Backend + ": " + d.Name
}

func (c *devicesCmd) run(e *env) error {
	asJSON := c.asJSON
	l := device.List(e.cfg)
	sel, selErr := l.Pick(e.cfg.Device)
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if selErr != nil {
			sel = -1
		}
		rep := devicesReport{Loader: vk.LoaderName(), VulkanProblem: l.VulkanProblem, Selected: sel, Devices: l.Entries}
		for _, en := range l.Entries {
			if en.Vulkan != nil {
				rep.ConvTuning = append(rep.ConvTuning, convTuning(e.cfg.Vulkan.PipelineCacheDir, en))
			}
		}
		if err := enc.Encode(rep); err != nil {
			return err
		}
		return selErr
	}
	return printDeviceTable(e, l, sel, selErr)
}
