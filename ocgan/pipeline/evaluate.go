package pipeline

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/progress"
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// evaluate measures the trained model on the test images: the split's test
// set, or d.Test, whose scores it keeps in sum.
func evaluate(s *train.Scorer, d Data, sum *Summary) error {
	if d.Test == nil {
		auc, _, err := s.Evaluate(d.Split)
		sum.AUC = auc
		return err
	}
	normal, err := s.Scores(d.Test.Normal)
	if err != nil {
		return err
	}
	var novel []float64
	if d.Test.Novel != nil {
		if novel, err = s.Scores(d.Test.Novel); err != nil {
			return err
		}
	}
	sum.TestNormal, sum.TestNovel, sum.AUC = normal, novel, math.NaN()
	if len(normal) == 0 || len(novel) == 0 {
		return nil
	}
	isNovel := make([]bool, len(normal)+len(novel))
	for i := len(normal); i < len(isNovel); i++ {
		isNovel[i] = true
	}
	if sum.AUC, err = metrics.AUC(append(slices.Clone(normal), novel...), isNovel); err != nil {
		return fmt.Errorf("test evaluation: %w", err)
	}
	return nil
}

// BudgetNote says when training stops under budget (of which prior was
// spent by an interrupted run), starting at now after a start-up of
// startup, and what the budget does not count.
func BudgetNote(budget, prior, startup time.Duration, now time.Time) string {
	left := max(0, budget-prior)
	spent := ""
	if prior > 0 {
		spent = fmt.Sprintf(", %s left after the resumed run's %s", progress.Duration(left), progress.Duration(prior))
	}
	return fmt.Sprintf("budget %s of training%s: training ends about %s, then the end evaluation; the budget counts from the first iteration, not the start-up (loading the data and compiling: %s so far)",
		progress.Duration(budget), spent, progress.End(now, left), progress.Duration(startup))
}

// Measurement is a model's scores of a split's test images and how well
// they separate the novel ones: AUC and ROC, and the confusion at a
// threshold.
type Measurement struct {
	AUC       float64
	Scores    []float64
	Novel     []bool
	ROC       []metrics.Point
	Confusion metrics.Confusion
}

// Measure scores the test images of split with s and measures them at
// threshold.
func Measure(s *train.Scorer, split *dataset.Split, threshold float64) (Measurement, error) {
	var m Measurement
	var err error
	if m.AUC, m.Scores, err = s.Evaluate(split); err != nil {
		return m, err
	}
	m.Novel = split.NovelMask()
	if m.Confusion, err = metrics.ConfusionAt(m.Scores, m.Novel, threshold); err != nil {
		return m, err
	}
	m.ROC, err = metrics.ROC(m.Scores, m.Novel)
	return m, err
}
