package weights

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
)

// ImportOptions are what Import takes from outside the file.
type ImportOptions struct {
	// Geometry is the model's geometry when the file records none (a file
	// the peer wrote). When the file records one as well, their image
	// size, channels and latent length must agree.
	Geometry *model.Geometry
	// Threshold, if not nil, is the novelty-score threshold; otherwise the
	// file's, or NaN (none: calibrate the model before it gives verdicts).
	Threshold *float64
}

// Import returns a scoring checkpoint (the encoder's and decoder's
// parameters and running statistics) built from f's tensors under the
// peer's names. Tensors of other networks and the peer's
// num_batches_tracked are ignored. A missing tensor is an error wrapping
// ErrMissing, one of another shape one wrapping checkpoint.ErrArchitecture,
// one of another dtype one wrapping ErrDType; each names the tensor.
func Import(f *File, opts ImportOptions) (*checkpoint.Checkpoint, error) {
	geo, err := importGeometry(f, opts.Geometry)
	if err != nil {
		return nil, err
	}
	m, err := model.New(geo)
	if err != nil {
		return nil, fmt.Errorf("weights: import: %w", err)
	}
	ps, err := m.ScoringParams()
	if err != nil {
		return nil, fmt.Errorf("weights: import: %w", err)
	}
	pairs, err := PeerNames(geo, ScoringNets()...)
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		shape, err := f.Shape(p.Peer)
		if err != nil {
			return nil, fmt.Errorf("weights: import: %w (the %s of geometry %s)", err, p.Ours, geo.Name)
		}
		if want := ps.Shape(p.Ours); !slices.Equal(shape, want) {
			return nil, fmt.Errorf("weights: import: %w: tensor %q has shape %v, %s of geometry %s wants %v",
				checkpoint.ErrArchitecture, p.Peer, shape, p.Ours, geo.Name, want)
		}
		data, err := f.Float32(p.Peer)
		if err != nil {
			return nil, fmt.Errorf("weights: import: %w", err)
		}
		if err := ps.Set(p.Ours, data); err != nil {
			return nil, fmt.Errorf("weights: import: %q: %w", p.Peer, err)
		}
	}
	ck, err := checkpoint.FromParams(geo, ps, nil)
	if err != nil {
		return nil, fmt.Errorf("weights: import: %w", err)
	}
	ck.Train.BestValMSE = math.Inf(1)
	ck.Train.Threshold = math.NaN()
	if opts.Threshold != nil {
		ck.Train.Threshold = *opts.Threshold
	} else if s, ok := f.Metadata[MetaThreshold]; ok {
		if ck.Train.Threshold, err = strconv.ParseFloat(s, 64); err != nil {
			return nil, fmt.Errorf("weights: import: %w: metadata %s %q: %v", ErrFormat, MetaThreshold, s, err)
		}
	}
	ck.Preprocess = checkpoint.DefaultPreprocessing(geo)
	if s, ok := f.Metadata[MetaResize]; ok {
		if ck.Preprocess.Resize, err = dataset.ParseResizePolicy(s); err != nil {
			return nil, fmt.Errorf("weights: import: %w: metadata %s %q: %v", ErrFormat, MetaResize, s, err)
		}
	}
	return ck, nil
}

// importGeometry returns the file's geometry (checked against flags, if
// given), else flags, else the one ForImage derives from the file's sizes.
func importGeometry(f *File, flags *model.Geometry) (model.Geometry, error) {
	if s, ok := f.Metadata[MetaGeometry]; ok {
		geo, err := checkpoint.UnmarshalGeometry([]byte(s))
		if err != nil {
			return model.Geometry{}, fmt.Errorf("weights: import: %w: metadata %s: %v", ErrFormat, MetaGeometry, err)
		}
		if flags != nil && (flags.ImageSize != geo.ImageSize || flags.Channels != geo.Channels || flags.Latent != geo.Latent) {
			return model.Geometry{}, fmt.Errorf("weights: import: the file's geometry is %dx%[1]dx%d with latent %d, the options say %dx%[4]dx%d with latent %d",
				geo.ImageSize, geo.Channels, geo.Latent, flags.ImageSize, flags.Channels, flags.Latent)
		}
		return geo, nil
	}
	if flags != nil {
		return *flags, nil
	}
	var sizes [3]int
	for i, k := range []string{MetaImageSize, MetaChannels, MetaLatent} {
		s, ok := f.Metadata[k]
		if !ok {
			return model.Geometry{}, fmt.Errorf("weights: import: the file records no geometry (metadata %s): give the image size, channels and latent length", MetaGeometry)
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return model.Geometry{}, fmt.Errorf("weights: import: %w: metadata %s %q: %v", ErrFormat, k, s, err)
		}
		sizes[i] = v
	}
	geo, err := model.ForImage(sizes[0], sizes[1], sizes[2])
	if err != nil {
		return model.Geometry{}, fmt.Errorf("weights: import: %w", err)
	}
	return geo, nil
}
