package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/ocgan-vk/ocgan/runtime/vk"
)

func devicesFlags(fs *pflag.FlagSet) {
	fs.Bool("json", false, "print JSON instead of a table")
}

// devicesReport is the --json document.
type devicesReport struct {
	Loader   string          `json:"loader"`
	Selected int             `json:"selected"`
	Devices  []vk.DeviceInfo `json:"devices"`
}

func runDevices(e *env) error {
	asJSON, _ := e.fs.GetBool("json")
	devs, err := vk.Devices(e.cfg)
	if err != nil {
		return err
	}
	sel, selErr := vk.PickDevice(devs, e.cfg)
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if selErr != nil {
			sel = -1
		}
		if err := enc.Encode(devicesReport{Loader: vk.LoaderName(), Selected: sel, Devices: devs}); err != nil {
			return err
		}
		return selErr
	}
	w := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintf(w, "Vulkan loader: %s\n\n", vk.LoaderName())
	for i, d := range devs {
		mark := " "
		if i == sel && selErr == nil {
			mark = "*"
		}
		fmt.Fprintf(w, "%s %d: %s\n", mark, d.Index, d.Name)
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
		fmt.Fprintf(w, "\tstorage buffer\tmax range %d MiB, max allocation %d MiB\n", c.MaxStorageBufferRange>>20, c.MaxMemoryAllocation>>20)
		fmt.Fprintf(w, "\tsubgroup\t%d lanes (%s)\n", d.Subgroup.Size, strings.Join(d.Subgroup.Operations, ", "))
		fmt.Fprintf(w, "\t16-bit storage\t%v (push constants %v)\n", d.Storage16, d.PushConstant16)
		fmt.Fprintf(w, "\tfp16 arithmetic\t%v\n", d.Float16)
		ts := "no"
		if d.Timestamps {
			ts = fmt.Sprintf("yes (%.3g ns/tick)", d.TimestampPeriod)
		}
		fmt.Fprintf(w, "\ttimestamps\t%s\n", ts)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if selErr != nil {
		return selErr
	}
	fmt.Fprintf(e.stdout, "\n* = the device ocgan uses (choose with --device or $OCGAN_DEVICE)\n")
	return nil
}
