package main

import (
	"crypto/ed25519"
	"fmt"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/modelsrc"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/spf13/pflag"
)

// maxScoreBatch is the largest batch of the scoring program.
const maxScoreBatch = modelsrc.MaxScoreBatch

// newScorer builds a scorer from a checkpoint's encoder and decoder that
// scores up to batch images per submit (at most maxScoreBatch).
func newScorer(be backend.Backend, ck *checkpoint.Checkpoint, batch int) (*train.Scorer, error) {
	return modelsrc.NewScorer(be, ck, batch)
}

// newReconstructor is newScorer for a scorer that also returns the
// reconstructions.
func newReconstructor(be backend.Backend, ck *checkpoint.Checkpoint, batch int) (*train.Scorer, error) {
	return modelsrc.NewReconstructor(be, ck, batch)
}

// loadModel reads a checkpoint, with the file named in any error.
func loadModel(path string) (*checkpoint.Checkpoint, error) {
	if path == "" {
		return nil, usageError{fmt.Errorf("--model is required")}
	}
	return checkpoint.Load(path)
}

// loadedModel is a model ready to score: the checkpoint (at least the
// encoder and decoder), its threshold, and where it came from.
type loadedModel struct {
	ck        *checkpoint.Checkpoint
	threshold float64
	// source describes the origin (a path, and for bundles the id and
	// version); version and id are the bundle's ("" for a checkpoint).
	source, version, id string
}

// modelFlags are --model and --key.
type modelFlags struct {
	path string
	key  keyFlag
}

func (f *modelFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.path, "model", "", "the model: a checkpoint (ocgan train), a bundle (ocgan bundle build) or an install root (ocgan bundle install)")
	f.key.add(fs, "public key that verifies a bundle or an install root's current bundle")
}

// opener opens models, verifying bundles with --key.
func (f *modelFlags) opener() modelsrc.Opener {
	return modelsrc.Opener{Key: f.key.load, Runtime: version}
}

// open opens the model that --model names (see modelsrc.Opener.Open).
func (f *modelFlags) open() (*loadedModel, error) {
	if f.path == "" {
		return nil, usageError{fmt.Errorf("--model is required")}
	}
	m, err := f.opener().Open(f.path)
	if err != nil {
		return nil, err
	}
	return fromModel(m), nil
}

// openModel opens a checkpoint file, a bundle file, or the current version
// of an install root, verifying bundles with the key that pub returns.
func openModel(path string, pub func() (ed25519.PublicKey, error)) (*loadedModel, error) {
	m, err := modelsrc.Opener{Key: pub, Runtime: version}.Open(path)
	if err != nil {
		return nil, err
	}
	return fromModel(m), nil
}

// fromModel is the loadedModel of m.
func fromModel(m *modelsrc.Model) *loadedModel {
	return &loadedModel{ck: m.Checkpoint, threshold: m.Threshold, source: m.Source, version: m.Version, id: m.ID}
}
