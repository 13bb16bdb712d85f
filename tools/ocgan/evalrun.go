package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ocgan-vk/ocgan/runtime/device"
)

// evaluate runs plan p: trains what is missing (--train), evaluates every
// class and seed on one device, writes the files asked for and reports.
func (c *evalCmd) evaluate(e *env, p evalPlan) error {
	d, classes, seeds := p.d, p.classes, p.seeds
	start := time.Now()
	every, err := c.progress.check()
	if err != nil {
		return err
	}
	mapsDir, top, err := c.maps.check()
	if err != nil {
		return err
	}
	maps := evalMaps{dir: mapsDir, top: top, perRun: len(classes)*len(seeds) > 1}
	for _, f := range []struct{ flag, path string }{{"--roc", c.roc}, {"--scores", c.scores}} {
		if err := checkOutputFile(f.flag, f.path); err != nil {
			return err
		}
	}
	if err := checkOutputDir("--results", c.results); err != nil {
		return err
	}
	// Train what is missing first (each run opens its own device context).
	if c.train {
		if err := c.trainMissing(e, d, classes, seeds, c.model, every); err != nil {
			return err
		}
	}
	// Every model must exist before a device is opened (or anything evaluated).
	for _, class := range classes {
		for _, s := range seeds {
			if p := modelPath(c.model, class, s); !modelExists(p) {
				return fmt.Errorf("--model %s (class %d seed %d): no such model; train it first, or add --train", p, class, s)
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
	for _, class := range classes {
		for _, s := range seeds {
			if table.runs > 1 {
				table.start("evaluating", len(runs)+1, fmt.Sprintf("class %d seed %d", class, s), true)
			}
			r, err := c.evalOne(be, d, class, s, modelPath(c.model, class, s), !e.fs.Changed("seed") && c.seeds == 1, maps)
			if err != nil {
				return err
			}
			runs = append(runs, r)
			if c.results != "" {
				if err := writeResult(e, c.results, r.ck, d, r, deviceLabel(be)); err != nil {
					return err
				}
			}
		}
	}
	if c.scores != "" {
		if err := writeScoresCSV(c.scores, runs); err != nil {
			return err
		}
	}
	if c.roc != "" {
		if err := writeROC(c.roc, d, runs); err != nil {
			return err
		}
	}
	if err := c.report(e, p, runs, deviceLabel(be), time.Since(start)); err != nil || c.asJSON {
		return err
	}
	if c.roc != "" {
		fmt.Fprintf(e.stderr, "ROC curves written to %s\n", c.roc)
	}
	if mapsDir != "" {
		fmt.Fprintf(e.stderr, "anomaly maps written to %s\n", mapsDir)
	}
	return nil
}

// report prints the evaluation of plan p: its runs on device, which took
// elapsed.
func (c *evalCmd) report(e *env, p evalPlan, runs []evalRun, device string, elapsed time.Duration) error {
	d, seeds := p.d, p.seeds
	rep := summarize(runs, p.classes, seeds)
	if c.asJSON {
		out := map[string]any{"auc": rep.meanAUC, "auc_std": rep.stdAUC, "dataset": d.name, "protocol": d.protocol,
			"seeds": seeds, "classes": rep.classes, "device": device, "seconds": elapsed.Seconds()}
		if len(runs) == 1 {
			r := runs[0]
			out["class"], out["model"], out["test_images"], out["threshold"] = r.Class, r.Model, r.TestImages, r.Threshold
			out["f1"], out["precision"], out["recall"], out["seed"] = r.F1, r.Precision, r.Recall, r.Seed
		}
		if c.roc != "" {
			out["roc_png"] = c.roc
		}
		if c.scoreNoise > 0 {
			out["score_noise"] = c.scoreNoise
		}
		return writeJSON(e.stdout, out)
	}
	scored := ""
	if c.scoreNoise > 0 {
		scored = fmt.Sprintf(", scored on input with noise σ %g", c.scoreNoise)
	}
	if len(runs) == 1 {
		r := runs[0]
		fmt.Fprintf(e.stdout, "model %s on %s class %d, protocol %d (%d test images%s), device %s\n", r.Model, d.name, r.Class, d.protocol, r.TestImages, scored, device)
		fmt.Fprintf(e.stdout, "AUC %.4f; at threshold %.5f: F1 %.4f, precision %.4f, recall %.4f\n", r.AUC, r.Threshold, r.F1, r.Precision, r.Recall)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s, protocol %d, seeds %v%s, device %s, %s\n", d.name, d.protocol, seeds, scored, device, elapsed.Round(time.Second))
	w := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "class\tAUC\tF1\truns")
	for _, cs := range rep.classes {
		fmt.Fprintf(w, "%d\t%s\t%.4f\t%d\n", cs.Class, pm(cs.AUC, cs.AUCStd, c.seeds), cs.F1, len(cs.Runs))
	}
	fmt.Fprintf(w, "mean\t%s\t%.4f\t%d\n", pm(rep.meanAUC, rep.stdAUC, c.seeds), rep.meanF1, len(runs))
	if err := w.Flush(); err != nil {
		return err
	}
	if c.seeds > 1 {
		fmt.Fprintln(e.stdout, "± is the sample standard deviation over seeds (of the class's AUC; of the mean over classes on the mean row)")
	}
	return nil
}
