package memplan

import (
	"errors"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestBindAndGather checks that Bind gives planned roots their view, Reshape
// views their root's entry and leaves the caller's entries alone, and that
// Gather and GatherIDs collect entries in order.
func TestBindAndGather(t *testing.T) {
	g := graph.New(graph.NewParamSet(), graph.Eval)
	x := g.Input("x", 2, 3)
	r := g.ReLU(x)
	v := g.Reshape(r, 6)
	y := g.ReLU(v)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	tensors := g.Tensors()
	p := New(g.Nodes(), tensors, map[int]bool{y.ID(): true}, 4, nil)
	bufs := make([]int, len(tensors))
	bufs[x.ID()] = -7
	err := Bind(p, tensors, bufs, func(t *graph.Tensor, off int) (int, error) { return 100 + off, nil })
	if err != nil {
		t.Fatal(err)
	}
	if bufs[x.ID()] != -7 {
		t.Errorf("input entry = %d, want it left at -7", bufs[x.ID()])
	}
	if want := 100 + p.Offset[r.ID()]; bufs[r.ID()] != want || bufs[v.ID()] != want {
		t.Errorf("root, view entries = %d, %d, want both %d", bufs[r.ID()], bufs[v.ID()], want)
	}
	if want := 100 + p.Offset[y.ID()]; bufs[y.ID()] != want {
		t.Errorf("output entry = %d, want %d", bufs[y.ID()], want)
	}
	got := Gather([]int{1, 2, 3, 4}, bufs, []*graph.Tensor{y, x})
	if len(got) != 2 || got[0] != bufs[y.ID()] || got[1] != -7 {
		t.Errorf("Gather = %v", got)
	}
	if got := GatherIDs(got, bufs, []int{r.ID()}); len(got) != 1 || got[0] != bufs[r.ID()] {
		t.Errorf("GatherIDs = %v", got)
	}
	bad := errors.New("no view")
	if err := Bind(p, tensors, bufs, func(*graph.Tensor, int) (int, error) { return 0, bad }); !errors.Is(err, bad) {
		t.Errorf("Bind with a failing view = %v, want %v", err, bad)
	}
}

// TestScratch checks a node's scratch: placed apart from the tensors live
// while the node runs, -1 for nodes that ask for none, and free again for
// the nodes after it.
func TestScratch(t *testing.T) {
	g := graph.New(graph.NewParamSet(), graph.Eval)
	x := g.Input("x", 5)
	a := g.ReLU(x)
	b := g.ReLU(a)
	c := g.ReLU(b)
	d := g.ReLU(c)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	tensors := g.Tensors()
	p := New(g.Nodes(), tensors, map[int]bool{d.ID(): true}, 4, []int{0, 13, 0})
	if p.Scratch[0] != -1 || p.Scratch[2] != -1 || p.Scratch[3] != -1 || p.Scratch[1] < 0 {
		t.Fatalf("scratch offsets %v, want only node 1's", p.Scratch)
	}
	s := p.Scratch[1]
	if s%4 != 0 {
		t.Errorf("scratch at float %d, not aligned to 4", s)
	}
	for _, live := range []*graph.Tensor{a, b} { // node 1 reads a and writes b
		if o := p.Offset[live.ID()]; o < s+16 && s < o+8 {
			t.Errorf("scratch [%d, %d) overlaps %v at [%d, %d)", s, s+16, live, o, o+8)
		}
	}
	if p.ArenaFloats != 32 {
		t.Errorf("arena of %d floats, want 32 (two 8-float tensors and 16 of scratch, reused after node 1)", p.ArenaFloats)
	}
	if none := New(g.Nodes(), tensors, map[int]bool{d.ID(): true}, 4, nil); none.ArenaFloats != 16 {
		t.Errorf("without scratch: arena of %d floats, want 16", none.ArenaFloats)
	}
}
