package pipeline

import "github.com/ocgan-vk/ocgan/ocgan/checkpoint"

// Meta keys of a training checkpoint's provenance: the device, the time of
// the save (RFC 3339, UTC) and the program that trained it (absent in
// checkpoints of earlier builds).
const (
	MetaDevice  = "device"
	MetaCreated = "created"
	MetaVersion = "version"
	MetaCommit  = "commit"
	// MetaTestAUC is the finished run's test AUC ("%.6f"; absent when not
	// measured).
	MetaTestAUC = "test_auc"
)

// Provenance says where and by what a checkpoint was trained; a field is ""
// when the checkpoint does not record it.
type Provenance struct {
	Device, Created, Version, Commit string
}

// Meta returns the program's entries (version and commit), for Job.Meta.
func (p Provenance) Meta() map[string]string {
	return map[string]string{MetaVersion: p.Version, MetaCommit: p.Commit}
}

// ReadProvenance returns the provenance recorded in ck.
func ReadProvenance(ck *checkpoint.Checkpoint) Provenance {
	m := ck.Meta
	return Provenance{Device: m[MetaDevice], Created: m[MetaCreated], Version: m[MetaVersion], Commit: m[MetaCommit]}
}
