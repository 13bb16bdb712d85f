package dataset

import (
	"errors"
	"slices"
	"testing"
)

// tiny returns n images of 1x1x2 whose pixels are (i/100, −i/100) and
// labels[i].
func tiny(t *testing.T, labels []int) *Dataset {
	t.Helper()
	pix := make([]float32, 2*len(labels))
	for i := range labels {
		pix[2*i], pix[2*i+1] = float32(i)/100, -float32(i)/100
	}
	d, err := New(1, 1, 2, pix, slices.Clone(labels))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDatasetBasics(t *testing.T) {
	d := tiny(t, []int{2, 0, 2, 1, 2})
	if d.Len() != 5 || d.ImageLen() != 2 || d.Channels() != 1 || d.Height() != 1 || d.Width() != 2 {
		t.Fatalf("shape: len %d imagelen %d", d.Len(), d.ImageLen())
	}
	if got := d.Image(3); got[0] != 0.03 || got[1] != -0.03 || d.Label(3) != 1 {
		t.Errorf("image 3 = %v label %d", got, d.Label(3))
	}
	if got := d.Classes(); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("classes %v", got)
	}
	if got := d.Indices(2); !slices.Equal(got, []int{0, 2, 4}) {
		t.Errorf("indices of 2: %v", got)
	}
	c := d.Class(2)
	if c.Len() != 3 || c.Image(1)[0] != 0.02 || c.Label(2) != 2 {
		t.Errorf("class 2: len %d image 1 %v", c.Len(), c.Image(1))
	}
	if d.Class(7).Len() != 0 {
		t.Error("class 7 not empty")
	}
	s, err := d.Subset([]int{4, 1, 4})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || s.Image(0)[0] != 0.04 || s.Image(1)[0] != 0.01 || s.Label(1) != 0 {
		t.Errorf("subset: %v %v", s.Pixels(), s.Labels())
	}
	s.Pixels()[0] = 9 // a subset is a copy
	if d.Image(4)[0] == 9 {
		t.Error("Subset shares storage")
	}
	if _, err := d.Subset([]int{5}); !errors.Is(err, ErrBadOptions) {
		t.Errorf("out-of-range subset: %v", err)
	}
	batch := make([]float32, 4)
	if err := d.Gather(batch, []int{3, 0}); err != nil || !slices.Equal(batch, []float32{0.03, -0.03, 0, 0}) {
		t.Errorf("gather %v %v", batch, err)
	}
	if err := d.Gather(batch, []int{3}); !errors.Is(err, ErrBadOptions) {
		t.Errorf("short gather: %v", err)
	}
	if err := d.Gather(batch, []int{3, -1}); !errors.Is(err, ErrBadOptions) {
		t.Errorf("bad gather index: %v", err)
	}
	l := d.Labels()
	l[0] = 99
	if d.Label(0) != 2 {
		t.Error("Labels shares storage")
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(1, 2, 2, make([]float32, 7), []int{0, 1}); !errors.Is(err, ErrBadOptions) {
		t.Errorf("length mismatch: %v", err)
	}
	if _, err := New(0, 2, 2, nil, nil); !errors.Is(err, ErrBadOptions) {
		t.Errorf("zero channels: %v", err)
	}
}

func TestConcat(t *testing.T) {
	a := tiny(t, []int{0, 1})
	b := tiny(t, []int{5})
	c, err := Concat(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Labels(), []int{0, 1, 5}) || !slices.Equal(c.Pixels(), []float32{0, 0, 0.01, -0.01, 0, 0}) {
		t.Errorf("concat %v %v", c.Labels(), c.Pixels())
	}
	other, _ := New(2, 1, 1, make([]float32, 2), []int{0})
	if _, err := Concat(a, other); !errors.Is(err, ErrBadOptions) {
		t.Errorf("shape mismatch: %v", err)
	}
	if _, err := Concat(); !errors.Is(err, ErrBadOptions) {
		t.Errorf("empty concat: %v", err)
	}
}

func TestPadded(t *testing.T) {
	d, _ := New(1, 1, 2, []float32{0.5, 0.25}, []int{3})
	p, err := d.Padded(3, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{-1, -1, -1, -1, -1, 0.5, 0.25, -1, -1, -1, -1, -1}
	if p.Height() != 3 || p.Width() != 4 || !slices.Equal(p.Pixels(), want) || p.Label(0) != 3 {
		t.Errorf("padded %v", p.Pixels())
	}
	if _, err := d.Padded(1, 1); !errors.Is(err, ErrBadOptions) {
		t.Errorf("shrinking pad: %v", err)
	}
}
