package dataset

import (
	"slices"
	"testing"
	"time"
)

// TestRealIDX reads the real MNIST and Fashion-MNIST files when they are on
// this machine (MNISTDir, FashionMNISTDir) and skips, saying how to get
// them, when they are not.
func TestRealIDX(t *testing.T) {
	for _, tc := range []struct {
		name   string
		locate func() (string, error)
		// Published facts: the first labels and the per-class counts.
		trainFirst, testFirst   []int
		trainCounts, testCounts []int
	}{
		{"MNIST", MNISTDir,
			[]int{5, 0, 4, 1, 9}, []int{7, 2, 1, 0, 4},
			[]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
			[]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}},
		{"Fashion-MNIST", FashionMNISTDir,
			[]int{9, 0, 0, 3, 0}, []int{9, 2, 1, 1, 6},
			[]int{6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000},
			[]int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := tc.locate()
			if err != nil {
				t.Skipf("%s files not here: %v", tc.name, err)
			}
			start := time.Now()
			train, test, err := ReadIDXDir(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s from %s in %v", tc.name, dir, time.Since(start))
			for _, c := range []struct {
				d      *Dataset
				want   int
				first  []int
				counts []int
			}{{train, 60000, tc.trainFirst, tc.trainCounts}, {test, 10000, tc.testFirst, tc.testCounts}} {
				d := c.d
				if got := d.Labels()[:5]; !slices.Equal(got, c.first) {
					t.Errorf("first labels %v, want %v", got, c.first)
				}
				for k, n := range c.counts {
					if got := len(d.Indices(k)); got != n {
						t.Errorf("class %d: %d images, want %d", k, got, n)
					}
				}
				if d.Len() != c.want || d.Channels() != 1 || d.Height() != 28 || d.Width() != 28 {
					t.Fatalf("%d images of %dx%dx%d, want %d of 1x28x28", d.Len(), d.Channels(), d.Height(), d.Width(), c.want)
				}
				if got := d.Classes(); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
					t.Errorf("classes %v, want 0..9", got)
				}
				if lo, hi := slices.Min(d.Pixels()), slices.Max(d.Pixels()); lo != -1 || hi != 1 {
					t.Errorf("pixel range [%v, %v], want [-1, 1]", lo, hi)
				}
			}
			// Protocol 2 for class 0 and protocol 1 on the pooled data.
			n0, t0 := len(train.Indices(0)), len(test.Indices(0))
			p2, err := Protocol2(train, test, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			if p2.Train.Len()+p2.Val.Len() != n0 || p2.Test.Len() != 10000 || len(p2.Novel)-count(p2.Novel, 1) != t0 {
				t.Errorf("protocol 2: train %d val %d test %d", p2.Train.Len(), p2.Val.Len(), p2.Test.Len())
			}
			t.Logf("protocol 2, class 0: train %d, val %d, test %d (%d normal)", p2.Train.Len(), p2.Val.Len(), p2.Test.Len(), t0)
			all, err := Concat(train, test)
			if err != nil {
				t.Fatal(err)
			}
			p1, err := Protocol1(all, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			pos := count(p1.Novel, 0)
			if p1.Train.Len()+p1.Val.Len()+pos != n0+t0 || count(p1.Novel, 1) != pos {
				t.Errorf("protocol 1: train %d val %d test %d", p1.Train.Len(), p1.Val.Len(), p1.Test.Len())
			}
			t.Logf("protocol 1, class 0: train %d, val %d, test %d (%d normal)", p1.Train.Len(), p1.Val.Len(), p1.Test.Len(), pos)
		})
	}
}
