package firmware

import (
	"fmt"
	"math"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/runtime/strictjson"
)

// The weight encodings of the model part.
const (
	// WeightsFP32 is a checkpoint file (ocgan/checkpoint), lossless.
	WeightsFP32 = "fp32"
	// WeightsFP16 is the package's fp16 encoding (see the package doc).
	WeightsFP16 = "fp16"
)

// The preprocessing every bundle declares; a runtime must feed the model
// images prepared this way.
const (
	ResizeBilinear = dataset.Interpolation
	GrayscaleBT601 = dataset.Grayscale
)

// Meta is the content of meta.json: what a runtime needs besides the
// weights to score images, and where the model came from.
type Meta struct {
	// FormatVersion is the bundle format version; it equals the header's.
	FormatVersion uint32 `json:"format_version"`
	// ModelVersion is a semantic version chosen by whoever builds the
	// bundle; install refuses to lower it. Free text belongs in the build
	// metadata: "1.4.0+mnist-c1-2026-11-28".
	ModelVersion string `json:"model_version"`
	// MinRuntimeVersion is the oldest runtime (semantic version) that may
	// load the bundle.
	MinRuntimeVersion string `json:"min_runtime_version"`
	// Created is when the bundle was built (UTC).
	Created time.Time `json:"created"`
	// Geometry is the model geometry's name, e.g. "MNIST28".
	Geometry string `json:"geometry"`
	// Weights is the model part's encoding, WeightsFP32 or WeightsFP16.
	Weights string `json:"weights"`
	// Threshold is the novelty-score threshold: a score at or above it is an
	// anomaly.
	Threshold float64 `json:"threshold"`
	// Score normalises scores: (score - Mean) / Std over the in-class
	// validation scores; both zero when unknown.
	Score ScoreNorm `json:"score"`
	// Input is the image geometry and preprocessing the model expects.
	Input Input `json:"input"`
	// Source says what the model was trained on.
	Source Source `json:"source"`

	// BundleID is the bundle's id. It is not stored in meta.json (the
	// manifest that the id is a hash of holds meta.json's hash); Open fills
	// it in.
	BundleID string `json:"-"`
}

// ScoreNorm is the mean and standard deviation of the in-class validation
// scores.
type ScoreNorm struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

// Input describes the model's input images and how to prepare them.
type Input struct {
	ImageSize int        `json:"image_size"`
	Channels  int        `json:"channels"`
	Range     [2]float64 `json:"range"`
	Resize    string     `json:"resize"`
	Grayscale string     `json:"grayscale"`
	// ResizePolicy is how an image that is not square becomes square:
	// "crop" (its centred square is resized), or "" or "fit" (the whole
	// image is resized, its aspect ratio not kept). Build leaves it empty
	// for fit, so such bundles read as they did before the field existed.
	ResizePolicy string `json:"resize_policy,omitempty"`
}

// inputOf returns the Input of a checkpoint's preprocessing.
func inputOf(p checkpoint.Preprocessing) Input {
	in := Input{ImageSize: p.ImageSize, Channels: p.Channels, Range: [2]float64{dataset.RangeMin, dataset.RangeMax},
		Resize: ResizeBilinear, Grayscale: GrayscaleBT601}
	if p.Resize != dataset.ResizeFit {
		in.ResizePolicy = p.Resize.String()
	}
	return in
}

// Preprocessing returns the preprocessing in describes (Input must have
// passed the checks of Open).
func (in Input) Preprocessing() checkpoint.Preprocessing {
	r := dataset.ResizeFit
	if in.ResizePolicy == dataset.ResizeCrop.String() {
		r = dataset.ResizeCrop
	}
	return checkpoint.Preprocessing{ImageSize: in.ImageSize, Channels: in.Channels, Resize: r}
}

// Source names the training data.
type Source struct {
	Dataset string `json:"dataset,omitempty"`
	Class   string `json:"class,omitempty"`
}

// validate checks m for everything Build writes and Open requires.
func (m *Meta) validate(format uint32) error {
	if m.FormatVersion != format {
		return fmt.Errorf("format_version %d, the header says %d", m.FormatVersion, format)
	}
	if _, err := parseSemver(m.ModelVersion); err != nil {
		return fmt.Errorf("model_version: %v", err)
	}
	if _, err := parseSemver(m.MinRuntimeVersion); err != nil {
		return fmt.Errorf("min_runtime_version: %v", err)
	}
	if m.Weights != WeightsFP32 && m.Weights != WeightsFP16 {
		return fmt.Errorf("weights %q, want %q or %q", m.Weights, WeightsFP32, WeightsFP16)
	}
	if m.Geometry == "" {
		return fmt.Errorf("empty geometry name")
	}
	if m.Created.IsZero() {
		return fmt.Errorf("no creation time")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"threshold", m.Threshold}, {"score.mean", m.Score.Mean}, {"score.std", m.Score.Std}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s is %v, want a finite number", f.name, f.v)
		}
	}
	if m.Score.Std < 0 {
		return fmt.Errorf("score.std %v < 0", m.Score.Std)
	}
	in := m.Input
	switch {
	case in.ImageSize < 1 || in.Channels < 1:
		return fmt.Errorf("input %dx%d with %d channels", in.ImageSize, in.ImageSize, in.Channels)
	case in.Range != [2]float64{-1, 1}:
		return fmt.Errorf("input range %v, want [-1, 1]", in.Range)
	case in.Resize != ResizeBilinear:
		return fmt.Errorf("input resize %q, want %q", in.Resize, ResizeBilinear)
	case in.Grayscale != GrayscaleBT601:
		return fmt.Errorf("input grayscale %q, want %q", in.Grayscale, GrayscaleBT601)
	case in.ResizePolicy != "" && in.ResizePolicy != dataset.ResizeFit.String() && in.ResizePolicy != dataset.ResizeCrop.String():
		return fmt.Errorf("input resize_policy %q, want \"fit\" or \"crop\"", in.ResizePolicy)
	}
	return nil
}

// parseMeta decodes and validates meta.json of a bundle of the given
// format version.
func parseMeta(b []byte, format uint32) (Meta, error) {
	var m Meta
	if err := strictjson.Decode(b, &m); err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrCorrupt, PartMeta, err)
	}
	if err := m.validate(format); err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrCorrupt, PartMeta, err)
	}
	return m, nil
}

// CheckRuntime returns an error wrapping ErrRuntime if runtimeVersion is
// older than the bundle's MinRuntimeVersion (or either does not parse).
func (m Meta) CheckRuntime(runtimeVersion string) error {
	c, err := CompareVersions(runtimeVersion, m.MinRuntimeVersion)
	if err != nil {
		return fmt.Errorf("%w: runtime version check: %v", ErrRuntime, err)
	}
	if c < 0 {
		return fmt.Errorf("%w: bundle %s needs runtime %s or newer, this is %s", ErrRuntime, m.BundleID, m.MinRuntimeVersion, runtimeVersion)
	}
	return nil
}
