package metrics

// SeedRun is the evaluation of one class's model trained with one seed.
type SeedRun struct {
	Class   int
	Seed    uint64
	AUC, F1 float64
}

// ClassSummary is one class's results over seeds: the mean and sample
// standard deviation of its AUC, its mean F1, and the indices of its runs.
type ClassSummary struct {
	Class       int
	AUC, AUCStd float64
	F1          float64
	Runs        []int
}

// SeedSummary is an evaluation of classes over seeds.
type SeedSummary struct {
	Classes []ClassSummary
	// MeanAUC and StdAUC are the mean and sample standard deviation over
	// seeds of the mean AUC over classes; MeanF1 is the mean of the
	// classes' F1.
	MeanAUC, StdAUC, MeanF1 float64
}

// SummarizeSeeds groups runs by class, in the order of classes, and
// summarizes each over seeds (see ClassSummary) and the classes together
// (see SeedSummary). With one seed every run counts as that seed's.
func SummarizeSeeds(runs []SeedRun, classes []int, seeds []uint64) SeedSummary {
	var sum SeedSummary
	perSeed := make([]float64, len(seeds))
	f1s := make([]float64, 0, len(classes))
	for _, c := range classes {
		cs := ClassSummary{Class: c}
		var aucs, cf1 []float64
		for k, r := range runs {
			if r.Class != c {
				continue
			}
			cs.Runs = append(cs.Runs, k)
			aucs = append(aucs, r.AUC)
			cf1 = append(cf1, r.F1)
			for i, s := range seeds {
				if s == r.Seed || len(seeds) == 1 {
					perSeed[i] += r.AUC / float64(len(classes))
				}
			}
		}
		cs.AUC, cs.AUCStd = MeanStd(aucs)
		cs.F1, _ = MeanStd(cf1)
		f1s = append(f1s, cs.F1)
		sum.Classes = append(sum.Classes, cs)
	}
	sum.MeanAUC, sum.StdAUC = MeanStd(perSeed)
	sum.MeanF1, _ = MeanStd(f1s)
	return sum
}
