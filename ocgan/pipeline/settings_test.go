package pipeline

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// TestLegacySettings: the settings of a checkpoint of an earlier build.
func TestLegacySettings(t *testing.T) {
	ck, err := checkpoint.Load("../train/testdata/legacy/model.ocgan")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ReadSettings(ck)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{Dataset: "folder", Class: 0, Protocol: 1, ClassName: "0-bar", Data: ck.Meta["data"]}
	if s != want || !filepath.IsAbs(s.Data) {
		t.Errorf("settings %+v, want %+v", s, want)
	}
	s.Mode, s.Batch = train.Full, 4
	for k, v := range s.Meta() {
		if ck.Meta[k] != v {
			t.Errorf("Meta %s = %q, the checkpoint's %q", k, v, ck.Meta[k])
		}
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	for _, s := range []Settings{
		{Dataset: "mnist", Class: 7, Protocol: 2, Mode: train.AutoEncoder, Batch: 64},
		{Dataset: ImagesDataset, ValShare: 0.1 + 0.2, Data: "/data/parts", Mode: train.Full, Batch: 8},
		{Dataset: "folder", Class: 1, Protocol: 1, ClassName: "1-disc", Data: "/data/shapes", Mode: train.Full, Batch: 4},
	} {
		m := s.Meta()
		got, err := ReadSettings(&checkpoint.Checkpoint{Meta: m})
		want := s
		want.Mode, want.Batch = 0, 0
		if err != nil || got != want {
			t.Errorf("%+v: read back %+v, %v", s, got, err)
		}
		if m[MetaMode] != s.Mode.String() || m[MetaBatch] == "" {
			t.Errorf("%+v: meta %v", s, m)
		}
	}
	rel := Settings{Dataset: "folder", Data: "shapes"}.Meta()[MetaData]
	if abs, _ := filepath.Abs("shapes"); rel != abs {
		t.Errorf("data %q, want %q", rel, abs)
	}
}

func TestReadSettingsErrors(t *testing.T) {
	tests := []struct {
		meta map[string]string
		want string
	}{
		{map[string]string{}, "does not say which dataset"},
		{map[string]string{MetaDataset: ImagesDataset, MetaValShare: "a tenth"}, "validation share"},
		{map[string]string{MetaDataset: "mnist", MetaClass: "", MetaProtocol: "1"}, "class"},
		{map[string]string{MetaDataset: "mnist", MetaClass: "3"}, "protocol"},
	}
	for _, tc := range tests {
		_, err := ReadSettings(&checkpoint.Checkpoint{Meta: tc.meta})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.meta, err, tc.want)
		}
	}
}
