package modelsrc

import (
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// MaxScoreBatch is the largest batch of a scoring program.
const MaxScoreBatch = 256

// NewScorer builds a scorer from a checkpoint's encoder and decoder that
// scores up to batch images per submit (clamped to 1..MaxScoreBatch).
func NewScorer(be backend.Backend, ck *checkpoint.Checkpoint, batch int) (*train.Scorer, error) {
	return newScorerOf(be, ck, batch, train.NewScorer)
}

// NewReconstructor is NewScorer for a scorer that also returns the
// reconstructions (train.NewReconstructor).
func NewReconstructor(be backend.Backend, ck *checkpoint.Checkpoint, batch int) (*train.Scorer, error) {
	return newScorerOf(be, ck, batch, train.NewReconstructor)
}

func newScorerOf(be backend.Backend, ck *checkpoint.Checkpoint, batch int,
	build func(backend.Backend, model.Geometry, int, *graph.ParamSet) (*train.Scorer, error)) (*train.Scorer, error) {
	batch = min(max(batch, 1), MaxScoreBatch)
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
