package dataset

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// classCounts returns labels where class k has counts[k] images, interleaved
// (round robin) so that classes are not contiguous.
func classCounts(counts []int) []int {
	var labels []int
	for r := 0; ; r++ {
		added := false
		for k, n := range counts {
			if r < n {
				labels = append(labels, k)
				added = true
			}
		}
		if !added {
			return labels
		}
	}
}

// count returns how many entries of x equal v.
func count(x []int, v int) int {
	n := 0
	for _, e := range x {
		if e == v {
			n++
		}
	}
	return n
}

// checkCopies checks that sub's images are src's images at idx.
func checkCopies(t *testing.T, what string, sub, src *Dataset, idx []int) {
	t.Helper()
	if sub.Len() != len(idx) {
		t.Fatalf("%s: %d images, %d indices", what, sub.Len(), len(idx))
	}
	for j, i := range idx {
		if !slices.Equal(sub.Image(j), src.Image(i)) || sub.Label(j) != src.Label(i) {
			t.Fatalf("%s image %d is not source image %d", what, j, i)
		}
	}
}

// checkDisjoint fails if any index appears twice across the lists.
func checkDisjoint(t *testing.T, lists ...[]int) {
	t.Helper()
	seen := map[int]bool{}
	for _, l := range lists {
		for _, i := range l {
			if seen[i] {
				t.Fatalf("index %d used twice", i)
			}
			seen[i] = true
		}
	}
}

func TestProtocol1(t *testing.T) {
	counts := []int{20, 21, 22, 23, 24, 25, 26, 27, 28, 29}
	data := tiny(t, classCounts(counts))
	for _, tc := range []struct {
		class                     int
		train, val, testPositives int
	}{
		{0, 14, 2, 4}, // 20: round(16) train pool, round(1.6)=2 val
		{3, 16, 2, 5}, // 23: round(18.4)=18, round(1.8)=2
		{5, 18, 2, 5}, // 25: 20, 2
		{9, 21, 2, 6}, // 29: round(23.2)=23, round(2.3)=2
	} {
		s, err := Protocol1(data, tc.class, 42)
		if err != nil {
			t.Fatal(err)
		}
		if s.Class != tc.class || s.Train.Len() != tc.train || s.Val.Len() != tc.val || s.Test.Len() != 2*tc.testPositives {
			t.Errorf("class %d: train %d val %d test %d, want %d %d %d", tc.class,
				s.Train.Len(), s.Val.Len(), s.Test.Len(), tc.train, tc.val, 2*tc.testPositives)
		}
		if s.Train.Len()+s.Val.Len()+tc.testPositives != counts[tc.class] {
			t.Errorf("class %d: in-class images lost", tc.class)
		}
		checkDisjoint(t, s.TrainIndex, s.ValIndex, s.TestIndex)
		checkCopies(t, "train", s.Train, data, s.TrainIndex)
		checkCopies(t, "val", s.Val, data, s.ValIndex)
		checkCopies(t, "test", s.Test, data, s.TestIndex)
		for _, d := range []*Dataset{s.Train, s.Val} {
			if got := d.Classes(); !slices.Equal(got, []int{tc.class}) {
				t.Errorf("class %d: train/val classes %v", tc.class, got)
			}
		}
		if len(s.Novel) != s.Test.Len() || count(s.Novel, 1) != tc.testPositives || count(s.Novel, 0) != tc.testPositives {
			t.Errorf("class %d: novelty labels %v", tc.class, s.Novel)
		}
		for i, n := range s.Novel {
			if (n == 1) != (s.Test.Label(i) != tc.class) {
				t.Errorf("class %d: test image %d label %d novelty %d", tc.class, i, s.Test.Label(i), n)
			}
		}
		mask := s.NovelMask()
		for i := range mask {
			if mask[i] != (s.Novel[i] == 1) {
				t.Fatalf("NovelMask[%d] = %v", i, mask[i])
			}
		}
	}
}

func TestProtocol1Seeds(t *testing.T) {
	data := tiny(t, classCounts([]int{40, 40, 40, 40}))
	a, _ := Protocol1(data, 1, 7)
	b, _ := Protocol1(data, 1, 7)
	c, _ := Protocol1(data, 1, 8)
	same := func(x, y *Split) bool {
		return slices.Equal(x.TrainIndex, y.TrainIndex) && slices.Equal(x.ValIndex, y.ValIndex) &&
			slices.Equal(x.TestIndex, y.TestIndex) && slices.Equal(x.Novel, y.Novel) &&
			slices.Equal(x.Train.Pixels(), y.Train.Pixels()) && slices.Equal(x.Test.Pixels(), y.Test.Pixels())
	}
	if !same(a, b) {
		t.Error("same seed, different split")
	}
	if slices.Equal(a.TrainIndex, c.TrainIndex) || slices.Equal(a.TestIndex, c.TestIndex) {
		t.Error("different seeds, same split")
	}
}

func TestProtocol1Errors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels []int
		class  int
	}{
		{"absent class", []int{0, 0, 0, 1, 1}, 2},
		{"two images", []int{0, 0, 1, 1, 1}, 0},
		{"too few negatives", []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0},
	} {
		if _, err := Protocol1(tiny(t, tc.labels), tc.class, 1); !errors.Is(err, ErrSplit) {
			t.Errorf("%s: error %v, want ErrSplit", tc.name, err)
		}
	}
}

func TestProtocol2(t *testing.T) {
	train := tiny(t, classCounts([]int{25, 15, 30, 10}))
	testLabels := classCounts([]int{5, 6, 7, 8})
	test := tiny(t, testLabels)
	for _, tc := range []struct {
		class      int
		train, val int
	}{
		{0, 23, 2}, // 25: round(2.5) = 2, half to even
		{1, 13, 2}, // 15: round(1.5) = 2
		{2, 27, 3}, // 30: 3
		{3, 9, 1},  // 10: 1
	} {
		s, err := Protocol2(train, test, tc.class, 3)
		if err != nil {
			t.Fatal(err)
		}
		if s.Train.Len() != tc.train || s.Val.Len() != tc.val {
			t.Errorf("class %d: train %d val %d, want %d %d", tc.class, s.Train.Len(), s.Val.Len(), tc.train, tc.val)
		}
		checkDisjoint(t, s.TrainIndex, s.ValIndex)
		all := append(slices.Clone(s.TrainIndex), s.ValIndex...)
		slices.Sort(all)
		if !slices.Equal(all, train.Indices(tc.class)) {
			t.Errorf("class %d: train+val are not the class's training images", tc.class)
		}
		checkCopies(t, "train", s.Train, train, s.TrainIndex)
		checkCopies(t, "val", s.Val, train, s.ValIndex)
		checkCopies(t, "test", s.Test, test, s.TestIndex)
		if s.Test.Len() != test.Len() || !slices.Equal(s.Test.Pixels(), test.Pixels()) {
			t.Errorf("class %d: test is not the whole test split", tc.class)
		}
		if got, want := count(s.Novel, 1), test.Len()-count(testLabels, tc.class); got != want {
			t.Errorf("class %d: %d novel, want %d", tc.class, got, want)
		}
		for i, n := range s.Novel {
			if (n == 1) != (testLabels[i] != tc.class) {
				t.Fatalf("class %d: test %d label %d novelty %d", tc.class, i, testLabels[i], n)
			}
		}
	}
	a, _ := Protocol2(train, test, 2, 11)
	b, _ := Protocol2(train, test, 2, 11)
	c, _ := Protocol2(train, test, 2, 12)
	if !slices.Equal(a.TrainIndex, b.TrainIndex) || !slices.Equal(a.ValIndex, b.ValIndex) {
		t.Error("same seed, different split")
	}
	if slices.Equal(a.TrainIndex, c.TrainIndex) {
		t.Error("different seeds, same split")
	}
}

func TestProtocol2Errors(t *testing.T) {
	train := tiny(t, []int{0, 0, 0, 1, 1, 2})
	other, _ := New(1, 2, 1, make([]float32, 4), []int{0, 1})
	for _, tc := range []struct {
		name  string
		test  *Dataset
		class int
	}{
		{"absent class", tiny(t, []int{0, 1}), 3},
		{"one training image", tiny(t, []int{0, 2}), 2},
		{"no novel test images", tiny(t, []int{0, 0}), 0},
		{"no normal test images", tiny(t, []int{1, 2}), 0},
		{"shape mismatch", other, 0},
	} {
		if _, err := Protocol2(train, tc.test, tc.class, 1); !errors.Is(err, ErrSplit) {
			t.Errorf("%s: error %v, want ErrSplit", tc.name, err)
		}
	}
}

// TestShufflerStable pins the permutation a seed gives, so a change to the
// split procedure (and every published split) does not go unnoticed.
func TestShufflerStable(t *testing.T) {
	x := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	newShuffler(1).shuffle(x)
	want := []int{2, 5, 4, 8, 6, 7, 9, 0, 1, 3}
	if !slices.Equal(x, want) {
		t.Errorf("seed 1 permutation %v, want %v", x, want)
	}
	s := newShuffler(5)
	for range 1000 {
		if v := s.below(7); v >= 7 {
			t.Fatalf("below(7) = %d", v)
		}
	}
	got := s.sample([]int{10, 11, 12, 13, 14}, 5)
	slices.Sort(got)
	if !slices.Equal(got, []int{10, 11, 12, 13, 14}) {
		t.Errorf("full sample %v is not a permutation", got)
	}
}

func TestHoldOut(t *testing.T) {
	for _, tc := range []struct {
		n          int
		share      float64
		train, val int
	}{
		{2, 0.1, 1, 1},   // at least one validation image, at least one to train on
		{5, 0.1, 4, 1},   // round(0.5) = 0, raised to 1
		{25, 0.1, 23, 2}, // round(2.5) = 2, half to even
		{30, 0.1, 27, 3},
		{10, 0.5, 5, 5},
		{10, 0.99, 1, 9}, // round(9.9) = 10, kept at n-1
	} {
		data := tiny(t, make([]int, tc.n))
		s, err := HoldOut(data, tc.share, 4)
		if err != nil {
			t.Fatalf("n %d share %v: %v", tc.n, tc.share, err)
		}
		if s.Train.Len() != tc.train || s.Val.Len() != tc.val || s.Test.Len() != 0 || len(s.Novel) != 0 {
			t.Errorf("n %d share %v: train %d val %d test %d, want %d %d 0", tc.n, tc.share,
				s.Train.Len(), s.Val.Len(), s.Test.Len(), tc.train, tc.val)
		}
		checkDisjoint(t, s.TrainIndex, s.ValIndex)
		checkCopies(t, "train", s.Train, data, s.TrainIndex)
		checkCopies(t, "val", s.Val, data, s.ValIndex)
	}
	data := tiny(t, make([]int, 40))
	a, _ := HoldOut(data, 0.1, 9)
	b, _ := HoldOut(data, 0.1, 9)
	c, _ := HoldOut(data, 0.1, 10)
	if !slices.Equal(a.ValIndex, b.ValIndex) || !slices.Equal(a.TrainIndex, b.TrainIndex) {
		t.Error("same seed, different split")
	}
	if slices.Equal(a.ValIndex, c.ValIndex) {
		t.Error("different seeds, same split")
	}
}

func TestHoldOutErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		share float64
		kind  error
	}{
		{"one image", 1, 0.1, ErrSplit},
		{"no images", 0, 0.1, ErrSplit},
		{"share 0", 10, 0, ErrBadOptions},
		{"share 1", 10, 1, ErrBadOptions},
		{"negative share", 10, -0.1, ErrBadOptions},
	} {
		_, err := HoldOut(tiny(t, make([]int, tc.n)), tc.share, 1)
		if !errors.Is(err, tc.kind) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.kind)
		}
	}
	_, err := HoldOut(tiny(t, []int{0}), 0.1, 1)
	if err == nil || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("one image: %v does not say how many are needed", err)
	}
}
