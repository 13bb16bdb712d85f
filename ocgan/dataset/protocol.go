package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Split fractions of the one-class protocols.
const (
	// Protocol1TrainFraction is the share of the normal class protocol 1
	// trains on (the paper's 80%); the rest are test positives.
	Protocol1TrainFraction = 0.8
	// ValFraction is the share of the in-class training images held out for
	// validation (model selection on validation MSE), as the authors' loader.
	ValFraction = 0.1
)

// Split is a one-class novelty split: train and validate on the normal
// class only, test on normal and novel images.
type Split struct {
	// Class is the normal (in-class) label.
	Class int
	// Train and Val hold normal-class images only; Test holds both.
	Train, Val, Test *Dataset
	// Novel has one entry per Test image: 1 for novel (out-of-class), 0 for
	// normal.
	Novel []int
	// TrainIndex and ValIndex are the images' indices in the training source
	// (protocol 1: the pooled data; protocol 2: the train split); TestIndex
	// those in the test source (protocol 1: the pooled data; protocol 2: the
	// test split). Each lists its Dataset's images in order.
	TrainIndex, ValIndex, TestIndex []int
}

// NovelMask returns Novel as booleans (true = novel), the form
// ocgan/metrics takes.
func (s *Split) NovelMask() []bool {
	m := make([]bool, len(s.Novel))
	for i, v := range s.Novel {
		m[i] = v == 1
	}
	return m
}

// Protocol1 builds the paper's protocol 1 split from pooled data (for
// MNIST-like sets, Concat the train and test splits first, as the peer does).
// With one PCG stream seeded by seed, in this order:
//
//  1. the normal class's n images are shuffled; the first
//     round(0.8·n) (round half to even, kept within [2, n−1]) are the
//     training pool, the rest are test positives;
//  2. as many out-of-class images as test positives are drawn at random
//     without replacement (a partial shuffle of all out-of-class indices);
//  3. the m training-pool images are shuffled again and the first
//     round(0.1·m) (half to even, kept within [1, m−1]) become Val
//     (ValFraction), the rest Train.
//
// Test is the positives (novelty 0) followed by the negatives (novelty 1).
// Train, Val and Test are disjoint. The same data and seed give the same
// split on every platform and Go version.
func Protocol1(data *Dataset, class int, seed uint64) (*Split, error) {
	pos := data.Indices(class)
	if len(pos) < 3 {
		return nil, fmt.Errorf("%w: protocol 1: class %d has %d images, need at least 3 (classes present: %v)",
			ErrSplit, class, len(pos), data.Classes())
	}
	rng := newShuffler(seed)
	rng.shuffle(pos)
	ntr := min(max(int(math.RoundToEven(Protocol1TrainFraction*float64(len(pos)))), 2), len(pos)-1)
	trainPool, testPos := pos[:ntr], pos[ntr:]

	var negPool []int
	for i := range data.Len() {
		if data.Label(i) != class {
			negPool = append(negPool, i)
		}
	}
	if len(negPool) < len(testPos) {
		return nil, fmt.Errorf("%w: protocol 1: class %d needs %d out-of-class test images, the data has %d",
			ErrSplit, class, len(testPos), len(negPool))
	}
	neg := rng.sample(negPool, len(testPos))
	trainIdx, valIdx := splitVal(rng, trainPool)

	testIdx := append(slices.Clone(testPos), neg...)
	novel := make([]int, len(testIdx))
	for i := len(testPos); i < len(novel); i++ {
		novel[i] = 1
	}
	return buildSplit(class, data, data, trainIdx, valIdx, testIdx, novel)
}

// Protocol2 builds the paper's protocol 2 split from a data set's own train
// and test splits: the normal class's n training images are shuffled with a
// PCG stream seeded by seed and the first round(0.1·n) (round half to even,
// kept within [1, n−1]) become Val, the rest Train; Test is the whole test
// split in its order, with novelty 1 for every image not labelled class. The
// test split must hold both normal and novel images.
func Protocol2(train, test *Dataset, class int, seed uint64) (*Split, error) {
	if train.Channels() != test.Channels() || train.Height() != test.Height() || train.Width() != test.Width() {
		return nil, fmt.Errorf("%w: protocol 2: train images are %dx%dx%d, test images %dx%dx%d", ErrSplit,
			train.Channels(), train.Height(), train.Width(), test.Channels(), test.Height(), test.Width())
	}
	pos := train.Indices(class)
	if len(pos) < 2 {
		return nil, fmt.Errorf("%w: protocol 2: class %d has %d training images, need at least 2 (classes present: %v)",
			ErrSplit, class, len(pos), train.Classes())
	}
	testIdx := make([]int, test.Len())
	novel := make([]int, test.Len())
	nNovel := 0
	for i := range testIdx {
		testIdx[i] = i
		if test.Label(i) != class {
			novel[i] = 1
			nNovel++
		}
	}
	if nNovel == 0 || nNovel == test.Len() {
		return nil, fmt.Errorf("%w: protocol 2: the test split has %d images of class %d and %d others; both must be present",
			ErrSplit, test.Len()-nNovel, class, nNovel)
	}
	rng := newShuffler(seed)
	rng.shuffle(pos)
	trainIdx, valIdx := splitVal(rng, pos)
	return buildSplit(class, train, test, trainIdx, valIdx, testIdx, novel)
}

// HoldOut splits images of the normal class alone (no class labels, no
// novel images) into Train and Val: the n images are shuffled with a PCG
// stream seeded by seed and the first round(share·n) (round half to even,
// kept within [1, n−1]) become Val, the rest Train. Test and Novel are
// empty; Class is 0. It needs at least 2 images and 0 < share < 1. The same
// images and seed give the same split on every platform and Go version.
func HoldOut(normal *Dataset, share float64, seed uint64) (*Split, error) {
	if !(share > 0 && share < 1) {
		return nil, fmt.Errorf("%w: validation share %v, want 0 < share < 1", ErrBadOptions, share)
	}
	if normal.Len() < 2 {
		return nil, fmt.Errorf("%w: %d image(s); holding out a validation share needs at least 2 (one to train on, one to validate)",
			ErrSplit, normal.Len())
	}
	idx := make([]int, normal.Len())
	for i := range idx {
		idx[i] = i
	}
	trainIdx, valIdx := splitShare(newShuffler(seed), idx, share)
	return buildSplit(0, normal, normal, trainIdx, valIdx, []int{}, []int{})
}

// splitVal shuffles idx (at least 2 entries) and splits off the validation
// share: the first max(1, round(0.1·n)) indices, at most n−1.
func splitVal(rng *shuffler, idx []int) (train, val []int) {
	return splitShare(rng, idx, ValFraction)
}

// splitShare shuffles idx (at least 2 entries) and splits off the first
// max(1, round(share·n)) indices, at most n−1, as the validation share.
func splitShare(rng *shuffler, idx []int, share float64) (train, val []int) {
	idx = slices.Clone(idx)
	rng.shuffle(idx)
	nval := min(max(int(math.RoundToEven(share*float64(len(idx)))), 1), len(idx)-1)
	return idx[nval:], idx[:nval]
}

// buildSplit copies the chosen images into a Split.
func buildSplit(class int, trainSrc, testSrc *Dataset, trainIdx, valIdx, testIdx, novel []int) (*Split, error) {
	s := &Split{Class: class, Novel: novel, TrainIndex: trainIdx, ValIndex: valIdx, TestIndex: testIdx}
	var err error
	if s.Train, err = trainSrc.Subset(trainIdx); err != nil {
		return nil, err
	}
	if s.Val, err = trainSrc.Subset(valIdx); err != nil {
		return nil, err
	}
	if s.Test, err = testSrc.Subset(testIdx); err != nil {
		return nil, err
	}
	return s, nil
}

// shuffler draws permutations from a PCG-DXSM stream (math/rand/v2's PCG,
// whose output is fixed by its specification) with its own Fisher–Yates and
// bounded draws, so a seed gives the same split on every Go version.
type shuffler struct{ pcg *rand.PCG }

// newShuffler seeds a shuffler; the second PCG word is a fixed stream
// constant for this package.
func newShuffler(seed uint64) *shuffler {
	return &shuffler{pcg: rand.NewPCG(seed, 0x6f6367616e2d6473)} // "ocgan-ds"
}

// below returns a uniform integer in [0, n), n > 0, by rejection sampling.
func (s *shuffler) below(n uint64) uint64 {
	threshold := -n % n // 2^64 mod n: values below it would bias the modulo
	for {
		if v := s.pcg.Uint64(); v >= threshold {
			return v % n
		}
	}
}

// shuffle permutes x in place (Fisher–Yates, from the end).
func (s *shuffler) shuffle(x []int) {
	for i := len(x) - 1; i > 0; i-- {
		j := int(s.below(uint64(i + 1)))
		x[i], x[j] = x[j], x[i]
	}
}

// sample returns k distinct entries of pool chosen uniformly at random, in
// draw order (a partial Fisher–Yates on a copy of pool).
func (s *shuffler) sample(pool []int, k int) []int {
	p := slices.Clone(pool)
	for i := range k {
		j := i + int(s.below(uint64(len(p)-i)))
		p[i], p[j] = p[j], p[i]
	}
	return p[:k]
}
