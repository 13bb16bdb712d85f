package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/anomalymap"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/plot"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/spf13/pflag"
)

func evalFlags(fs *pflag.FlagSet) {
	(&dataFlags{}).addExceptClass(fs)
	fs.String("class", "0", "normal class(es): K, a list 0,1,8, or a range 0-9; for --dataset folder also class folder names (a folder's name first)")
	fs.Int("seeds", 1, "evaluate this many seeds: --seed, --seed+1, ... (mean ± std over seeds)")
	fs.String("model", "", "checkpoint written by ocgan train (or a bundle); with several classes or seeds a template holding {class} and/or {seed}")
	addKeyFlag(fs, "public key that verifies bundles")
	fs.Bool("train", false, "train the models that --model names but that do not exist yet, and finish those whose training was interrupted (with the training flags below)")
	fs.String("roc", "", "write the ROC curves (one per class, first seed) as a PNG to this file")
	fs.String("scores", "", "write every test image's score to this CSV file (class, seed, test index, novel, score; with --normal: file, novel, score)")
	fs.Bool("json", false, "print JSON")
	fs.StringSlice("normal", nil, "evaluate --model on your own images: these normal images (files, folders searched recursively, IDX image files) against the --novel ones, instead of a dataset's split")
	fs.Int("worst", 5, "with --normal: list this many highest-scoring normal and lowest-scoring novel images")
	addMapsFlags(fs, "write anomaly maps (input, reconstruction, squared-error heat map, score, verdict) of the --maps-top most and least novel test images of each outcome into this folder as OUTCOME-most|least-RANK-NAME.png (with several classes or seeds, one sub-folder cCLASS-sSEED each)", true)
	fs.String("results", "", "after each class and seed, write its results record (test AUC, how the model was trained) into this folder as DATASET-pPROTOCOL-MODE-cCLASS-sSEED.json")
	addTrainingFlags(fs, "images of anomalies (files, folders searched recursively, IDX image files): with --normal, the novel test images; with --train, they choose the F1-optimal threshold of the models it trains")
	addProgressFlag(fs)
}

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
	roc        []metrics.Point
	scores     []float64
	novel      []bool
	ck         *checkpoint.Checkpoint
}

// parseClasses reads "3", "0,1,8" or "0-9" (and mixes: "0-2,8"). With
// class names (--dataset folder), a part that is a class's name is that
// class, and numbers must be below the number of classes.
func parseClasses(s string, names []string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	add := func(c int) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if i := slices.Index(names, part); i >= 0 {
			add(i)
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("--class %q: %q is not a class number", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("--class %q: %q is not a range lo-hi", s, part)
			}
		}
		if names != nil && b >= len(names) {
			return nil, fmt.Errorf("--class %q: there are %d class folders (classes: %s)", s, len(names), listClasses(names))
		}
		for c := a; c <= b; c++ {
			add(c)
		}
	}
	return out, nil
}

// modelPath expands the {class} and {seed} placeholders of a --model template.
func modelPath(template string, class int, seed uint64) string {
	r := strings.NewReplacer("{class}", strconv.Itoa(class), "{seed}", strconv.FormatUint(seed, 10))
	return r.Replace(template)
}

// runEval scores one-class test splits with trained models (training the
// missing ones with --train) and reports the AUC per class, mean ± std over
// seeds, and the mean over classes (novel = positive, higher = more novel).
func runEval(e *env) error {
	if e.fs.Changed("normal") {
		return runEvalOwn(e)
	}
	d := dataFlagsFrom(e.fs)
	classSpec, _ := e.fs.GetString("class")
	nSeeds, _ := e.fs.GetInt("seeds")
	template, _ := e.fs.GetString("model")
	doTrain, _ := e.fs.GetBool("train")
	rocPath, _ := e.fs.GetString("roc")
	asJSON, _ := e.fs.GetBool("json")
	resultsDir, _ := e.fs.GetString("results")
	if nSeeds < 1 || nSeeds > maxSeeds {
		return usageError{fmt.Errorf("--seeds must be 1 to %d, got %d", maxSeeds, nSeeds)}
	}
	if template == "" {
		return usageError{errors.New("--model is required")}
	}
	if e.fs.Changed("worst") {
		return usageError{errors.New("--worst lists images of --normal and --novel folders: it needs --normal")}
	}
	if novel, _ := e.fs.GetStringSlice("novel"); len(novel) > 0 && !doTrain {
		return usageError{errors.New("--novel needs --normal (to evaluate on your own images) or --train (to calibrate the models it trains)")}
	}
	if err := d.resolve(e.fs.Changed("class")); err != nil {
		return err
	}
	if d.name == datasetImages {
		return usageError{fmt.Errorf("--data %s is read as normal images only (--dataset images), which have no test split: evaluate with --normal and --novel", d.path)}
	}
	names, err := d.classNames()
	if err != nil {
		return err
	}
	classes, err := parseClasses(classSpec, names)
	if err != nil {
		return usageError{err}
	}
	if err := checkFixedClasses(d.name, classSpec, classes...); err != nil {
		return err
	}
	if len(classes) > 1 && !strings.Contains(template, "{class}") {
		return usageError{fmt.Errorf("--model %q: several classes need {class} in the model path", template)}
	}
	if nSeeds > 1 && !strings.Contains(template, "{seed}") {
		return usageError{fmt.Errorf("--model %q: several seeds need {seed} in the model path", template)}
	}
	seeds := make([]uint64, nSeeds)
	for i := range seeds {
		seeds[i] = d.seed + uint64(i)
	}
	start := time.Now()

	every, err := progressEvery(e.fs)
	if err != nil {
		return err
	}
	mapsDir, top, err := mapsFlags(e.fs)
	if err != nil {
		return err
	}
	maps := evalMaps{dir: mapsDir, top: top, perRun: len(classes)*len(seeds) > 1}
	if err := checkOutputFlags(e.fs, "roc", "scores"); err != nil {
		return err
	}
	if err := checkOutputDir("--results", resultsDir); err != nil {
		return err
	}
	// Train what is missing first (each run opens its own device context).
	if doTrain {
		if err := trainMissing(e, d, classes, seeds, template, every); err != nil {
			return err
		}
	}

	// Every model must exist before a device is opened (or anything evaluated).
	for _, c := range classes {
		for _, s := range seeds {
			if p := modelPath(template, c, s); !modelExists(p) {
				return fmt.Errorf("--model %s (class %d seed %d): no such model; train it first, or add --train", p, c, s)
			}
		}
	}
	be, err := device.Open(e.cfg)
	if err != nil {
		return err
	}
	defer be.Close()
	var runs []evalRun
	table := newTableReporter(e.stderr, len(classes)*len(seeds))
	for _, c := range classes {
		for _, s := range seeds {
			if table.runs > 1 {
				table.start("evaluating", len(runs)+1, fmt.Sprintf("class %d seed %d", c, s))
			}
			r, err := evalOne(e, be, d, c, s, modelPath(template, c, s), !e.fs.Changed("seed") && nSeeds == 1, maps)
			if err != nil {
				return err
			}
			runs = append(runs, r)
			if resultsDir != "" {
				if err := writeResult(e, resultsDir, r.ck, d, r, deviceLabel(be)); err != nil {
					return err
				}
			}
		}
	}
	rep := summarize(runs, classes, seeds)
	if p, _ := e.fs.GetString("scores"); p != "" {
		if err := writeScoresCSV(p, runs); err != nil {
			return err
		}
	}
	if rocPath != "" {
		if err := writeROC(rocPath, d, runs); err != nil {
			return err
		}
	}
	if asJSON {
		out := map[string]any{"auc": rep.meanAUC, "auc_std": rep.stdAUC, "dataset": d.name, "protocol": d.protocol,
			"seeds": seeds, "classes": rep.classes, "device": deviceLabel(be), "seconds": time.Since(start).Seconds()}
		if len(runs) == 1 {
			r := runs[0]
			out["class"], out["model"], out["test_images"], out["threshold"] = r.Class, r.Model, r.TestImages, r.Threshold
			out["f1"], out["precision"], out["recall"], out["seed"] = r.F1, r.Precision, r.Recall, r.Seed
		}
		if rocPath != "" {
			out["roc_png"] = rocPath
		}
		return writeJSON(e.stdout, out)
	}
	if len(runs) == 1 {
		r := runs[0]
		fmt.Fprintf(e.stdout, "model %s on %s class %d, protocol %d (%d test images), device %s\n", r.Model, d.name, r.Class, d.protocol, r.TestImages, deviceLabel(be))
		fmt.Fprintf(e.stdout, "AUC %.4f; at threshold %.5f: F1 %.4f, precision %.4f, recall %.4f\n", r.AUC, r.Threshold, r.F1, r.Precision, r.Recall)
	} else {
		fmt.Fprintf(e.stdout, "%s, protocol %d, seeds %v, device %s, %s\n", d.name, d.protocol, seeds, deviceLabel(be), time.Since(start).Round(time.Second))
		w := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(w, "class\tAUC\tF1\truns")
		for _, c := range rep.classes {
			fmt.Fprintf(w, "%d\t%s\t%.4f\t%d\n", c.Class, pm(c.AUC, c.AUCStd, nSeeds), c.F1, len(c.Runs))
		}
		fmt.Fprintf(w, "mean\t%s\t%.4f\t%d\n", pm(rep.meanAUC, rep.stdAUC, nSeeds), rep.meanF1, len(runs))
		if err := w.Flush(); err != nil {
			return err
		}
		if nSeeds > 1 {
			fmt.Fprintln(e.stdout, "± is the sample standard deviation over seeds (of the class's AUC; of the mean over classes on the mean row)")
		}
	}
	if rocPath != "" {
		fmt.Fprintf(e.stderr, "ROC curves written to %s\n", rocPath)
	}
	if mapsDir != "" {
		fmt.Fprintf(e.stderr, "anomaly maps written to %s\n", mapsDir)
	}
	return nil
}

// evalMaps is where the dataset evaluation draws anomaly maps (--maps,
// none when dir is empty): the top most and least novel test images of
// each outcome, in dir or with perRun in its sub-folder cCLASS-sSEED.
type evalMaps struct {
	dir    string
	top    int
	perRun bool
}

// write draws the maps of the run of class and seed on the test images ds.
func (em evalMaps) write(be backend.Backend, ck *checkpoint.Checkpoint, ds *dataset.Dataset, class int, seed uint64,
	scores []float64, novel []bool, threshold float64) error {
	if em.dir == "" {
		return nil
	}
	dir := em.dir
	if em.perRun {
		dir = filepath.Join(dir, fmt.Sprintf("c%d-s%d", class, seed))
		if err := anomalymap.ProbeDir(dir); err != nil {
			return err
		}
	}
	items := pickedItems(scores, novel, threshold, em.top, func(i int) string { return fmt.Sprintf("test image %d", i) })
	return writeMaps(be, ck, dir, ds, items, threshold)
}

// pm formats mean ± std (just the mean for one seed).
func pm(mean, std float64, n int) string {
	if n == 1 {
		return fmt.Sprintf("%.4f", mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", mean, std)
}

// trainMissing trains the models of the table that do not exist yet and
// finishes those whose training was interrupted, reporting the table's
// progress (run k of n, its time left) on stderr and each run's every
// period off a terminal.
func trainMissing(e *env, d dataFlags, classes []int, seeds []uint64, template string, every time.Duration) error {
	type todo struct {
		class  int
		seed   uint64
		path   string
		resume bool
	}
	var runs []todo
	for _, c := range classes {
		for _, s := range seeds {
			path := modelPath(template, c, s)
			need, resume, err := needsTraining(path)
			if err != nil {
				return fmt.Errorf("--model %s: %w", path, err)
			}
			if need {
				if err := checkOutputFile("--model", path); err != nil {
					return err
				}
				runs = append(runs, todo{c, s, path, resume})
			}
		}
	}
	table := newTableReporter(e.stderr, len(runs))
	for k, r := range runs {
		what := fmt.Sprintf("class %d seed %d", r.class, r.seed)
		table.start("training", k+1, what)
		d.class, d.seed = r.class, r.seed
		j, err := trainJobFrom(e.fs, d)
		if err != nil {
			return err
		}
		j.out, j.log, j.resume = r.path, e.stderr, r.resume
		rep := newTrainReporter(&env{stdout: e.stdout, stderr: e.stderr}, false, every, what)
		j.progress = rep.report
		sum, err := j.run(e.cfg)
		rep.clearBar()
		if err != nil {
			return fmt.Errorf("training class %d seed %d: %w", r.class, r.seed, err)
		}
		fmt.Fprintf(e.stderr, "trained %s: class %d seed %d, %d iterations, AUC %.4f\n", r.path, r.class, r.seed, sum.Result.Iterations, sum.AUC)
	}
	return nil
}

// needsTraining reports whether the model at path is to be trained: it does
// not exist, or its training was interrupted (then resume).
func needsTraining(path string) (need, resume bool, err error) {
	// An existing file is evaluated as it is (evalOne reports a damaged one).
	if _, err := os.Stat(path); err == nil {
		resume = interruptedTraining(path)
		return resume, resume, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, false, err
	}
	return true, false, nil
}

// evalOne scores the test split of (class, seed) with the model at path.
// With seedFromModel, the split's seed is the one the model was trained with.
// It draws the run's anomaly maps as maps says.
func evalOne(e *env, be backend.Backend, d dataFlags, class int, seed uint64, path string, seedFromModel bool, maps evalMaps) (evalRun, error) {
	m, err := openModel(path, func() (ed25519.PublicKey, error) { return publicKey(e.fs) })
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
	auc, scores, err := s.Evaluate(split)
	if err != nil {
		return evalRun{}, err
	}
	novel := split.NovelMask()
	c, err := metrics.ConfusionAt(scores, novel, m.threshold)
	if err != nil {
		return evalRun{}, err
	}
	roc, err := metrics.ROC(scores, novel)
	if err != nil {
		return evalRun{}, err
	}
	if err := maps.write(be, ck, split.Test, class, seed, scores, novel, m.threshold); err != nil {
		return evalRun{}, err
	}
	return evalRun{Class: class, Seed: seed, Model: path, AUC: auc, F1: c.F1(), Precision: c.Precision(), Recall: c.Recall(),
		Threshold: m.threshold, TestImages: len(scores), roc: roc, scores: scores, novel: novel, ck: ck}, nil
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
	if err := check("dataset", d.name); err != nil {
		return err
	}
	if err := check("class", strconv.Itoa(class)); err != nil {
		return err
	}
	if err := check("protocol", strconv.Itoa(d.protocol)); err != nil {
		return err
	}
	if d.protocol == 1 && ck.Train.Seed != seed {
		return usageError{fmt.Errorf("%s was trained with --seed %d; protocol 1's test split with --seed %d would hold some of its training images", path, ck.Train.Seed, seed)}
	}
	return nil
}

// classSummary is one class's AUC over seeds.
type classSummary struct {
	Class  int       `json:"class"`
	AUC    float64   `json:"auc"`
	AUCStd float64   `json:"auc_std"`
	F1     float64   `json:"f1"`
	Runs   []evalRun `json:"runs"`
}

type evalReport struct {
	classes         []classSummary
	meanAUC, stdAUC float64 // over seeds, of the mean AUC over classes
	meanF1          float64
}

// summarize groups runs by class (mean ± sample std over seeds) and gives
// the mean over classes, with its std over seeds.
func summarize(runs []evalRun, classes []int, seeds []uint64) evalReport {
	var rep evalReport
	perSeed := make([]float64, len(seeds))
	var f1s []float64
	for _, c := range classes {
		cs := classSummary{Class: c}
		var aucs, cf1 []float64
		for _, r := range runs {
			if r.Class != c {
				continue
			}
			cs.Runs = append(cs.Runs, r)
			aucs = append(aucs, r.AUC)
			cf1 = append(cf1, r.F1)
			for i, s := range seeds {
				if s == r.Seed || len(seeds) == 1 {
					perSeed[i] += r.AUC / float64(len(classes))
				}
			}
		}
		cs.AUC, cs.AUCStd = metrics.MeanStd(aucs)
		cs.F1, _ = metrics.MeanStd(cf1)
		f1s = append(f1s, cs.F1)
		rep.classes = append(rep.classes, cs)
	}
	rep.meanAUC, rep.stdAUC = metrics.MeanStd(perSeed)
	rep.meanF1, _ = metrics.MeanStd(f1s)
	return rep
}

// writeROC draws one ROC curve per class (its first seed's run) into a PNG.
func writeROC(path string, d dataFlags, runs []evalRun) error {
	var curves []plot.Curve
	done := map[int]bool{}
	var seeds []string
	for _, r := range runs {
		if done[r.Class] {
			continue
		}
		done[r.Class] = true
		curves = append(curves, plot.Curve{Label: fmt.Sprintf("class %d (AUC %.4f)", r.Class, r.AUC), Points: r.roc})
		if s := strconv.FormatUint(r.Seed, 10); len(seeds) == 0 || seeds[len(seeds)-1] != s {
			seeds = append(seeds, s)
		}
	}
	title := fmt.Sprintf("ROC, %s protocol %d, seed %s (novel = positive)", d.name, d.protocol, strings.Join(seeds, ","))
	return writeROCFile(path, title, curves)
}

// writeROCFile draws ROC curves into the PNG file path (--roc), written
// atomically.
func writeROCFile(path, title string, curves []plot.Curve) error {
	var buf bytes.Buffer
	if err := plot.WriteROC(&buf, title, curves); err != nil {
		return err
	}
	if err := atomicfile.Write(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--roc: %w", err)
	}
	return nil
}

// writeScoresCSV writes every run's test scores as CSV.
func writeScoresCSV(path string, runs []evalRun) error {
	rows := [][]string{{"class", "seed", "test_index", "novel", "score"}}
	for _, r := range runs {
		for i, s := range r.scores {
			rows = append(rows, []string{strconv.Itoa(r.Class), strconv.FormatUint(r.Seed, 10), strconv.Itoa(i),
				strconv.FormatBool(r.novel[i]), formatFloat(s)})
		}
	}
	return writeCSVFile(path, rows)
}

// writeCSVFile writes rows (the header first) as the CSV file path
// (--scores), atomically.
func writeCSVFile(path string, rows [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	if err := atomicfile.Write(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--scores: %w", err)
	}
	return nil
}

// modelExists reports whether path names something a model can be opened
// from: a checkpoint or bundle file, or an install root.
func modelExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
