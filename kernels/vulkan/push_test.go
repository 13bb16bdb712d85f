package vulkan

import (
	"testing"

	"github.com/ocgan-vk/ocgan/shaders"
	"github.com/ocgan-vk/ocgan/shaders/spirv"
)

// pushBytes is the size of the named shader's push-constant block as its
// SPIR-V declares it.
func pushBytes(t *testing.T, name string) uint32 {
	t.Helper()
	code, err := shaders.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	words, err := spirv.Decode(code)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	mod, err := spirv.Parse(words)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	itf, err := mod.Interface()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return itf.PushBytes
}

// TestPushBlocksMatchTheShaders checks, for every shader family's push block
// type, that its words fill the push-constant block of each embedded shader
// of the family (basic tiers included), and that every embedded shader has a
// push block type.
func TestPushBlocksMatchTheShaders(t *testing.T) {
	tests := []struct {
		block    pushBlock
		families []string
	}{
		{countPush{}, []string{"copy", "add"}},
		{scalarPush{}, []string{"fill", "axpy", "scale"}},
		{activationPush{}, []string{"activation_fwd", "activation_bwd"}},
		{lossValuePush{}, []string{"mse_loss", "bce_loss"}},
		{lossGradPush{}, []string{"mse_grad", "bce_grad"}},
		{adamPush{}, []string{"adam"}},
		{bnShapePush{}, []string{"batch_norm_bwd"}},
		{bnEpsPush{}, []string{"batch_norm_fwd", "batch_norm_eval_bwd"}},
		{bnStatsPush{}, []string{"batch_norm_stats"}},
		{convPush{}, []string{"conv2d_fwd", "conv2d_bwd_data", "conv2d_bwd_filter",
			"conv2d_fwd_tiled", "conv2d_bwd_data_tiled", "conv2d_bwd_filter_tiled"}},
		{convBiasGradPush{}, []string{"conv_bias_grad"}},
		{densePush{}, []string{"dense_fwd", "dense_bwd_data", "dense_bwd_weight"}},
		{denseBiasPush{}, []string{"dense_bwd_bias"}},
		{dropoutPush{}, []string{"dropout_fwd", "dropout_bwd"}},
		{rngUniformPush{}, []string{"rng_uniform"}},
		{rngNormalPush{}, []string{"rng_normal"}},
		{reducePush{}, []string{"reduce_lane", "reduce_group"}},
		{reduceBroadcastPush{}, []string{"reduce_broadcast"}},
	}
	blockOf := map[string]pushBlock{}
	for _, tc := range tests {
		for _, f := range tc.families {
			if _, dup := blockOf[f]; dup {
				t.Errorf("%s is listed twice", f)
			}
			blockOf[f] = tc.block
		}
	}
	seen := map[string]bool{}
	for _, name := range shaders.Names() {
		family := shaders.Family(name)
		block, ok := blockOf[family]
		if !ok {
			t.Errorf("%s: no push block type is listed for its family %s", name, family)
			continue
		}
		seen[family] = true
		if got, want := 4*len(block.words()), int(pushBytes(t, name)); got != want {
			t.Errorf("%s: %T fills %d bytes; the shader's push-constant block has %d", name, block, got, want)
		}
	}
	for f := range blockOf {
		if !seen[f] {
			t.Errorf("%s is listed but no such shader is embedded", f)
		}
	}
}
