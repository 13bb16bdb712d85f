package pipeline

import (
	"fmt"
	"path/filepath"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// ImagesDataset is the dataset of normal images only, which is split by a
// validation share instead of a class and protocol.
const ImagesDataset = "images"

// Meta keys of the run settings in a training checkpoint.
const (
	MetaDataset   = "dataset"
	MetaClass     = "class"
	MetaClassName = "class_name"
	MetaProtocol  = "protocol"
	MetaValShare  = "val_share"
	MetaData      = "data"
	MetaMode      = "mode"
	MetaBatch     = "batch"
)

// ResumeKeys are the run settings a resumed run must match (see
// train.CheckResume).
var ResumeKeys = []string{MetaDataset, MetaClass, MetaProtocol, MetaValShare, MetaMode, MetaBatch}

// Settings are a training run's settings as its checkpoint records them.
type Settings struct {
	Dataset string
	// Class and Protocol are those of a dataset with a test protocol;
	// ValShare is the validation share of ImagesDataset.
	Class, Protocol int
	ValShare        float64
	// ClassName is the class's folder ("" when none); Data is where the
	// data is ("" for a built-in location).
	ClassName, Data string
	Mode            train.Mode
	Batch           int
}

// Meta returns the settings as Meta entries; Data is made absolute.
func (s Settings) Meta() map[string]string {
	m := s.DataMeta()
	m[MetaMode], m[MetaBatch] = s.Mode.String(), fmt.Sprint(s.Batch)
	return m
}

// DataMeta is Meta without the training settings (Mode and Batch): the
// entries that ReadSettings reads.
func (s Settings) DataMeta() map[string]string {
	m := map[string]string{MetaDataset: s.Dataset}
	if s.Dataset == ImagesDataset {
		m[MetaValShare] = train.FormatFloat(s.ValShare)
	} else {
		m[MetaClass], m[MetaProtocol] = fmt.Sprint(s.Class), fmt.Sprint(s.Protocol)
	}
	if s.ClassName != "" {
		m[MetaClassName] = s.ClassName
	}
	if s.Data != "" {
		m[MetaData] = s.Data
		if abs, err := filepath.Abs(s.Data); err == nil {
			m[MetaData] = abs
		}
	}
	return m
}

// ReadSettings returns the dataset settings recorded in ck: the dataset,
// its class and protocol or validation share, the class name and where the
// data is (Mode and Batch are left zero).
func ReadSettings(ck *checkpoint.Checkpoint) (Settings, error) {
	var s Settings
	m := ck.Meta
	if s.Dataset = m[MetaDataset]; s.Dataset == "" {
		return s, fmt.Errorf("the checkpoint does not say which dataset it was trained on")
	}
	s.Data, s.ClassName = m[MetaData], m[MetaClassName]
	if s.Dataset == ImagesDataset {
		if _, err := fmt.Sscan(m[MetaValShare], &s.ValShare); err != nil {
			return s, fmt.Errorf("the checkpoint's validation share %q: %w", m[MetaValShare], err)
		}
		return s, nil
	}
	if _, err := fmt.Sscan(m[MetaClass], &s.Class); err != nil {
		return s, fmt.Errorf("the checkpoint's class %q: %w", m[MetaClass], err)
	}
	if _, err := fmt.Sscan(m[MetaProtocol], &s.Protocol); err != nil {
		return s, fmt.Errorf("the checkpoint's protocol %q: %w", m[MetaProtocol], err)
	}
	return s, nil
}
