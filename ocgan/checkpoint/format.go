package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
)

// The constants of the file format (see the package documentation).
const (
	// Magic opens every checkpoint file.
	Magic = "OCGANCKP"
	// Version is the newest format version. This package reads it and
	// every older one down to MinVersion, and writes the oldest version
	// that holds a checkpoint (version 1 unless it records a
	// preprocessing other than its geometry's default).
	Version uint32 = 2
	// MinVersion is the oldest format version this package reads.
	MinVersion uint32 = 1
	// DefaultMaxBytes bounds the compressed and the uncompressed size of a
	// checkpoint that Load accepts (4 GiB).
	DefaultMaxBytes int64 = 4 << 30
	// MaxRatio is the largest accepted ratio of uncompressed payload to
	// compressed section; Save pads to stay within it.
	MaxRatio = 64
	// MaxRank is the largest accepted tensor rank.
	MaxRank = 8

	headerSize = 32
	sumSize    = 32 // SHA-256
	// maxWindow is the zstd window the encoder uses and the decoder accepts.
	maxWindow = 8 << 20
	// skippableHeader is the size of a zstd skippable frame's magic and length.
	skippableHeader = 8
)

// The kinds of error Decode, Load and CheckArchitecture return, wrapped with
// the details; test with errors.Is.
var (
	// ErrBadMagic: the data does not start with Magic.
	ErrBadMagic = errors.New("not an OCGAN checkpoint (bad magic)")
	// ErrVersion: a format version this build does not read.
	ErrVersion = errors.New("unsupported checkpoint format version")
	// ErrTruncated: the data ends before the header says it should.
	ErrTruncated = errors.New("truncated checkpoint")
	// ErrChecksum: the SHA-256 over header and compressed data does not match.
	ErrChecksum = errors.New("checkpoint checksum mismatch")
	// ErrTooLarge: a size exceeds the caller's limit or MaxRatio.
	ErrTooLarge = errors.New("checkpoint too large")
	// ErrCorrupt: the checksum matches but the content is inconsistent
	// (bad flags, zstd data, manifest, tensor sizes), or trailing data.
	ErrCorrupt = errors.New("corrupt checkpoint")
	// ErrArchitecture: the checkpoint is for another model geometry or
	// does not hold the tensors a ParamSet needs.
	ErrArchitecture = errors.New("checkpoint architecture mismatch")
)

// manifest is the JSON object at the start of the payload.
type manifest struct {
	Geometry geometryJSON `json:"geometry"`
	// Preprocess is present in format version 2 and absent in version 1.
	Preprocess *preprocessJSON   `json:"preprocess,omitempty"`
	Train      trainJSON         `json:"train"`
	Meta       map[string]string `json:"meta,omitempty"`
	Tensors    []tensorJSON      `json:"tensors"`
	AdamSteps  map[string]int    `json:"adam_steps,omitempty"`
}

// The tensor roles of the manifest.
const (
	roleParam = "param"
	roleState = "state"
	roleAdamM = "adam_m"
	roleAdamV = "adam_v"
)

// tensorJSON describes one tensor of the data section.
type tensorJSON struct {
	Name   string `json:"name"`
	Role   string `json:"role"`
	Shape  []int  `json:"shape"`
	Offset int64  `json:"offset"`
}

// trainJSON is TrainState in the manifest.
type trainJSON struct {
	Epoch      int       `json:"epoch"`
	Iteration  int       `json:"iteration"`
	Seed       uint64    `json:"seed"`
	RNGCounter uint64    `json:"rng_counter"`
	BestValMSE jsonFloat `json:"best_val_mse"`
	BestEpoch  int       `json:"best_epoch"`
	Threshold  jsonFloat `json:"threshold"`
}

// geometryJSON is model.Geometry in the manifest, with field names fixed
// by the format rather than by the Go struct.
type geometryJSON struct {
	Name            string   `json:"name"`
	ImageSize       int      `json:"image_size"`
	Channels        int      `json:"channels"`
	Latent          int      `json:"latent"`
	Depth           int      `json:"depth"`
	Kernel          int      `json:"kernel"`
	Stride          int      `json:"stride"`
	EncoderWidth    int      `json:"encoder_width"`
	VisualWidth     int      `json:"visual_width"`
	ClassifierWidth int      `json:"classifier_width"`
	LatentWidths    []int    `json:"latent_widths"`
	Sizes           []int    `json:"sizes"`
	ConvPad         []int    `json:"conv_pad"`
	TransposedPad   [][2]int `json:"transposed_pad"`
	DropoutP        float32  `json:"dropout_p"`
	DropoutBlock    int      `json:"dropout_block"`
	BNMomentum      float32  `json:"bn_momentum"`
	BNEps           float32  `json:"bn_eps"`
	LeakySlope      float32  `json:"leaky_slope"`
}

// geometryFields is the number of fields of model.Geometry that
// geometryJSON mirrors; a test fails when model.Geometry gains one.
const geometryFields = 19

func toGeometryJSON(g model.Geometry) geometryJSON {
	tp := make([][2]int, len(g.TransposedPad))
	for i, t := range g.TransposedPad {
		tp[i] = [2]int{t.Pad, t.OutPad}
	}
	return geometryJSON{
		Name: g.Name, ImageSize: g.ImageSize, Channels: g.Channels, Latent: g.Latent,
		Depth: g.Depth, Kernel: g.Kernel, Stride: g.Stride,
		EncoderWidth: g.EncoderWidth, VisualWidth: g.VisualWidth, ClassifierWidth: g.ClassifierWidth,
		LatentWidths: cloneInts(g.LatentWidths), Sizes: cloneInts(g.Sizes), ConvPad: cloneInts(g.ConvPad),
		TransposedPad: tp,
		DropoutP:      g.DropoutP, DropoutBlock: g.DropoutBlock,
		BNMomentum: g.BNMomentum, BNEps: g.BNEps, LeakySlope: g.LeakySlope,
	}
}

func (j geometryJSON) geometry() model.Geometry {
	var tp []model.TransposedPad
	if j.TransposedPad != nil {
		tp = make([]model.TransposedPad, len(j.TransposedPad))
		for i, t := range j.TransposedPad {
			tp[i] = model.TransposedPad{Pad: t[0], OutPad: t[1]}
		}
	}
	return model.Geometry{
		Name: j.Name, ImageSize: j.ImageSize, Channels: j.Channels, Latent: j.Latent,
		Depth: j.Depth, Kernel: j.Kernel, Stride: j.Stride,
		EncoderWidth: j.EncoderWidth, VisualWidth: j.VisualWidth, ClassifierWidth: j.ClassifierWidth,
		LatentWidths: cloneInts(j.LatentWidths), Sizes: cloneInts(j.Sizes), ConvPad: cloneInts(j.ConvPad),
		TransposedPad: tp,
		DropoutP:      j.DropoutP, DropoutBlock: j.DropoutBlock,
		BNMomentum: j.BNMomentum, BNEps: j.BNEps, LeakySlope: j.LeakySlope,
	}
}

// preprocessJSON is Preprocessing in the manifest, with the parts every
// reader applies (interpolation, grayscale conversion, value range) named
// so that a build that applies others refuses the file.
type preprocessJSON struct {
	ImageSize     int        `json:"image_size"`
	Channels      int        `json:"channels"`
	Resize        string     `json:"resize"`
	Interpolation string     `json:"interpolation"`
	Grayscale     string     `json:"grayscale"`
	Range         [2]float64 `json:"range"`
}

func toPreprocessJSON(p Preprocessing) *preprocessJSON {
	return &preprocessJSON{ImageSize: p.ImageSize, Channels: p.Channels, Resize: p.Resize.String(),
		Interpolation: dataset.Interpolation, Grayscale: dataset.Grayscale,
		Range: [2]float64{dataset.RangeMin, dataset.RangeMax}}
}

func (j *preprocessJSON) preprocessing() (Preprocessing, error) {
	r, err := dataset.ParseResizePolicy(j.Resize)
	if err != nil {
		return Preprocessing{}, fmt.Errorf("preprocess: resize %q: want fit or crop", j.Resize)
	}
	switch {
	case j.Interpolation != dataset.Interpolation:
		return Preprocessing{}, fmt.Errorf("preprocess: interpolation %q: this build applies %q", j.Interpolation, dataset.Interpolation)
	case j.Grayscale != dataset.Grayscale:
		return Preprocessing{}, fmt.Errorf("preprocess: grayscale %q: this build applies %q", j.Grayscale, dataset.Grayscale)
	case j.Range != [2]float64{dataset.RangeMin, dataset.RangeMax}:
		return Preprocessing{}, fmt.Errorf("preprocess: range %v: this build maps pixels to [%g, %g]", j.Range, dataset.RangeMin, dataset.RangeMax)
	}
	return Preprocessing{ImageSize: j.ImageSize, Channels: j.Channels, Resize: r}, nil
}

func cloneInts(v []int) []int {
	if v == nil {
		return nil
	}
	return append([]int{}, v...)
}

// jsonFloat is a float64 that also encodes NaN and ±Inf, as the strings
// "NaN", "+Inf" and "-Inf"; finite values are JSON numbers and round-trip
// exactly.
type jsonFloat float64

// MarshalJSON implements json.Marshaler.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch s {
		case "NaN":
			*f = jsonFloat(math.NaN())
		case "+Inf":
			*f = jsonFloat(math.Inf(1))
		case "-Inf":
			*f = jsonFloat(math.Inf(-1))
		default:
			return fmt.Errorf("float %s: want a number, \"NaN\", \"+Inf\" or \"-Inf\"", strconv.Quote(s))
		}
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jsonFloat(v)
	return nil
}

// MarshalGeometry returns geo as the JSON object a checkpoint's manifest
// stores under "geometry" (the field names of the file format, not of the
// Go struct), for other files that record a geometry.
func MarshalGeometry(geo model.Geometry) ([]byte, error) {
	b, err := json.Marshal(toGeometryJSON(geo))
	if err != nil {
		return nil, fmt.Errorf("checkpoint: geometry %q: %w", geo.Name, err)
	}
	return b, nil
}

// UnmarshalGeometry parses what MarshalGeometry writes, refusing unknown
// fields, and validates the geometry.
func UnmarshalGeometry(b []byte) (model.Geometry, error) {
	var j geometryJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return model.Geometry{}, fmt.Errorf("checkpoint: geometry JSON: %w", err)
	}
	if dec.More() {
		return model.Geometry{}, errors.New("checkpoint: geometry JSON: data after the object")
	}
	geo := j.geometry()
	if err := geo.Validate(); err != nil {
		return model.Geometry{}, fmt.Errorf("checkpoint: geometry JSON: %w", err)
	}
	return geo, nil
}
