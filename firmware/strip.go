package firmware

import (
	"fmt"
	"slices"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// scorerParams returns the ParamSet an Eval graph of the encoder and the
// decoder of geo declares: exactly the parameters and state a scorer needs.
func scorerParams(geo model.Geometry) (*graph.ParamSet, error) {
	m, err := model.New(geo)
	if err != nil {
		return nil, err
	}
	return m.ScoringParams()
}

// stripForScoring returns a copy of ck holding only the tensors a scorer
// needs (encoder and decoder parameters and batch-norm state), in ck's
// order, without Adam state. Every needed tensor must be in ck with the
// role and shape the model declares.
func stripForScoring(ck *checkpoint.Checkpoint) (*checkpoint.Checkpoint, error) {
	ps, err := scorerParams(ck.Geometry)
	if err != nil {
		return nil, fmt.Errorf("geometry %q: %w", ck.Geometry.Name, err)
	}
	need := make(map[string]bool)
	for _, name := range ps.Names() {
		need[name] = true
	}
	out := &checkpoint.Checkpoint{Geometry: ck.Geometry, Preprocess: ck.Preprocess, Train: ck.Train, Meta: ck.Meta}
	for _, t := range ck.Tensors {
		if !need[t.Name] {
			continue
		}
		if t.Role != ps.Role(t.Name) || !slices.Equal(t.Shape, ps.Shape(t.Name)) {
			return nil, fmt.Errorf("%w: %s %q has shape %v in the checkpoint, the model declares a %s of shape %v",
				checkpoint.ErrArchitecture, t.Role, t.Name, t.Shape, ps.Role(t.Name), ps.Shape(t.Name))
		}
		delete(need, t.Name)
		out.Tensors = append(out.Tensors, t)
	}
	for _, name := range ps.Names() {
		if need[name] {
			return nil, fmt.Errorf("%w: the checkpoint lacks %s %q", checkpoint.ErrArchitecture, ps.Role(name), name)
		}
	}
	return out, nil
}
