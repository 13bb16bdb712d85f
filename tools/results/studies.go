package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/results"
)

// study is one investigation of RESULTS.md's Experiments section: runs of a
// table's mode repeated with one setting changed. The table's own records
// are its baseline; each variant's records lie in a folder of their own
// below the results folder, so they never mix with the tables'.
type study struct {
	// id names the study's block in RESULTS.md.
	id    string
	title string
	// table is the id of the experiment whose runs are the baseline, and
	// mode the column of it that the study repeats.
	table    string
	mode     string
	baseline string // the baseline's column label
	variants []variant
}

// variant is one changed setting of a study.
type variant struct {
	label string
	// dir holds the variant's records, relative to the results folder.
	dir string
	// mode is the training mode of the variant's runs when it is not the
	// study's.
	mode string
	// command repeats the variant's runs.
	command string
	// rescores is the label of the variant whose models this one
	// evaluates again (another way of scoring): its per-epoch curves are
	// that variant's and are not repeated.
	rescores string
}

// modeIn is the training mode of the variant's runs in study st.
func (v variant) modeIn(st study) string {
	if v.mode != "" {
		return v.mode
	}
	return st.mode
}

// studies are the studies of RESULTS.md, in its order.
var studies = []study{
	{
		id: "mnist-p2-epochs", title: "MNIST, protocol 2, OCGAN: training length", table: "mnist-p2-full", mode: "full",
		baseline: "25 epochs (the table's runs)",
		variants: []variant{{
			label: "50 epochs", dir: "experiments/mnist-p2-epochs-50",
			command: "tools/paper-tables.sh --table mnist-p2-full --classes 8 --epochs 50 --epoch-auc " +
				"--results results/experiments/mnist-p2-epochs-50 --models models/experiments/mnist-p2-epochs-50",
		}},
	},
	{
		id: "mnist-p2-mining", title: "MNIST, protocol 2, OCGAN: informative-negative mining", table: "mnist-p2-full", mode: "full",
		baseline: "step 2 from 75% (the table's runs)",
		variants: []variant{
			studyVariant("mining from 50%", "mnist-p2-mine-start-50", "--mine-start 0.5"),
			studyVariant("step 0.5", "mnist-p2-mine-step-0.5", "--mine-step-size 0.5"),
			studyVariant("step 8", "mnist-p2-mine-step-8", "--mine-step-size 8"),
		},
	},
	{
		id: "mnist-p2-latent", title: "MNIST, protocol 2, OCGAN: latent size", table: "mnist-p2-full", mode: "full",
		baseline: "latent 16 (the table's runs)",
		variants: []variant{
			studyVariant("latent 8", "mnist-p2-latent-8", "--latent 8"),
			studyVariant("latent 32", "mnist-p2-latent-32", "--latent 32"),
		},
	},
	{
		id: "mnist-p2-dropout", title: "MNIST, protocol 2, OCGAN: decoder dropout", table: "mnist-p2-full", mode: "full",
		baseline: "dropout 0.5 (the table's runs)",
		variants: []variant{
			studyVariant("no dropout", "mnist-p2-dropout-0", "--dropout 0"),
			studyVariant("dropout 0.25", "mnist-p2-dropout-0.25", "--dropout 0.25"),
		},
	},
	{
		id: "mnist-p2-weights", title: "MNIST, protocol 2, OCGAN: the generator loss's weights", table: "mnist-p2-full", mode: "full",
		baseline: "the paper's: λ 10, latent 1 (the table's runs)",
		variants: []variant{
			studyVariant("the authors' code: λ 5, latent 10", "mnist-p2-code-weights", "--latent-weight 10 --lambda 5"),
			studyVariant("Dl's sigmoid twice", "mnist-p2-double-sigmoid", "--latent-double-sigmoid"),
			studyVariant("the authors' code: λ 5, latent 10, Dl's sigmoid twice", "mnist-p2-code-loss", "--latent-weight 10 --lambda 5 --latent-double-sigmoid"),
		},
	},
	{
		id: "mnist-p2-input", title: "MNIST, protocol 2, OCGAN: the authors' image size", table: "mnist-p2-full", mode: "full",
		baseline: "28x28 (the table's runs)",
		variants: []variant{
			studyVariant("61x61, unpadded convolutions", "mnist-p2-size-61", "--image-size 61"),
		},
	},
	{
		id: "mnist-p2-batch", title: "MNIST, protocol 2, OCGAN: the authors' batch size", table: "mnist-p2-full", mode: "full",
		baseline: "batch 64, 25 epochs (the table's runs)",
		variants: []variant{
			studyVariant("batch 512, 200 epochs", "mnist-p2-batch-512", "--batch 512 --epochs 200"),
		},
	},
	{
		id: "fmnist-p1-script", title: "Fashion-MNIST, protocol 1: the authors' Fashion-MNIST script", table: "fmnist-p1-full", mode: "full",
		baseline: "OCGAN (the table's runs)",
		variants: []variant{{
			label: "AE + Dv (width 32), λ 0.5", dir: "experiments/fmnist-p1-ae-dv", mode: "ae+dv",
			command: "tools/paper-tables.sh --table fmnist-p1-full --mode ae+dv --visual-width 32 --lambda 0.5 --epoch-auc " +
				"--results results/experiments/fmnist-p1-ae-dv --models models/experiments/fmnist-p1-ae-dv",
		}, {
			label: "the same at 61x61", dir: "experiments/fmnist-p1-ae-dv-61", mode: "ae+dv",
			command: "tools/paper-tables.sh --table fmnist-p1-full --mode ae+dv --visual-width 32 --lambda 0.5 --image-size 61 --epoch-auc " +
				"--results results/experiments/fmnist-p1-ae-dv-61 --models models/experiments/fmnist-p1-ae-dv-61",
		}, {
			label: "AE + Dv, scored on noisy input (σ 0.2)", dir: "experiments/fmnist-p1-ae-dv-score-noise", mode: "ae+dv",
			rescores: "AE + Dv (width 32), λ 0.5",
			command: "tools/paper-tables.sh --table fmnist-p1-full --mode ae+dv --visual-width 32 --lambda 0.5 --epoch-auc --score-noise 0.2 " +
				"--results results/experiments/fmnist-p1-ae-dv-score-noise --models models/experiments/fmnist-p1-ae-dv",
		}},
	},
}

// studyVariant is the variant label of class 8 of the MNIST table run with
// the given ocgan settings, its records in experiments/NAME.
func studyVariant(label, name, settings string) variant {
	return variant{
		label: label, dir: "experiments/" + name,
		command: "tools/paper-tables.sh --table mnist-p2-full --classes 8 " + settings + " --epoch-auc " +
			"--results results/experiments/" + name + " --models models/experiments/" + name,
	}
}

// tableByID returns the experiment with the given id.
func tableByID(id string) experiment {
	for _, ex := range experiments {
		if ex.id == id {
			return ex
		}
	}
	panic("results: no table " + id)
}

// readStudies reads every study variant's records below dir, by variant
// folder; a missing folder holds none. A record of another dataset,
// protocol or mode than its study's is an error naming the folder.
func readStudies(dir string) (map[string][]*results.Record, error) {
	out := map[string][]*results.Record{}
	for _, st := range studies {
		ex := tableByID(st.table)
		for _, v := range st.variants {
			path := filepath.Join(dir, filepath.FromSlash(v.dir))
			recs, err := results.ReadDir(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				if r.Dataset != ex.dataset || r.Protocol != ex.protocol || r.Mode != v.modeIn(st) || r.Class >= len(ex.classes) {
					return nil, fmt.Errorf("%s: a record of %s, which is not a run of the study %q (%s protocol %d %s)",
						path, r.Key, st.id, ex.dataset, ex.protocol, v.modeIn(st))
				}
			}
			out[v.dir] = recs
		}
	}
	return out, nil
}

// renderStudy returns the generated block of st: per class run by any
// variant, the paper's AUC, the baseline's and each variant's, with the
// epoch that model selection kept; then each variant's runs.
func renderStudy(st study, tableRecs []*results.Record, byDir map[string][]*results.Record) string {
	ex := tableByID(st.table)
	var pcol column
	for _, col := range ex.columns {
		if col.mode == st.mode {
			pcol = col
		}
	}
	paper := pcol.paper.perClass
	base, _ := collect(ex, tableRecs)
	columns := [][][]*results.Record{base[st.mode]}
	header := []string{"class", "paper", st.baseline}
	shown := make([]bool, len(ex.classes))
	nShown := 0
	for _, v := range st.variants {
		byClass, _ := collectVariant(ex, st, v, byDir[v.dir])
		columns = append(columns, byClass)
		header = append(header, v.label)
		for class, rs := range byClass {
			if len(rs) > 0 && !shown[class] {
				shown[class] = true
				nShown++
			}
		}
	}
	var b strings.Builder
	row := func(cells ...string) { fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | ")) }
	fmt.Fprintf(&b, "**%s** (AUC; in brackets the epoch that model selection kept, by validation MSE, of the epochs trained)\n\n", st.title)
	started := false
	for class := range ex.classes {
		if !shown[class] {
			continue
		}
		if !started {
			row(header...)
			sep := make([]string, len(header))
			for i := range sep {
				sep[i] = "---"
			}
			row(sep...)
			started = true
		}
		line := []string{ex.classes[class], "—"}
		if paper != nil {
			line[1] = strconv.FormatFloat(paper[class], 'f', 3, 64)
		}
		for _, byClass := range columns {
			line = append(line, studyCell(byClass[class]))
		}
		row(line...)
	}
	if nShown > 1 {
		// Each column's mean over the classes shown that it has; the
		// paper's over the same classes where it gives them.
		line := []string{"mean", ""}
		for i, byClass := range columns {
			ours, paperMean, _ := columnMean(pcol, onlyShown(byClass, shown))
			if i == 0 {
				line[1] = paperMean
			}
			line = append(line, ours)
		}
		row(line...)
	}
	if !started {
		b.WriteString("No run recorded yet.\n")
	}
	b.WriteString("\n")
	afterCurve := false // a list item after a paragraph needs a blank line between
	for _, v := range st.variants {
		_, used := collectVariant(ex, st, v, byDir[v.dir])
		if afterCurve {
			b.WriteString("\n")
			afterCurve = false
		}
		if len(used) == 0 {
			fmt.Fprintf(&b, "- %s: not run yet; run with `%s`.\n", v.label, v.command)
			continue
		}
		for i, d := range details("`"+v.command+"`", used) {
			if i == 0 {
				d = v.label + ": " + d
			}
			fmt.Fprintf(&b, "- %s\n", d)
		}
		if v.rescores != "" {
			fmt.Fprintf(&b, "- Per-epoch curves: those of %s (the same models).\n", v.rescores)
			continue
		}
		for _, r := range used {
			if len(r.Training.Curve) > 0 {
				b.WriteString("\n" + curveTable(v.label, ex.classes[r.Class], r) + "\n")
				afterCurve = true
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// onlyShown returns byClass without the classes that shown leaves out.
func onlyShown(byClass [][]*results.Record, shown []bool) [][]*results.Record {
	out := make([][]*results.Record, len(byClass))
	for class, rs := range byClass {
		if shown[class] {
			out[class] = rs
		}
	}
	return out
}

// collectVariant sorts a variant's records by class, as collect does a
// table's: those of the variant's dataset, protocol and mode.
func collectVariant(ex experiment, st study, v variant, recs []*results.Record) ([][]*results.Record, []*results.Record) {
	ex.columns = []column{{mode: v.modeIn(st)}}
	c, used := collect(ex, recs)
	return c[v.modeIn(st)], used
}

// curveTable is a run's validation MSE and, where measured, test AUC per
// epoch, the selected epoch in bold.
func curveTable(label, class string, r *results.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, class %s, seed %d, per epoch (the epoch model selection kept in bold):\n\n", label, class, r.Seed)
	b.WriteString("| epoch | validation MSE | test AUC |\n| --- | --- | --- |\n")
	for _, e := range r.Training.Curve {
		auc := "—"
		if e.TestAUC != nil {
			auc = f4(*e.TestAUC)
		}
		cells := []string{strconv.Itoa(e.Epoch), strconv.FormatFloat(e.ValMSE, 'f', 5, 64), auc}
		if e.Epoch == r.Training.SelectedEpoch {
			for i, c := range cells {
				cells[i] = "**" + c + "**"
			}
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	if s := plateau(r); s != "" {
		b.WriteString("\n" + s + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// warmupEpochs are the first epochs of a run that plateau leaves out: the
// test AUC still climbs in them.
const warmupEpochs = 4

// plateau summarises a run's test AUC per epoch where the curve has it: its
// mean (and range) over the epochs after the first warmupEpochs and before
// mining starts, over the epochs that mine (those past the run's mine_start
// fraction of its epochs), and the last epoch's (what a run without model
// selection would keep); "" without test AUCs.
func plateau(r *results.Record) string {
	t := r.Training
	firstMining := t.Epochs + 1 // no mining
	if r.Mode == "full" && t.MineSteps > 0 && !t.StoppedByBudget {
		firstMining = int(math.Floor(t.MineStart*float64(t.Epochs))) + 1
	}
	var before, mining []float64
	for _, e := range t.Curve {
		switch {
		case e.TestAUC == nil:
			return ""
		case e.Epoch >= firstMining:
			mining = append(mining, *e.TestAUC)
		case e.Epoch > warmupEpochs:
			before = append(before, *e.TestAUC)
		}
	}
	span := func(what string, from, to int, v []float64) string {
		m, _ := metrics.MeanStd(v)
		return fmt.Sprintf("%s (epochs %d-%d) %s (%s-%s)", what, from, to, f4(m), f4(slices.Min(v)), f4(slices.Max(v)))
	}
	var parts []string
	if len(before) > 0 {
		what := "before mining"
		if firstMining > t.Epochs {
			what = "after the first " + strconv.Itoa(warmupEpochs) + " epochs"
		}
		parts = append(parts, span(what, warmupEpochs+1, warmupEpochs+len(before), before))
	}
	if len(mining) > 0 {
		parts = append(parts, span("while mining", firstMining, firstMining+len(mining)-1, mining))
	}
	if len(t.Curve) == 0 {
		return ""
	}
	last := t.Curve[len(t.Curve)-1]
	lastText := fmt.Sprintf("Last epoch (%d): %s.", last.Epoch, f4(*last.TestAUC))
	if len(parts) == 0 {
		return lastText
	}
	return "Mean test AUC per epoch: " + strings.Join(parts, "; ") + ". " + lastText
}

// studyCell formats one class's runs of a study column: the AUC (mean ± std
// over seeds) and, for a single run, the selected epoch of those trained.
func studyCell(rs []*results.Record) string {
	switch len(rs) {
	case 0:
		return notRun
	case 1:
		t := rs[0].Training
		return fmt.Sprintf("%s (epoch %d of %d)", f4(rs[0].AUC), t.SelectedEpoch, t.EpochsTrained)
	}
	return meanPM(aucs(rs))
}
