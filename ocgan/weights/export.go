package weights

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
)

// Metadata keys of an exported file. Values are strings, as the format
// requires.
const (
	// MetaFormat is "ocgan-vk".
	MetaFormat = "format"
	// MetaGeometry is the geometry as checkpoint.MarshalGeometry writes it.
	MetaGeometry = "ocgan.geometry"
	// MetaImageSize, MetaChannels and MetaLatent repeat the geometry's
	// sizes as decimal integers, for readers that build the peer's
	// networks (img_size, nc, latent).
	MetaImageSize = "ocgan.image_size"
	MetaChannels  = "ocgan.channels"
	MetaLatent    = "ocgan.latent"
	// MetaResize is the preprocessing's resize policy ("fit" or "crop");
	// MetaRange the input value range ("-1,1").
	MetaResize = "ocgan.resize"
	MetaRange  = "ocgan.range"
	// MetaThreshold is the novelty-score threshold ("NaN" when none).
	MetaThreshold = "ocgan.threshold"
	// MetaNetworks lists the networks in the file, e.g. "En,De".
	MetaNetworks = "ocgan.networks"
	// MetaScore says what the novelty score is.
	MetaScore = "ocgan.score"
)

// formatName is MetaFormat's value.
const formatName = "ocgan-vk"

// scoreDefinition is MetaScore's value.
const scoreDefinition = "per-image mean squared error of De(En(x)) and x, both networks in eval mode"

// ScoringNets are the networks a scorer needs, the default of Export.
func ScoringNets() []model.Net { return []model.Net{model.NetEncoder, model.NetDecoder} }

// Export returns the safetensors encoding of the given networks of ck
// (ScoringNets if none) under the peer's names, with the geometry,
// preprocessing and threshold in the metadata. Every parameter and running
// statistic of those networks must be in ck.
func Export(ck *checkpoint.Checkpoint, nets ...model.Net) ([]byte, error) {
	if len(nets) == 0 {
		nets = ScoringNets()
	}
	pairs, err := PeerNames(ck.Geometry, nets...)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*checkpoint.Tensor, len(ck.Tensors))
	for i := range ck.Tensors {
		byName[ck.Tensors[i].Name] = &ck.Tensors[i]
	}
	tensors := make([]Tensor, 0, len(pairs))
	for _, p := range pairs {
		t, ok := byName[p.Ours]
		if !ok {
			return nil, fmt.Errorf("weights: export: %w: the checkpoint has no %q (for %q)", ErrMissing, p.Ours, p.Peer)
		}
		tensors = append(tensors, Tensor{Name: p.Peer, Shape: t.Shape, Data: t.Data})
	}
	meta, err := metadata(ck, nets)
	if err != nil {
		return nil, err
	}
	b, err := Encode(tensors, meta)
	if err != nil {
		return nil, fmt.Errorf("weights: export: %w", err)
	}
	return b, nil
}

// WriteFile writes Export's result to path atomically.
func WriteFile(path string, ck *checkpoint.Checkpoint, nets ...model.Net) error {
	b, err := Export(ck, nets...)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, b, 0o644); err != nil {
		return fmt.Errorf("weights: writing %s: %w", path, err)
	}
	return nil
}

func metadata(ck *checkpoint.Checkpoint, nets []model.Net) (map[string]string, error) {
	geo, err := checkpoint.MarshalGeometry(ck.Geometry)
	if err != nil {
		return nil, fmt.Errorf("weights: export: %w", err)
	}
	names := make([]string, len(nets))
	for i, n := range nets {
		names[i] = string(n)
	}
	g := ck.Geometry
	return map[string]string{
		MetaFormat:    formatName,
		MetaGeometry:  string(geo),
		MetaImageSize: strconv.Itoa(g.ImageSize),
		MetaChannels:  strconv.Itoa(g.Channels),
		MetaLatent:    strconv.Itoa(g.Latent),
		MetaResize:    ck.Preprocessing().Resize.String(),
		MetaRange:     fmt.Sprintf("%g,%g", dataset.RangeMin, dataset.RangeMax),
		MetaThreshold: strconv.FormatFloat(ck.Train.Threshold, 'g', -1, 64),
		MetaNetworks:  strings.Join(names, ","),
		MetaScore:     scoreDefinition,
	}, nil
}
