package vulkan

import (
	"reflect"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
)

func TestHalving(t *testing.T) {
	tests := []struct {
		p, min uint32
		want   []uint32
	}{
		{256, 1, []uint32{256, 128, 64, 32, 16, 8, 4, 2, 1}},
		{128, 8, []uint32{128, 64, 32, 16, 8}},
		{64, 64, []uint32{64}},
		{96, 8, []uint32{96, 48, 24, 12}},
	}
	for _, tc := range tests {
		if got := halving(tc.p, tc.min); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("halving(%d, %d) = %v; want %v", tc.p, tc.min, got, tc.want)
		}
	}
}

func TestFitLocal(t *testing.T) {
	limits := func(inv, x uint32) vk.ComputeLimits {
		return vk.ComputeLimits{MaxWorkGroupInvocations: inv, MaxWorkGroupSize: [3]uint32{x, x, 64}}
	}
	desktop := limits(1024, 1024)
	minimum := limits(128, 128)
	tests := []struct {
		name     string
		lim      vk.ComputeLimits
		subgroup uint32
		team     uint32
		prefs    []uint32
		want     uint32
	}{
		{"desktop keeps 256", desktop, 32, 1, halving(256, 1), 256},
		{"minimum limits: 128", minimum, 32, 1, halving(256, 1), 128},
		{"minimum limits, subgroup 64", minimum, 64, 1, halving(256, 1), 128},
		{"size x below invocations", limits(1024, 64), 32, 1, halving(256, 1), 64},
		{"invocations below size x", limits(96, 1024), 32, 1, halving(256, 1), 64},
		{"subgroup multiple over the largest fit", limits(96, 1024), 32, 1, []uint32{96, 64, 48}, 96},
		{"skips a size that is no subgroup multiple", limits(1024, 1024), 32, 1, []uint32{48, 32, 16}, 32},
		{"no subgroup multiple fits: largest fit", limits(16, 16), 32, 1, halving(64, 1), 16},
		{"subgroup size unknown", limits(64, 64), 0, 1, halving(256, 1), 64},
		{"conv team of 8 on llvmpipe", minimum, 8, 8, halving(64, 8), 64},
		{"conv team of 8, GPU at minimum", minimum, 32, 8, halving(128, 8), 128},
		{"conv team of 8, tiny device", limits(32, 32), 64, 8, halving(128, 8), 32},
		{"conv team does not fit: smallest, for the build to refuse", limits(4, 4), 4, 8, halving(64, 8), 8},
		{"solo conv lanes", limits(4, 4), 4, 1, halving(64, 1), 4},
		{"lavapipe 4-lane subgroups", minimum, 4, 1, halving(64, 1), 64},
	}
	for _, tc := range tests {
		if got := fitLocalFor(tc.lim, tc.subgroup, tc.team, tc.prefs...); got != tc.want {
			t.Errorf("%s: fitLocalFor(%+v, subgroup %d, team %d, %v) = %d; want %d",
				tc.name, tc.lim, tc.subgroup, tc.team, tc.prefs, got, tc.want)
		}
	}
}
