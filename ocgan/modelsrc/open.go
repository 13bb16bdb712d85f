package modelsrc

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/ocgan-vk/ocgan/firmware"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// Model is a model ready to score: a checkpoint holding at least the
// encoder and decoder, its threshold, and where it came from.
type Model struct {
	Checkpoint *checkpoint.Checkpoint
	// Threshold is the decision threshold: scores at or above it are novel
	// (NaN for a checkpoint whose training has not finished).
	Threshold float64
	// Source describes the origin: the path, and for a bundle its id and
	// model version.
	Source string
	// Version and ID are the bundle's model version and id ("" for a
	// checkpoint).
	Version, ID string
}

// Opener opens models.
type Opener struct {
	// Key returns the public key that verifies bundles; it is called only
	// when a bundle is opened.
	Key KeyFunc
	// Runtime is the running ocgan version: bundles that need a newer one
	// are refused.
	Runtime string
}

// Open opens a checkpoint file, a bundle file, or the current version of an
// install root (a directory).
func (o Opener) Open(path string) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		in, err := firmware.Current(path)
		if err != nil {
			return nil, err
		}
		return o.openInstalled(in)
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
		return &Model{Checkpoint: ck, Threshold: ck.Train.Threshold, Source: path}, nil
	}
	key, err := o.Key()
	if err != nil {
		return nil, err
	}
	b, err := firmware.OpenFile(path, key)
	if err != nil {
		return nil, err
	}
	return o.fromBundle(b, path)
}

// OpenVersion opens the installed version id of the install root, whether
// or not it is current.
func (o Opener) OpenVersion(root, id string) (*Model, error) {
	in, err := firmware.Version(root, id)
	if err != nil {
		return nil, err
	}
	return o.openInstalled(in)
}

// openInstalled verifies and opens an installed bundle.
func (o Opener) openInstalled(in firmware.Installed) (*Model, error) {
	key, err := o.Key()
	if err != nil {
		return nil, err
	}
	b, err := in.Open(key)
	if err != nil {
		return nil, err
	}
	return o.fromBundle(b, in.BundlePath())
}

// fromBundle decodes a verified bundle's model, read from path.
func (o Opener) fromBundle(b *firmware.Bundle, path string) (*Model, error) {
	meta := b.Meta()
	if err := meta.CheckRuntime(o.Runtime); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ck, err := b.Checkpoint()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Model{Checkpoint: ck, Threshold: meta.Threshold, Version: meta.ModelVersion, ID: b.ID(),
		Source: fmt.Sprintf("%s (bundle %s, model %s)", path, b.ID(), meta.ModelVersion)}, nil
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

// FileDigest is the first 16 hex digits of the sha256 of a file: the id of a
// checkpoint served as it is.
func FileDigest(path string) (string, error) {
	f, _, err := boundedfile.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
