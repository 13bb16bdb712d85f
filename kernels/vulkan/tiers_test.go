package vulkan

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
	"github.com/ocgan-vk/ocgan/shaders"
)

// tierShaders are the shaders with a basic-tier variant and the subgroup
// operation class each needs otherwise.
var tierShaders = map[string]string{
	"conv2d_fwd":          "ballot",
	"conv2d_bwd_data":     "ballot",
	"conv2d_bwd_filter":   "ballot",
	"reduce_group":        "arithmetic",
	"batch_norm_stats":    "arithmetic",
	"batch_norm_eval_bwd": "arithmetic",
	"batch_norm_bwd":      "shuffle",
}

// TestSubgroupTiers masks the device's subgroup operations as
// $OCGAN_VK_SUBGROUP_OPS does, runs conv, reduction and batch norm on odd
// shapes against the references, and checks which variant each shader took:
// the basic tier exactly where the device (as masked) lacks the class the
// shader needs, or for the conv broadcast, full subgroups of 8 lanes.
func TestSubgroupTiers(t *testing.T) {
	for _, mask := range []string{"", "-ballot", "-arithmetic", "-shuffle", "basic"} {
		t.Run("mask="+mask, func(t *testing.T) {
			t.Setenv(vk.SubgroupOpsEnv, mask)
			ctx := vktest.Open(t)
			lib := NewLibrary(ctx)
			rng := rand.New(rand.NewSource(5))
			conv := "b3_13ch_5x7_k5s2p2"
			checkConv2D(t, ctx, lib, conv, conv2dGPUCases()[conv])
			checkReduce(t, ctx, lib, rng, reduceCase{[]int{3, 200, 7}, [][]int{{0, 2}}})
			// Under lowered limits (OCGAN_VK_LIMITS=min) batch norm is refused
			// for want of storage buffers: bnRefused checks that refusal instead.
			bnShort := bnRefused(t, ctx, lib)
			if !bnShort {
				checkBatchNorm(t, ctx, lib, rng, bnGPUCase{3, 5, 7, 9, 3})
			}

			info := ctx.Info()
			sg := info.Subgroup
			built := map[string]bool{}
			for k := range lib.kernels {
				built[k.name] = true
			}
			for name, class := range tierShaders {
				if bnShort && strings.HasPrefix(name, "batch_norm") {
					continue
				}
				if (mask == "basic" || mask == "-"+class) && info.HasSubgroupOp(class) {
					t.Fatalf("mask %q leaves %s in %v", mask, class, sg.Operations)
				}
				basic := takesBasic(info, class)
				want, other := name, shaders.BasicTier(name)
				if basic {
					want, other = other, want
				}
				if !built[want] || built[other] {
					t.Errorf("mask %q (subgroup %d lanes, full %v, ops %v): want %s built and not %s; built %v",
						mask, sg.Size, sg.FullSubgroups, sg.Operations, want, other, built)
				}
			}
		})
	}
}
