package vk

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/shaders/spirv"
	"github.com/vulkan-go/vulkan"
)

func TestPickDevice(t *testing.T) {
	devs := []DeviceInfo{
		{Name: "llvmpipe (LLVM 15)", Type: CPU},
		{Name: "Intel UHD 630", Type: IntegratedGPU},
		{Name: "NVIDIA H200", Type: DiscreteGPU},
		{Name: "NVIDIA Orin (nvgpu)", Type: IntegratedGPU},
	}
	tests := []struct {
		devs     []DeviceInfo
		selector string
		want     int
		errPart  string
	}{
		{devs, "", 2, ""},
		{devs[:2], "", 1, ""},
		{[]DeviceInfo{devs[0], devs[3]}, "", 1, ""},
		{devs[:1], "", 0, ""},
		{devs, "0", 0, ""},
		{devs, "3", 3, ""},
		{devs, "orin", 3, ""},
		{devs, "LLVMPIPE", 0, ""},
		{devs, "nvidia", 2, ""},
		{devs, "4", -1, "out of range"},
		{devs, "-1", -1, "out of range"},
		{devs, "radeon", -1, "no Vulkan device matches"},
		{nil, "", -1, "libvulkan1"},
	}
	for _, tc := range tests {
		got, err := pickDevice(tc.devs, tc.selector)
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("pickDevice(%d devs, %q) = %d, %v; want error with %q", len(tc.devs), tc.selector, got, err, tc.errPart)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("pickDevice(%d devs, %q) = %d, %v; want %d", len(tc.devs), tc.selector, got, err, tc.want)
		}
	}
}

func TestVersionStrings(t *testing.T) {
	if got := versionString(vulkan.MakeVersion(1, 3, 230)); got != "1.3.230" {
		t.Errorf("versionString = %s", got)
	}
	// NVIDIA packs 10.8.8.6 bits: 535.104.5.0
	v := uint32(535)<<22 | 104<<14 | 5<<6
	if got := driverVersionString(0x10DE, v); got != "535.104.5.0" {
		t.Errorf("NVIDIA driver version = %s", got)
	}
	if got := subgroupOpNames(0xbf); strings.Join(got, ",") != "basic,vote,arithmetic,ballot,shuffle,shuffle-relative,quad" {
		t.Errorf("subgroup ops = %v", got)
	}
}

// TestValidationLayerReportsMisuse proves the validation plumbing works: a create
// call with an undefined flag bit must come back as a validation message.
func TestValidationLayerReportsMisuse(t *testing.T) {
	ctx, err := Open(Config{Validate: true, PipelineCacheDir: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	if err := ctx.CheckValidation(); err != nil {
		t.Fatalf("clean open reported: %v", err)
	}
	info := vulkan.FenceCreateInfo{SType: vulkan.StructureTypeFenceCreateInfo, Flags: vulkan.FenceCreateFlags(0x40000000)}
	var f vulkan.Fence
	r := vulkan.CreateFence(ctx.device, &info, nil, &f)
	info.Free()
	if r == vulkan.Success {
		vulkan.DestroyFence(ctx.device, f, nil)
	}
	err = ctx.CheckValidation()
	if err == nil || !strings.Contains(err.Error(), "VkFenceCreateInfo") {
		t.Fatalf("validation did not report the bad flag: %v", err)
	}
	if err := ctx.CheckValidation(); err != nil {
		t.Fatalf("messages were not drained: %v", err)
	}
}

func TestAllocatorSplitsAndCoalesces(t *testing.T) {
	b := &block{size: 4096, free: []span{{0, 4096}}}
	var offs []uint64
	for i := 0; i < 4; i++ {
		off, ok := b.take(1024, 256)
		if !ok {
			t.Fatalf("take %d failed", i)
		}
		offs = append(offs, off)
	}
	if _, ok := b.take(1, 256); ok {
		t.Fatal("take from a full block succeeded")
	}
	b.give(offs[1], 1024)
	b.give(offs[3], 1024)
	if off, ok := b.take(2048, 256); ok {
		t.Fatalf("2048 bytes taken at %d from two separate 1024-byte holes", off)
	}
	b.give(offs[2], 1024)
	if off, ok := b.take(3072, 256); !ok || off != 1024 {
		t.Fatalf("coalesced hole: take(3072) = %d, %v", off, ok)
	}
	b.give(1024, 3072)
	b.give(offs[0], 1024)
	if len(b.free) != 1 || b.free[0] != (span{0, 4096}) {
		t.Fatalf("free list after freeing all: %v", b.free)
	}
	if off, ok := b.take(100, 1024); !ok || off%1024 != 0 {
		t.Fatalf("aligned take = %d, %v", off, ok)
	}
}

// BenchmarkBarrierShim is the cost of one recorded barrier through the shim. (The
// binding's own vkCmdPipelineBarrier wrapper, measured at 3.7 µs and 15 allocations
// in BENCHMARKS.md, is no longer called anywhere: its C copy of the barrier array
// can be freed by a finalizer during the call.)
func BenchmarkBarrierShim(b *testing.B) {
	benchBarrier(b, (*Sequence).computeBarrier)
}

func benchBarrier(b *testing.B, record func(*Sequence)) {
	ctx, err := Open(Config{PipelineCacheDir: "off"})
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Close()
	seq, err := ctx.NewSequence(SequenceOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%10000 == 0 {
			if err := seq.Reset(); err != nil {
				b.Fatal(err)
			}
		}
		record(seq)
	}
}

// BenchmarkRebind compares replaying 1000 dependent dispatches of one kernel when
// every dispatch rebinds the pipeline and descriptor set against skipping the
// redundant binds, in one run.
func BenchmarkRebind(b *testing.B) {
	for _, always := range []bool{true, false} {
		name := "skip-redundant"
		if always {
			name = "always"
		}
		b.Run(name, func(b *testing.B) {
			ctx, err := Open(Config{PipelineCacheDir: "off"})
			if err != nil {
				b.Fatal(err)
			}
			defer ctx.Close()
			code, err := os.ReadFile("../../shaders/axpy.spv")
			if err != nil {
				b.Fatal(err)
			}
			k, err := ctx.NewKernel(KernelSpec{Name: "axpy", SPIRV: code, Bindings: []Access{Read, ReadWrite}, PushWords: 2, Spec: []uint32{64}})
			if err != nil {
				b.Fatal(err)
			}
			x, _ := ctx.NewBufferFloat32(256, make([]float32, 256))
			y, _ := ctx.NewBufferFloat32(256, make([]float32, 256))
			seq, err := ctx.NewSequence(SequenceOptions{})
			if err != nil {
				b.Fatal(err)
			}
			seq.alwaysBind = always
			for i := 0; i < 1000; i++ {
				if err := seq.Dispatch(k, GroupsFor(256, 64), []uint32{F32(0), 256}, x, y); err != nil {
					b.Fatal(err)
				}
			}
			if err := seq.Run(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := seq.Run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*1000), "µs/dispatch")
		})
	}
}

func TestUsesUnifiedMemory(t *testing.T) {
	for _, c := range []struct {
		device string
		typ    DeviceType
		hvdl   bool
		want   bool
	}{
		{"Jetson Orin (integrated, unified memory)", IntegratedGPU, true, true},
		{"llvmpipe", CPU, true, true},
		{"H200 with resizable BAR", DiscreteGPU, true, false},
		{"discrete, no host-visible VRAM", DiscreteGPU, false, false},
		{"integrated without such a type", IntegratedGPU, false, false},
		{"virtual GPU with such a type", VirtualGPU, true, true},
	} {
		if got := usesUnifiedMemory(c.typ, c.hvdl); got != c.want {
			t.Errorf("%s: unified %v, want %v", c.device, got, c.want)
		}
	}
}

func TestParseSubgroupMask(t *testing.T) {
	all := []string{"basic", "vote", "arithmetic", "ballot", "shuffle", "shuffle-relative", "clustered", "quad"}
	tests := []struct {
		value   string
		want    string // the masked list, "-" for no masking
		errPart string
	}{
		{"", "-", ""},
		{"basic", "basic", ""},
		{"basic,vote,shuffle", "basic,vote,shuffle", ""},
		{" basic , arithmetic ", "basic,arithmetic", ""},
		{"-ballot", "basic,vote,arithmetic,shuffle,shuffle-relative,clustered,quad", ""},
		{"-arithmetic,-shuffle", "basic,vote,ballot,shuffle-relative,clustered,quad", ""},
		{"none", "", ""},
		{"basic,-ballot", "", "mixes"},
		{"basic,balot", "", `unknown subgroup operation class "balot"`},
		{"-", "", `unknown subgroup operation class ""`},
	}
	for _, tc := range tests {
		m, err := parseSubgroupMask(tc.value)
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("parseSubgroupMask(%q) error = %v; want one with %q", tc.value, err, tc.errPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseSubgroupMask(%q): %v", tc.value, err)
			continue
		}
		if tc.want == "-" {
			if m != nil {
				t.Errorf("parseSubgroupMask(%q) masks; want no mask", tc.value)
			}
			continue
		}
		s := Subgroup{Operations: all}
		m.apply(&s)
		if got := strings.Join(s.Operations, ","); got != tc.want {
			t.Errorf("parseSubgroupMask(%q) keeps %q; want %q", tc.value, got, tc.want)
		}
		if strings.Join(s.Reported, ",") != strings.Join(all, ",") {
			t.Errorf("parseSubgroupMask(%q): Reported = %v; want the device's list", tc.value, s.Reported)
		}
	}
}

// spirvWithCaps is a header and the given OpCapability instructions, then an OpMemoryModel.
func spirvWithCaps(caps ...uint32) []uint32 {
	w := []uint32{0x07230203, 0x00010300, 0, 100, 0}
	for _, c := range caps {
		w = append(w, 2<<16|17, c)
	}
	return append(w, 3<<16|14, 0, 1)
}

// checkCapabilitiesOf is checkCapabilities on a module given as words.
func checkCapabilitiesOf(name string, words []uint32, info DeviceInfo) error {
	m, err := spirv.Parse(words)
	if err != nil {
		return fmt.Errorf("kernel %s: malformed SPIR-V: %w", name, err)
	}
	return checkCapabilities(name, name, m.Capabilities(), info)
}

func TestCheckCapabilities(t *testing.T) {
	full := DeviceInfo{Name: "dev", Subgroup: Subgroup{InCompute: true, Operations: []string{"basic", "vote", "arithmetic", "ballot", "shuffle"}}}
	basic := DeviceInfo{Name: "dev", Subgroup: Subgroup{InCompute: true, Operations: []string{"basic"}}}
	notCompute := DeviceInfo{Name: "dev", Subgroup: Subgroup{InCompute: false, Operations: []string{"basic", "ballot"}}}
	tests := []struct {
		name    string
		words   []uint32
		info    DeviceInfo
		errPart string
	}{
		{"shader only", spirvWithCaps(1), basic, ""},
		{"shader only, no subgroups", spirvWithCaps(1), notCompute, ""},
		{"ballot offered", spirvWithCaps(1, 61, 64), full, ""},
		{"ballot masked", spirvWithCaps(1, 61, 64), basic, "capability GroupNonUniformBallot (subgroup ballot operations)"},
		{"arithmetic masked", spirvWithCaps(1, 61, 63), basic, "GroupNonUniformArithmetic"},
		{"shuffle masked", spirvWithCaps(1, 61, 65), basic, "GroupNonUniformShuffle"},
		{"basic outside compute", spirvWithCaps(1, 61), notCompute, "capability GroupNonUniform (subgroup basic"},
		{"quad", spirvWithCaps(1, 68), full, "GroupNonUniformQuad"},
		{"truncated", spirvWithCaps(1, 61)[:8], full, "malformed SPIR-V"},
	}
	for _, tc := range tests {
		err := checkCapabilitiesOf("k", tc.words, tc.info)
		if tc.errPart == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.errPart) || !strings.Contains(err.Error(), "kernel k") {
			t.Errorf("%s: error = %v; want one naming kernel k and %q", tc.name, err, tc.errPart)
		}
	}
}

func TestStageFlags(t *testing.T) {
	with := DeviceInfo{Name: "dev", Subgroup: Subgroup{Size: 8, FullSubgroups: true}}
	without := DeviceInfo{Name: "dev", Subgroup: Subgroup{Size: 8}}
	tests := []struct {
		spec    KernelSpec
		info    DeviceInfo
		want    uint32
		errPart string
	}{
		{KernelSpec{Name: "k"}, without, 0, ""},
		{KernelSpec{Name: "k", FullSubgroups: true, LocalSizeX: 64}, with, requireFullSubgroupsBit, ""},
		{KernelSpec{Name: "k", FullSubgroups: true, LocalSizeX: 8}, with, requireFullSubgroupsBit, ""},
		{KernelSpec{Name: "k", FullSubgroups: true, LocalSizeX: 12}, with, 0, "multiple of the subgroup size 8; it is 12"},
		{KernelSpec{Name: "k", FullSubgroups: true}, with, 0, "it is 0"},
		{KernelSpec{Name: "k", FullSubgroups: true, LocalSizeX: 64}, without, 0, "computeFullSubgroups"},
	}
	for _, tc := range tests {
		got, err := stageFlags(tc.spec, tc.info)
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("stageFlags(%+v) error = %v; want one with %q", tc.spec, err, tc.errPart)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("stageFlags(%+v) = %d, %v; want %d", tc.spec, got, err, tc.want)
		}
	}
}
