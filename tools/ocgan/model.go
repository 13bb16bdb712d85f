package main

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// maxScoreBatch is the largest batch of the scoring program.
const maxScoreBatch = 256

// newScorer builds a scorer from a checkpoint's encoder and decoder that
// scores up to batch images per submit (at most maxScoreBatch).
func newScorer(lib *kernels.Library, ck *checkpoint.Checkpoint, batch int) (*train.Scorer, error) {
	batch = min(max(batch, 1), maxScoreBatch)
	m, err := model.New(ck.Geometry)
	if err != nil {
		return nil, err
	}
	// Declare the encoder's and decoder's parameters, then take their values
	// from the checkpoint.
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Eval)
	x := g.Input("x", m.ImageShape(1)...)
	m.Decoder(g, m.Encoder(g, x))
	if err := g.Err(); err != nil {
		return nil, err
	}
	if err := ck.Restore(ps, nil); err != nil {
		return nil, err
	}
	return train.NewScorer(lib, ck.Geometry, batch, ps)
}

// loadModel reads a checkpoint, with the file named in any error.
func loadModel(path string) (*checkpoint.Checkpoint, error) {
	if path == "" {
		return nil, usageError{fmt.Errorf("--model is required")}
	}
	return checkpoint.Load(path)
}
