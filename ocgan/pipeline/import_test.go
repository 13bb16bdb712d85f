package pipeline

import (
	"path/filepath"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// TestImportMeta: an imported checkpoint is finished, and its data folder
// reads back as ImagesDataset settings with an absolute path.
func TestImportMeta(t *testing.T) {
	abs, err := filepath.Abs("parts")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		data string
		want Settings
		keys int
	}{
		{"", Settings{}, 2},
		{"parts", Settings{Dataset: ImagesDataset, ValShare: 0.5, Data: abs}, 5},
	}
	for _, tc := range tests {
		m := ImportMeta("peer.safetensors", tc.data, 0.5)
		if m[MetaImportedFrom] != "peer.safetensors" || m[train.MetaStatus] != train.StatusDone || len(m) != tc.keys {
			t.Errorf("data %q: meta %v", tc.data, m)
		}
		if _, ok := m[MetaMode]; ok {
			t.Errorf("data %q: meta %v records a training mode", tc.data, m)
		}
		if tc.data == "" {
			if _, err := ReadSettings(&checkpoint.Checkpoint{Meta: m}); err == nil {
				t.Errorf("meta %v without data: settings read back", m)
			}
			continue
		}
		got, err := ReadSettings(&checkpoint.Checkpoint{Meta: m})
		if err != nil || got != tc.want {
			t.Errorf("data %q: settings %+v, %v; want %+v", tc.data, got, err, tc.want)
		}
	}
}
