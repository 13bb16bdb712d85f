package vk

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/shaders/spirv"
)

func TestParseLimits(t *testing.T) {
	min := ComputeLimits{MaxWorkGroupInvocations: 128, MaxWorkGroupSize: [3]uint32{128, 128, 64},
		MaxWorkGroupCount: [3]uint32{65535, 65535, 65535}, MaxSharedMemory: 16384, MaxStorageBuffersPerStage: 4,
		MaxPushConstants: 128, MaxStorageBufferRange: 1 << 27}
	big := ComputeLimits{MaxWorkGroupInvocations: 1024, MaxWorkGroupSize: [3]uint32{1024, 1024, 1024},
		MaxWorkGroupCount: [3]uint32{1 << 31, 65535, 65535}, MaxSharedMemory: 65536, MaxStorageBuffersPerStage: 1 << 20,
		MaxPushConstants: 256, MaxStorageBufferRange: 1 << 31}
	with := func(f func(*ComputeLimits)) ComputeLimits {
		c := big
		f(&c)
		return c
	}
	tests := []struct {
		spec    string
		want    ComputeLimits
		errPart string
	}{
		{"", big, ""},
		{"min", min, ""},
		{" min ", min, ""},
		{"invocations=128,shared=16384,storage=4,push=128", with(func(c *ComputeLimits) {
			c.MaxWorkGroupInvocations, c.MaxSharedMemory, c.MaxStorageBuffersPerStage, c.MaxPushConstants = 128, 16384, 4, 128
		}), ""},
		{"size=32", with(func(c *ComputeLimits) { c.MaxWorkGroupSize = [3]uint32{32, 32, 32} }), ""},
		{"size-x=64,size-z=8", with(func(c *ComputeLimits) { c.MaxWorkGroupSize = [3]uint32{64, 1024, 8} }), ""},
		{"count=100", with(func(c *ComputeLimits) { c.MaxWorkGroupCount = [3]uint32{100, 100, 100} }), ""},
		{"range=1048576", with(func(c *ComputeLimits) { c.MaxStorageBufferRange = 1 << 20 }), ""},
		{"min,storage=8", with(func(c *ComputeLimits) { *c = min; c.MaxStorageBuffersPerStage = 8 }), ""},
		{"push=4096", big, ""}, // above the device's own: the device's stays
		{"storage=", big, "want a whole number"},
		{"storage=0", big, "want a whole number"},
		{"storage=-1", big, "want a whole number"},
		{"storage=4x", big, "want a whole number"},
		{"push=4294967296", big, "want a whole number"},
		{"threads=4", big, `unknown limit "threads"`},
		{"minimum", big, "neither \"min\" nor name=value"},
		{"min,,storage=4", big, "neither \"min\" nor name=value"},
	}
	for _, tc := range tests {
		o, err := ParseLimits(tc.spec)
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) || !strings.Contains(err.Error(), LimitsEnv) {
				t.Errorf("ParseLimits(%q) error = %v; want one naming %s with %q", tc.spec, err, LimitsEnv, tc.errPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseLimits(%q): %v", tc.spec, err)
			continue
		}
		got := big
		o.lower(&got)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseLimits(%q) lowers to %+v; want %+v", tc.spec, got, tc.want)
		}
	}
}

func TestCheckKernelLimits(t *testing.T) {
	lim := ComputeLimits{MaxWorkGroupInvocations: 128, MaxWorkGroupSize: [3]uint32{128, 128, 64},
		MaxSharedMemory: 16384, MaxStorageBuffersPerStage: 4, MaxPushConstants: 128}
	tests := []struct {
		bindings, push int
		need           spirv.Needs
		limit          string
		device, kernel uint64
	}{
		{4, 128, spirv.Needs{Local: [3]uint32{128, 1, 1}, SharedBytes: 16384}, "", 0, 0},
		{4, 16, spirv.Needs{Local: [3]uint32{8, 4, 4}}, "", 0, 0},
		{5, 8, spirv.Needs{Local: [3]uint32{64, 1, 1}}, LimitStorageBuffers, 4, 5},
		{2, 132, spirv.Needs{Local: [3]uint32{64, 1, 1}}, LimitPushConstants, 128, 132},
		{2, 8, spirv.Needs{Local: [3]uint32{256, 1, 1}}, LimitWorkGroupSize + "[0]", 128, 256},
		{2, 8, spirv.Needs{Local: [3]uint32{1, 1, 65}}, LimitWorkGroupSize + "[2]", 64, 65},
		{2, 8, spirv.Needs{Local: [3]uint32{16, 16, 1}}, LimitInvocations, 128, 256},
		{2, 8, spirv.Needs{Local: [3]uint32{64, 1, 1}, SharedBytes: 16388}, LimitSharedMemory, 16384, 16388},
	}
	for _, tc := range tests {
		err := checkKernelLimits("k", "k", lim, tc.bindings, tc.push, tc.need)
		if tc.limit == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc, err)
			}
			continue
		}
		var le *LimitError
		if !errors.As(err, &le) {
			t.Errorf("%+v: error %v; want a *LimitError", tc, err)
			continue
		}
		want := LimitError{Kernel: "k", Family: "k", Limit: tc.limit, Device: tc.device, Need: tc.kernel}
		if *le != want {
			t.Errorf("%+v: %+v; want %+v", tc, *le, want)
		}
	}
}
