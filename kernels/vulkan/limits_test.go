package vulkan

import (
	"reflect"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
)

func TestRefusedOps(t *testing.T) {
	tests := []struct {
		storage uint32
		want    []string
	}{
		{4, []string{"Adam update (adam: 5 storage buffers)", "batch norm train forward (batch_norm_stats: 5 storage buffers)",
			"batch norm forward (batch_norm_fwd: 6 storage buffers)", "batch norm backward (batch_norm_bwd: 8 storage buffers)"}},
		{5, []string{"batch norm forward (batch_norm_fwd: 6 storage buffers)", "batch norm backward (batch_norm_bwd: 8 storage buffers)"}},
		{7, []string{"batch norm backward (batch_norm_bwd: 8 storage buffers)"}},
		{8, nil},
		{1 << 20, nil},
	}
	for _, tc := range tests {
		got := RefusedOps(vk.ComputeLimits{MaxStorageBuffersPerStage: tc.storage})
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("storage %d: %q; want %q", tc.storage, got, tc.want)
		}
	}
}
