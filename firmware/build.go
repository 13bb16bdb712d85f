package firmware

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
)

// BuildOptions are the bundle's metadata beyond what the checkpoint holds.
type BuildOptions struct {
	// ModelVersion is the model's semantic version (required), e.g.
	// "1.4.0+mnist-c1-2026-11-28".
	ModelVersion string
	// MinRuntimeVersion is the oldest runtime that may load the bundle
	// (semantic version); "" means "0.0.0", any runtime.
	MinRuntimeVersion string
	// FP16 stores the weights as IEEE 754 binary16 instead of the lossless
	// float32 checkpoint.
	FP16 bool
	// ScoreMean and ScoreStd normalise scores (zero if unknown).
	ScoreMean, ScoreStd float64
	// Dataset and Class name the training data; "" takes the checkpoint's
	// Meta["dataset"] and Meta["class"].
	Dataset, Class string
	// Created is the build time; the zero value means now.
	Created time.Time
}

// Build returns a bundle of ck's encoder and decoder (parameters and
// batch-norm state; no discriminators, classifier or Adam state) and its
// metadata, signed with key. The threshold is ck.Train.Threshold, which
// must be finite. The bundle is opened again before it is returned, so
// whatever Build returns, Open accepts.
func Build(opts BuildOptions, ck *checkpoint.Checkpoint, key ed25519.PrivateKey) ([]byte, error) {
	b, err := build(opts, ck, key)
	if err != nil {
		return nil, fmt.Errorf("firmware: build: %w", err)
	}
	return b, nil
}

func build(opts BuildOptions, ck *checkpoint.Checkpoint, key ed25519.PrivateKey) ([]byte, error) {
	if ck == nil {
		return nil, fmt.Errorf("nil checkpoint")
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: private key of %d bytes, want %d", ErrKey, len(key), ed25519.PrivateKeySize)
	}
	if math.IsNaN(ck.Train.Threshold) || math.IsInf(ck.Train.Threshold, 0) {
		return nil, fmt.Errorf("checkpoint threshold is %v: choose one (ocgan eval) before bundling", ck.Train.Threshold)
	}
	stripped, err := stripForScoring(ck)
	if err != nil {
		return nil, err
	}
	meta := Meta{
		FormatVersion:     FormatVersion,
		ModelVersion:      opts.ModelVersion,
		MinRuntimeVersion: opts.MinRuntimeVersion,
		Created:           opts.Created.UTC().Round(0),
		Geometry:          ck.Geometry.Name,
		Weights:           WeightsFP32,
		Threshold:         ck.Train.Threshold,
		Score:             ScoreNorm{Mean: opts.ScoreMean, Std: opts.ScoreStd},
		Input:             inputOf(ck.Preprocessing()),
		Source:            Source{Dataset: opts.Dataset, Class: opts.Class},
	}
	if meta.MinRuntimeVersion == "" {
		meta.MinRuntimeVersion = "0.0.0"
	}
	if opts.Created.IsZero() {
		meta.Created = time.Now().UTC().Round(0)
	}
	if meta.Source.Dataset == "" {
		meta.Source.Dataset = ck.Meta["dataset"]
	}
	if meta.Source.Class == "" {
		meta.Source.Class = ck.Meta["class"]
	}
	var model []byte
	if opts.FP16 {
		meta.Weights = WeightsFP16
		model, err = encodeFP16(stripped)
	} else {
		var buf bytes.Buffer
		err = checkpoint.Encode(&buf, stripped)
		model = buf.Bytes()
	}
	if err != nil {
		return nil, fmt.Errorf("model part: %w", err)
	}
	if err := meta.validate(FormatVersion); err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	mj, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	out, err := assemble(FormatVersion, []namedPart{{PartMeta, mj}, {PartModel, model}}, key)
	if err != nil {
		return nil, err
	}
	bd, err := Open(out, key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("the built bundle does not open: %w", err)
	}
	if _, err := bd.Checkpoint(); err != nil {
		return nil, fmt.Errorf("the built bundle's model does not decode: %w", err)
	}
	return out, nil
}
