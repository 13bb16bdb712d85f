package vulkan

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// wideOps are the ops whose shaders bind more storage buffers than the Vulkan
// minimum of maxPerStageDescriptorStorageBuffers (4); every other shader binds
// at most 4.
var wideOps = []struct {
	op, shader string
	access     []vk.Access
}{
	{"Adam update", "adam", adamAccess},
	{"batch norm train forward", "batch_norm_stats", bnStatsAccess},
	{"batch norm forward", "batch_norm_fwd", bnFwdAccess},
	{"batch norm backward", "batch_norm_bwd", bnBwdAccess},
}

// RefusedOps lists the ops that a device with limits lim refuses for want of
// storage buffers per shader stage, each with the number its shader binds;
// none means every op builds as far as storage buffers go. Training needs
// Adam and, in the OCGAN networks, batch norm.
func RefusedOps(lim vk.ComputeLimits) []string {
	var out []string
	for _, w := range wideOps {
		if n := len(w.access); n > int(lim.MaxStorageBuffersPerStage) {
			out = append(out, fmt.Sprintf("%s (%s: %d storage buffers)", w.op, w.shader, n))
		}
	}
	return out
}
