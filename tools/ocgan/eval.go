package main

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/spf13/pflag"
)

// evalCmd is `ocgan eval`: on a dataset's test splits, or with --normal on
// one's own images (evalown.go).
type evalCmd struct {
	class, model         string
	seeds, worst         int
	scoreNoise           float64
	key                  keyFlag
	train, asJSON        bool
	roc, scores, results string
	normal               []string
	training             trainingOptions
	data                 dataFlags
	maps                 mapsOpts
	progress             progressFlag
}

func (c *evalCmd) flags(fs *pflag.FlagSet) {
	c.data.addExceptClass(fs)
	fs.StringVar(&c.class, "class", "0", "normal class(es): K, a list 0,1,8, or a range 0-9; for --dataset folder also class folder names (a folder's name first)")
	fs.IntVar(&c.seeds, "seeds", 1, "evaluate this many seeds: --seed, --seed+1, ... (mean ± std over seeds)")
	fs.StringVar(&c.model, "model", "", "checkpoint written by ocgan train (or a bundle); with several classes or seeds a template holding {class} and/or {seed}")
	c.key.add(fs, "public key that verifies bundles")
	fs.BoolVar(&c.train, "train", false, "train the models that --model names but that do not exist yet, and finish those whose training was interrupted (with the training flags below)")
	fs.StringVar(&c.roc, "roc", "", "write the ROC curves (one per class, first seed) as a PNG to this file")
	fs.StringVar(&c.scores, "scores", "", "write every test image's score to this CSV file (class, seed, test index, novel, score; with --normal: file, novel, score)")
	fs.BoolVar(&c.asJSON, "json", false, "print JSON")
	fs.StringSliceVar(&c.normal, "normal", nil, "evaluate --model on your own images: these normal images (files, folders searched recursively, IDX image files) against the --novel ones, instead of a dataset's split")
	fs.IntVar(&c.worst, "worst", 5, "with --normal: list this many highest-scoring normal and lowest-scoring novel images")
	c.maps.add(fs, "write anomaly maps (input, reconstruction, squared-error heat map, score, verdict) of the --maps-top most and least novel test images of each outcome into this folder as OUTCOME-most|least-RANK-NAME.png (with several classes or seeds, one sub-folder cCLASS-sSEED each)", true)
	fs.Float64Var(&c.scoreNoise, "score-noise", 0, "score each test image with Gaussian noise of this standard deviation added to its input (the target stays the clean image), drawn from --seed and the image's index, as the authors' test code scores; 0 = the clean input, the paper's score")
	fs.StringVar(&c.results, "results", "", "after each class and seed, write its results record (test AUC, how the model was trained) into this folder as DATASET-pPROTOCOL-MODE-cCLASS-sSEED.json")
	c.training.add(fs, "images of anomalies (files, folders searched recursively, IDX image files): with --normal, the novel test images; with --train, they choose the F1-optimal threshold of the models it trains")
	c.progress.add(fs)
}

// evalPlan is what a dataset evaluation runs: the classes and seeds of the
// dataset d, the models of the --model template.
type evalPlan struct {
	d       dataFlags
	classes []int
	seeds   []uint64
}

// run scores one-class test splits with trained models (training the
// missing ones with --train) and reports the AUC per class, mean ± std over
// seeds, and the mean over classes (novel = positive, higher = more novel).
func (c *evalCmd) run(e *env) error {
	if e.fs.Changed("normal") {
		return c.runOwn(e)
	}
	p, err := c.plan(e.fs)
	if err != nil {
		return err
	}
	return c.evaluate(e, p)
}

// plan checks the flags of a dataset evaluation and settles its dataset,
// classes and seeds.
func (c *evalCmd) plan(fs *pflag.FlagSet) (evalPlan, error) {
	p := evalPlan{d: c.data}
	p.d.classArg = c.class
	if c.seeds < 1 || c.seeds > maxSeeds {
		return p, usageError{fmt.Errorf("--seeds must be 1 to %d, got %d", maxSeeds, c.seeds)}
	}
	if c.model == "" {
		return p, usageError{errors.New("--model is required")}
	}
	if fs.Changed("worst") {
		return p, usageError{errors.New("--worst lists images of --normal and --novel folders: it needs --normal")}
	}
	if !(c.scoreNoise >= 0) || math.IsInf(c.scoreNoise, 0) {
		return p, usageError{fmt.Errorf("--score-noise must be a finite value >= 0, got %v", c.scoreNoise)}
	}
	if c.scoreNoise > 0 && c.maps.dir != "" {
		return p, usageError{errors.New("--maps draws the reconstructions of the clean images: it does not apply with --score-noise")}
	}
	if len(c.training.cal.novel) > 0 && !c.train {
		return p, usageError{errors.New("--novel needs --normal (to evaluate on your own images) or --train (to calibrate the models it trains)")}
	}
	d := &p.d
	if err := d.resolve(fs.Changed("class")); err != nil {
		return p, err
	}
	if d.name == datasetImages {
		return p, usageError{fmt.Errorf("--data %s is read as normal images only (--dataset images), which have no test split: evaluate with --normal and --novel", d.path)}
	}
	names, err := d.classNames()
	if err != nil {
		return p, err
	}
	if p.classes, err = parseClasses(c.class, names); err != nil {
		return p, usageError{err}
	}
	if err := checkFixedClasses(d.name, c.class, p.classes...); err != nil {
		return p, err
	}
	if len(p.classes) > 1 && !strings.Contains(c.model, "{class}") {
		return p, usageError{fmt.Errorf("--model %q: several classes need {class} in the model path", c.model)}
	}
	if c.seeds > 1 && !strings.Contains(c.model, "{seed}") {
		return p, usageError{fmt.Errorf("--model %q: several seeds need {seed} in the model path", c.model)}
	}
	p.seeds = make([]uint64, c.seeds)
	for i := range p.seeds {
		p.seeds[i] = d.seed + uint64(i)
	}
	return p, nil
}
