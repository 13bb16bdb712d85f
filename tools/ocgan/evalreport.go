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
// the mean over classes, with its std over seeds (see
// metrics.SummarizeSeeds).
func summarize(runs []evalRun, classes []int, seeds []uint64) evalReport {
	in := make([]metrics.SeedRun, len(runs))
	for i, r := range runs {
		in[i] = metrics.SeedRun{Class: r.Class, Seed: r.Seed, AUC: r.AUC, F1: r.F1}
	}
	sum := metrics.SummarizeSeeds(in, classes, seeds)
	rep := evalReport{meanAUC: sum.MeanAUC, stdAUC: sum.StdAUC, meanF1: sum.MeanF1}
	for _, c := range sum.Classes {
		cs := classSummary{Class: c.Class, AUC: c.AUC, AUCStd: c.AUCStd, F1: c.F1}
		for _, k := range c.Runs {
			cs.Runs = append(cs.Runs, runs[k])
		}
		rep.classes = append(rep.classes, cs)
	}
	return rep
}

// pm formats mean ± std (just the mean for one seed).
func pm(mean, std float64, n int) string {
	if n == 1 {
		return fmt.Sprintf("%.4f", mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", mean, std)
}
