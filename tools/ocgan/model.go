package main

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"os"

	"github.com/ocgan-vk/ocgan/firmware"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/spf13/pflag"
)

// maxScoreBatch is the largest batch of the scoring program.
const maxScoreBatch = 256

// newScorer builds a scorer from a checkpoint's encoder and decoder that
// scores up to batch images per submit (at most maxScoreBatch).
func newScorer(be backend.Backend, ck *checkpoint.Checkpoint, batch int) (*train.Scorer, error) {
	return newScorerOf(be, ck, batch, train.NewScorer)
}

// newReconstructor is newScorer for a scorer that also returns the
// reconstructions (train.NewReconstructor).
func newReconstructor(be backend.Backend, ck *checkpoint.Checkpoint, batch int) (*train.Scorer, error) {
	return newScorerOf(be, ck, batch, train.NewReconstructor)
}

func newScorerOf(be backend.Backend, ck *checkpoint.Checkpoint, batch int,
	build func(backend.Backend, model.Geometry, int, *graph.ParamSet) (*train.Scorer, error)) (*train.Scorer, error) {
	batch = min(max(batch, 1), maxScoreBatch)
	m, err := model.New(ck.Geometry)
	if err != nil {
		return nil, err
	}
	// Declare the encoder's and decoder's parameters, then take their values
	// from the checkpoint.
	ps, err := m.ScoringParams()
	if err != nil {
		return nil, err
	}
	if err := ck.Restore(ps, nil); err != nil {
		return nil, err
	}
	return build(be, ck.Geometry, batch, ps)
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

func addModelFlags(fs *pflag.FlagSet) {
	fs.String("model", "", "the model: a checkpoint (ocgan train), a bundle (ocgan bundle build) or an install root (ocgan bundle install)")
	addKeyFlag(fs, "public key that verifies a bundle or an install root's current bundle")
}

// openModelFlags opens the model that --model names (see openModel).
func openModelFlags(fs *pflag.FlagSet) (*loadedModel, error) {
	path, _ := fs.GetString("model")
	if path == "" {
		return nil, usageError{fmt.Errorf("--model is required")}
	}
	return openModel(path, func() (ed25519.PublicKey, error) { return publicKey(fs) })
}

// openModel opens a checkpoint file, a bundle file, or the current version
// of an install root (a directory). Bundles are verified with the key that
// pub returns before anything in them is used, and refused if they need a
// newer runtime.
func openModel(path string, pub func() (ed25519.PublicKey, error)) (*loadedModel, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		in, err := firmware.Current(path)
		if err != nil {
			return nil, err
		}
		key, err := pub()
		if err != nil {
			return nil, err
		}
		b, err := in.Open(key)
		if err != nil {
			return nil, err
		}
		return fromBundle(b, in.BundlePath())
	}
	isBundle, err := hasMagic(path, firmware.Magic)
	if err != nil {
		return nil, err
	}
	if !isBundle {
		ck, err := checkpoint.Load(path)
		if err != nil {
			return nil, err
		}
		return &loadedModel{ck: ck, threshold: ck.Train.Threshold, source: path}, nil
	}
	key, err := pub()
	if err != nil {
		return nil, err
	}
	b, err := firmware.OpenFile(path, key)
	if err != nil {
		return nil, err
	}
	return fromBundle(b, path)
}

// fromBundle decodes a verified bundle's model.
func fromBundle(b *firmware.Bundle, path string) (*loadedModel, error) {
	meta := b.Meta()
	if err := meta.CheckRuntime(version); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ck, err := b.Checkpoint()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &loadedModel{ck: ck, threshold: meta.Threshold, version: meta.ModelVersion, id: b.ID(),
		source: fmt.Sprintf("%s (bundle %s, model %s)", path, b.ID(), meta.ModelVersion)}, nil
}

// hasMagic reports whether the file at path starts with magic.
func hasMagic(path, magic string) (bool, error) {
	f, _, err := boundedfile.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, len(magic))
	if _, err := io.ReadFull(f, buf); err != nil {
		return false, nil // too short for a bundle: let the checkpoint reader say what is wrong
	}
	return string(buf) == magic, nil
}
