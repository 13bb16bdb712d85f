package pipeline

import (
	"maps"

	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// MetaImportedFrom records the weights file an imported checkpoint was
// built from.
const MetaImportedFrom = "imported_from"

// ImportMeta returns the Meta of a scoring checkpoint built from the
// weights file in: its training done and, when data is not "", the folder
// of normal images (ImagesDataset) of which calibration holds the share
// valShare out.
func ImportMeta(in, data string, valShare float64) map[string]string {
	m := map[string]string{MetaImportedFrom: in, train.MetaStatus: train.StatusDone}
	if data != "" {
		maps.Copy(m, Settings{Dataset: ImagesDataset, ValShare: valShare, Data: data}.DataMeta())
	}
	return m
}
