package main

import (
	"fmt"
	"io"

	"github.com/ocgan-vk/ocgan/runtime/device"
)

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

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Usage: ocgan <command> [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, name := range []string{"train", "eval", "score", "serve", "calibrate", "inspect", "export", "import", "bundle keygen", "bundle build",
		"bundle verify", "bundle inspect", "bundle install", "bundle rollback", "bundle status", "devices", "selftest", "version"} {
		if c, ok := cmds[name]; ok {
			fmt.Fprintf(w, "  %-16s %s\n", name, c.summary)
		}
	}
	fmt.Fprintln(w, "\nRun `ocgan <command> --help` for its flags.")
}
