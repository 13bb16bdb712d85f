package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestROCHandCase(t *testing.T) {
	// Positives 4, 2; negatives 3, 2, 1. The tie at 2 is one diagonal step.
	scores := []float64{1, 2, 2, 3, 4}
	novel := []bool{false, true, false, false, true}
	got, err := ROC(scores, novel)
	if err != nil {
		t.Fatal(err)
	}
	want := []Point{
		{0, 0, math.Inf(1)},
		{0, 0.5, 4},
		{1.0 / 3, 0.5, 3},
		{2.0 / 3, 1, 2},
		{1, 1, 1},
	}
	if len(got) != len(want) {
		t.Fatalf("ROC = %v, want %v", got, want)
	}
	for i := range want {
		if !near(got[i].FPR, want[i].FPR, 1e-15) || got[i].TPR != want[i].TPR || got[i].Threshold != want[i].Threshold {
			t.Errorf("point %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if a := Area(got); !near(a, 0.75, 1e-15) {
		t.Errorf("Area = %v, want 0.75", a)
	}
}

func TestROCAreaEqualsAUC(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, sz := range randomSizes {
		for rep := range 3 {
			t.Run(fmt.Sprintf("p%d_n%d_l%d_%d", sz.pos, sz.neg, sz.levels, rep), func(t *testing.T) {
				scores, novel := randomCase(r, sz.pos, sz.neg, sz.levels)
				pts, err := ROC(scores, novel)
				if err != nil {
					t.Fatal(err)
				}
				auc, err := AUC(scores, novel)
				if err != nil {
					t.Fatal(err)
				}
				if a := Area(pts); !near(a, auc, 1e-12) {
					t.Errorf("Area = %v, AUC = %v", a, auc)
				}
				first, last := pts[0], pts[len(pts)-1]
				if first.FPR != 0 || first.TPR != 0 || !math.IsInf(first.Threshold, 1) {
					t.Errorf("first point %+v, want (0,0,+Inf)", first)
				}
				if last.FPR != 1 || last.TPR != 1 {
					t.Errorf("last point %+v, want (1,1)", last)
				}
				for i := 1; i < len(pts); i++ {
					p, q := pts[i-1], pts[i]
					if q.FPR < p.FPR || q.TPR < p.TPR || q.Threshold >= p.Threshold {
						t.Fatalf("points %d,%d not monotone: %+v %+v", i-1, i, p, q)
					}
					// Each point is the confusion at its threshold (score >= t).
					c, err := ConfusionAt(scores, novel, q.Threshold)
					if err != nil {
						t.Fatal(err)
					}
					if !near(c.FPR(), q.FPR, 1e-15) || !near(c.Recall(), q.TPR, 1e-15) {
						t.Fatalf("point %d %+v, confusion %+v", i, q, c)
					}
				}
			})
		}
	}
}

func TestAreaShort(t *testing.T) {
	if a := Area(nil); a != 0 {
		t.Errorf("Area(nil) = %v", a)
	}
	if a := Area([]Point{{1, 1, 0}}); a != 0 {
		t.Errorf("Area(one point) = %v", a)
	}
}
