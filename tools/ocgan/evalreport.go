package main

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/ocgan/metrics"
)

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

// pm formats mean ± std (just the mean for one seed).
func pm(mean, std float64, n int) string {
	if n == 1 {
		return fmt.Sprintf("%.4f", mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", mean, std)
}
