package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// commit is set by the Makefile (-ldflags "-X main.commit=..."); builds without it
// fall back to the VCS stamp Go embeds.
var commit string

// buildCommit returns the VCS revision the binary was built from, with "-dirty"
// when the tree had changes, or "unknown".
func buildCommit() string {
	if commit != "" {
		return commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "unknown", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && rev != "unknown" {
		rev += "-dirty"
	}
	return rev
}

func runVersion(e *env) error {
	fmt.Fprintf(e.stdout, "ocgan %s\n", version)
	fmt.Fprintf(e.stdout, "go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(e.stdout, "commit: %s\n", buildCommit())
	l := device.List(e.cfg)
	if l.VulkanProblem != "" {
		// The version itself is known; say what is missing for Vulkan.
		fmt.Fprintf(e.stdout, "vulkan: %s\n", l.VulkanProblem)
	} else {
		fmt.Fprintf(e.stdout, "vulkan loader: %s\n", vk.LoaderName())
	}
	for _, d := range l.Entries {
		if d.Vulkan != nil {
			v := d.Vulkan
			fmt.Fprintf(e.stdout, "driver %d: %s %s on %s (Vulkan %s)\n", d.Index, v.Driver, v.DriverVersion, v.Name, v.APIVersion)
			continue
		}
		if d.Available {
			fmt.Fprintf(e.stdout, "cpu %d: SGEMM %s, %s, on %s\n", d.Index, d.CPU.BLAS, cpu.ThreadCount(d.CPU.Threads), d.Name)
		} else {
			fmt.Fprintf(e.stdout, "cpu %d: unavailable: %s\n", d.Index, d.Problem)
		}
	}
	return nil
}
