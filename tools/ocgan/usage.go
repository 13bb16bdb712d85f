package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/spf13/pflag"
)

// addDeviceFlags adds the flags of every command, bound to cfg: the device
// and its limits.
func addDeviceFlags(fs *pflag.FlagSet, cfg *device.Config) {
	fs.StringVar(&cfg.Device, "device", "", "device: cpu (native), an index from ocgan devices, or a Vulkan device name substring such as llvmpipe (default $OCGAN_DEVICE, else the best: discrete GPU > integrated GPU > virtual GPU > native CPU > Vulkan CPU driver)")
	fs.IntVar(&cfg.Threads, "threads", 0, "threads of the native CPU backend (default: one per core)")
	fs.BoolVar(&cfg.Vulkan.Validate, "validate", false, "enable the Khronos validation layer on Vulkan devices (also $OCGAN_VK_VALIDATE=1)")
	fs.DurationVar(&cfg.Vulkan.Timeout, "gpu-timeout", 0, "fail when a Vulkan submission has not finished after this long: a hung or lost GPU (default $OCGAN_VK_TIMEOUT, else 1m)")
	fs.IntVar(&cfg.Vulkan.MaxDispatchesPerSubmit, "max-dispatches-per-submit", 0, "split each Vulkan step into submissions of at most N dispatches, for drivers whose watchdog kills long submissions (default $OCGAN_VK_MAX_DISPATCHES, else one submission per step)")
}

// checkDeviceFlags refuses negative device limits.
func checkDeviceFlags(cfg device.Config) error {
	if cfg.Vulkan.Timeout < 0 {
		return fmt.Errorf("--gpu-timeout %s: want a positive duration such as 90s (0: the default)", cfg.Vulkan.Timeout)
	}
	if cfg.Vulkan.MaxDispatchesPerSubmit < 0 {
		return fmt.Errorf("--max-dispatches-per-submit %d: want a positive number of dispatches (0: no split)", cfg.Vulkan.MaxDispatchesPerSubmit)
	}
	return nil
}

// usageOrder is the order in which the usage lists the commands; any
// command not in it follows, by name.
var usageOrder = []string{"train", "eval", "score", "serve", "calibrate", "inspect", "export", "import", "bundle keygen", "bundle build",
	"bundle verify", "bundle inspect", "bundle install", "bundle rollback", "bundle status", "devices", "selftest", "bench", "version"}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Usage: ocgan <command> [flags]")
	fmt.Fprintln(w, "\nCommands:")
	names := slices.Clone(usageOrder)
	var rest []string
	for name := range cmds {
		if !slices.Contains(usageOrder, name) {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range append(names, rest...) {
		if c, ok := cmds[name]; ok {
			fmt.Fprintf(w, "  %-16s %s\n", name, c.summary)
		}
	}
	fmt.Fprintln(w, "\nRun `ocgan <command> --help` for its flags.")
}
