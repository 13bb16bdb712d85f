package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// printDeviceTable prints the devices of l as a table, marking the
// selected one sel (none when selErr, which it returns, is not nil).
func printDeviceTable(e *env, l device.Listing, sel int, selErr error) error {
	w := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	if l.VulkanProblem != "" {
		fmt.Fprintf(w, "Vulkan: %s\n\n", l.VulkanProblem)
	} else {
		fmt.Fprintf(w, "Vulkan loader: %s\n\n", vk.LoaderName())
	}
	for i, en := range l.Entries {
		mark := " "
		if i == sel && selErr == nil {
			mark = "*"
		}
		fmt.Fprintf(w, "%s %d: %s\n", mark, en.Index, en.Name)
		fmt.Fprintf(w, "\tbackend\t%s (%s)\n", en.Backend, en.KindName)
		if en.CPU != nil || en.Backend == "cpu" {
			printCPU(w, en)
			continue
		}
		printVulkan(w, *en.Vulkan)
		tu := convTuning(e.cfg.Vulkan.PipelineCacheDir, en)
		if tu.Path != "" {
			tu.Status += " (" + tu.Path + ")"
		}
		fmt.Fprintf(w, "\tconv tuning\t%s\n", tu.Status)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if selErr != nil {
		return selErr
	}
	fmt.Fprintf(e.stdout, "\n* = the device ocgan uses (choose with --device cpu|INDEX|NAME or $OCGAN_DEVICE)\n")
	return nil
}

// printCPU prints the native CPU backend's lines of the device table.
func printCPU(w io.Writer, en device.Entry) {
	if !en.Available {
		fmt.Fprintf(w, "\tstatus\tunavailable: %s\n", en.Problem)
		return
	}
	fmt.Fprintf(w, "\tSGEMM\t%s\n", en.CPU.BLAS)
	if en.CPU.BLASPick != "" {
		fmt.Fprintf(w, "\tSGEMM pick\t%s\n", en.CPU.BLASPick)
	}
	fmt.Fprintf(w, "\tthreads\t%d\n", en.CPU.Threads)
}

// printVulkan prints a Vulkan device's lines of the device table.
func printVulkan(w io.Writer, d vk.DeviceInfo) {
	fmt.Fprintf(w, "\ttype\t%s\n", d.Type)
	fmt.Fprintf(w, "\tvendor\t%s (0x%04x), device 0x%04x\n", d.Vendor, d.VendorID, d.DeviceID)
	fmt.Fprintf(w, "\tdriver\t%s %s (%s)\n", d.Driver, d.DriverVersion, d.DriverInfo)
	fmt.Fprintf(w, "\tVulkan\t%s\n", d.APIVersion)
	for j, h := range d.Heaps {
		kind := "host"
		if h.DeviceLocal {
			kind = "device-local"
		}
		fmt.Fprintf(w, "\theap %d\t%.2f GiB %s\n", j, float64(h.Size)/(1<<30), kind)
	}
	mem := "device-local + staging"
	if d.UnifiedMemory {
		mem = "unified (mapped, no staging)"
	}
	fmt.Fprintf(w, "\tmemory path\t%s\n", mem)
	c := d.Compute
	fmt.Fprintf(w, "\tworkgroup\tmax %d invocations, size %v, count %v\n", c.MaxWorkGroupInvocations, c.MaxWorkGroupSize, c.MaxWorkGroupCount)
	fmt.Fprintf(w, "\tshared memory\t%d B\n", c.MaxSharedMemory)
	fmt.Fprintf(w, "\tpush constants\t%d B\n", c.MaxPushConstants)
	fmt.Fprintf(w, "\tstorage buffer\tmax range %d MiB, max allocation %d MiB, %d per stage\n",
		c.MaxStorageBufferRange>>20, c.MaxMemoryAllocation>>20, c.MaxStorageBuffersPerStage)
	if d.LoweredLimits != "" {
		fmt.Fprintf(w, "\tlimits\tlowered by %s=%s\n", vk.LimitsEnv, d.LoweredLimits)
	}
	if refused := vulkan.RefusedOps(c); len(refused) > 0 {
		fmt.Fprintf(w, "\ttraining\tno: the limits refuse %s\n", strings.Join(refused, ", "))
	} else {
		fmt.Fprintf(w, "\ttraining\twithin the limits\n")
	}
	fmt.Fprintf(w, "\tsubgroup\t%s\n", subgroupLine(d.Subgroup))
	fmt.Fprintf(w, "\t16-bit storage\t%v (push constants %v)\n", d.Storage16, d.PushConstant16)
	fmt.Fprintf(w, "\tfp16 arithmetic\t%v\n", d.Float16)
	ts := "no"
	if d.Timestamps {
		ts = fmt.Sprintf("yes (%.3g ns/tick)", d.TimestampPeriod)
	}
	fmt.Fprintf(w, "\ttimestamps\t%s\n", ts)
}

// subgroupLine describes the subgroups ocgan uses: lanes, operation classes
// (with the device's own list when $OCGAN_VK_SUBGROUP_OPS masks some) and
// whether pipelines can require full subgroups.
func subgroupLine(s vk.Subgroup) string {
	line := fmt.Sprintf("%d lanes (%s)", s.Size, strings.Join(s.Operations, ", "))
	if !s.InCompute {
		line += ", not in compute shaders"
	}
	if s.Reported != nil {
		line += fmt.Sprintf(" [%s; the device reports %s]", vk.SubgroupOpsEnv, strings.Join(s.Reported, ", "))
	}
	if s.FullSubgroups {
		return line + ", full subgroups"
	}
	return line + ", no full subgroups"
}
