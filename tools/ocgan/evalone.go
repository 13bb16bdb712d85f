package main

import (
	"fmt"
	"strconv"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/pipeline"
	"github.com/ocgan-vk/ocgan/runtime/backend"
)

// evalRun is one (class, seed) evaluation.
type evalRun struct {
	Class      int     `json:"class"`
	Seed       uint64  `json:"seed"`
	Model      string  `json:"model"`
	AUC        float64 `json:"auc"`
	F1         float64 `json:"f1"`
	Precision  float64 `json:"precision"`
	Recall     float64 `json:"recall"`
	Threshold  float64 `json:"threshold"`
	TestImages int     `json:"test_images"`
	// ScoreNoise is --score-noise: the σ of the noise on the scored input.
	ScoreNoise float64 `json:"score_noise,omitempty"`
	roc        []metrics.Point
	scores     []float64
	novel      []bool
	ck         *checkpoint.Checkpoint
}

// evalOne scores the test split of (class, seed) with the model at path.
// With seedFromModel, the split's seed is the one the model was trained with.
// It draws the run's anomaly maps as maps says.
func (c *evalCmd) evalOne(be backend.Backend, d dataFlags, class int, seed uint64, path string, seedFromModel bool, maps evalMaps) (evalRun, error) {
	m, err := openModel(path, c.key.load)
	if err != nil {
		return evalRun{}, err
	}
	ck := m.ck
	if seedFromModel {
		seed = ck.Train.Seed
	}
	if err := checkEvalMatch(ck, path, d, class, seed); err != nil {
		return evalRun{}, err
	}
	d.class, d.seed = class, seed
	split, err := d.split(ck.Preprocessing().Options())
	if err != nil {
		return evalRun{}, err
	}
	s, err := newScorer(be, ck, maxScoreBatch)
	if err != nil {
		return evalRun{}, err
	}
	defer s.Free()
	if err := s.SetInputNoise(c.scoreNoise, seed); err != nil {
		return evalRun{}, err
	}
	r, err := pipeline.Measure(s, split, m.threshold)
	if err != nil {
		return evalRun{}, err
	}
	if err := maps.write(be, ck, split.Test, class, seed, r.Scores, r.Novel, m.threshold); err != nil {
		return evalRun{}, err
	}
	conf := r.Confusion
	return evalRun{Class: class, Seed: seed, Model: path, AUC: r.AUC, F1: conf.F1(), Precision: conf.Precision(), Recall: conf.Recall(),
		Threshold: m.threshold, TestImages: len(r.Scores), ScoreNoise: c.scoreNoise, roc: r.ROC, scores: r.Scores, novel: r.Novel, ck: ck}, nil
}

// checkEvalMatch refuses to evaluate a model on a split it was not trained
// for: another dataset, class or protocol, or (protocol 1, whose test images
// depend on the seed) another seed, which would put training images in the
// test set.
func checkEvalMatch(ck *checkpoint.Checkpoint, path string, d dataFlags, class int, seed uint64) error {
	m := ck.Meta
	check := func(key, want string) error {
		if got, ok := m[key]; ok && got != want {
			return usageError{fmt.Errorf("%s was trained with --%s %s; evaluating --%s %s would not measure it", path, key, got, key, want)}
		}
		return nil
	}
	if err := check(pipeline.MetaDataset, d.name); err != nil {
		return err
	}
	if err := check(pipeline.MetaClass, strconv.Itoa(class)); err != nil {
		return err
	}
	if err := check(pipeline.MetaProtocol, strconv.Itoa(d.protocol)); err != nil {
		return err
	}
	if d.protocol == 1 && ck.Train.Seed != seed {
		return usageError{fmt.Errorf("%s was trained with --seed %d; protocol 1's test split with --seed %d would hold some of its training images", path, ck.Train.Seed, seed)}
	}
	return nil
}
