package backend

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// convReLU is x → conv (+bias) = c → ReLU = y, the smallest fusable graph.
func convReLU(t *testing.T) (g *graph.Graph, c, y *graph.Tensor) {
	t.Helper()
	g = graph.New(graph.NewParamSet(), graph.Eval)
	x := g.Input("x", 2, 3, 5, 5)
	c = g.Conv2D(x, g.Param("c.weight", []int{4, 3, 3, 3}, graph.InitZeros()), g.Param("c.bias", []int{4}, graph.InitZeros()), 1, 1)
	y = g.ReLU(c)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	return g, c, y
}

func TestCheckFusion(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       string
		unfused   bool
		keepConv  bool
		wantFused []string
		wantErr   string
	}{
		{name: "default", wantFused: []string{"c+relu#1"}},
		{name: "env_on", env: "on", wantFused: []string{"c+relu#1"}},
		{name: "option_off", unfused: true},
		{name: "env_off", env: "off"},
		{name: "conv_output_read_back", keepConv: true},
		{name: "env_bad", env: "maybe", wantErr: FusionEnv + `="maybe"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(FusionEnv, tc.env)
			g, c, y := convReLU(t)
			opts := Options{Outputs: []*graph.Tensor{y}, Unfused: tc.unfused}
			if tc.keepConv {
				opts.Outputs = append(opts.Outputs, c)
			}
			got, err := Check(g, opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Fused, tc.wantFused) {
				t.Errorf("fused %q, want %q", got.Fused, tc.wantFused)
			}
			if want := len(g.Nodes()) - len(tc.wantFused); len(got.Nodes) != want {
				t.Errorf("%d nodes to run, want %d", len(got.Nodes), want)
			}
		})
	}
}

// TestAdamStateCheck checks the reasons a replacement Adam state is refused.
func TestAdamStateCheck(t *testing.T) {
	two := []float32{1, 2}
	for _, c := range []struct {
		st   AdamState
		want string
	}{
		{AdamState{M: two, V: two, Steps: 3}, ""},
		{AdamState{M: two[:1], V: two, Steps: 3}, "moments have 1 and 2 values, want 2"},
		{AdamState{M: two, V: nil}, "moments have 2 and 0 values, want 2"},
		{AdamState{M: two, V: two, Steps: -1}, "steps -1 < 0"},
	} {
		err := c.st.Check(2)
		if (err == nil) != (c.want == "") || (err != nil && err.Error() != c.want) {
			t.Errorf("Check(%+v) = %v, want %q", c.st, err, c.want)
		}
	}
}

// TestHostAdam checks that HostAdam creates zero state once, hands out
// copies and replaces state only with a valid one.
func TestHostAdam(t *testing.T) {
	h := HostAdam{}
	s := h.For("w", 2)
	if len(s.M) != 2 || len(s.V) != 2 || s.Steps != 0 || h.For("w", 5) != s {
		t.Fatalf("For = %+v, want one zero state of 2 values", s)
	}
	if _, err := h.Get("who", "b"); err == nil || err.Error() != `who: adam state of "b": no program trains it` {
		t.Errorf("Get of an untrained name: %v", err)
	}
	if err := h.Set("who", "b", AdamState{}); err == nil || err.Error() != `who: set adam state of "b": no program trains it` {
		t.Errorf("Set of an untrained name: %v", err)
	}
	if err := h.Set("who", "w", AdamState{M: []float32{1}, V: []float32{2}}); err == nil || err.Error() != `who: set adam state of "w": moments have 1 and 1 values, want 2` {
		t.Errorf("Set of short moments: %v", err)
	}
	st := AdamState{M: []float32{1, 2}, V: []float32{3, 4}, Steps: 7}
	if err := h.Set("who", "w", st); err != nil {
		t.Fatal(err)
	}
	st.M[0] = 99
	got, err := h.Get("who", "w")
	if err != nil || !slices.Equal(got.M, []float32{1, 2}) || !slices.Equal(got.V, []float32{3, 4}) || got.Steps != 7 {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	got.V[0] = 99
	if s.V[0] != 3 {
		t.Errorf("Get returned the store's own moments")
	}
}

// TestCheckGraphError checks that a graph with an error is refused first.
func TestCheckGraphError(t *testing.T) {
	g := graph.New(graph.NewParamSet(), graph.Eval)
	g.Add(g.Input("a", 2, 3), g.Input("b", 3, 2))
	if _, err := Check(g, Options{}); err == nil || !strings.HasPrefix(err.Error(), "the graph has an error: add") {
		t.Errorf("Check of a failed graph = %v", err)
	}
}

// TestAdamHyper checks that Hyper drops the gradients and is zero for nil.
func TestAdamHyper(t *testing.T) {
	if h := (*Adam)(nil).Hyper(); h.LR != 0 || h.Beta1 != 0 || h.Beta2 != 0 || h.Eps != 0 || h.Grads != nil {
		t.Errorf("nil Hyper = %+v", h)
	}
	a := NewAdam(map[*graph.Tensor]*graph.Tensor{})
	if h := a.Hyper(); h.Grads != nil || h.LR != a.LR || h.Beta1 != a.Beta1 || h.Beta2 != a.Beta2 || h.Eps != a.Eps {
		t.Errorf("Hyper = %+v, want %+v without Grads", h, *a)
	}
}

// TestUploadValues checks that UploadValues returns the ParamSet's values
// in the names' order and names the first length mismatch.
func TestUploadValues(t *testing.T) {
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Train)
	g.Param("a", []int{2}, graph.InitConst(1))
	g.Param("b", []int{3}, graph.InitConst(2))
	if err := ps.Init(1); err != nil {
		t.Fatal(err)
	}
	held := map[string]int{"a": 2, "b": 3}
	vals, err := UploadValues(ps, []string{"b", "a"}, func(n string) int { return held[n] }, "store")
	if err != nil || len(vals) != 2 || !slices.Equal(vals[0], []float32{2, 2, 2}) || !slices.Equal(vals[1], []float32{1, 1}) {
		t.Fatalf("UploadValues = %v, %v", vals, err)
	}
	held["b"] = 4
	_, err = UploadValues(ps, []string{"a", "b"}, func(n string) int { return held[n] }, "device")
	if err == nil || err.Error() != `upload "b": the ParamSet has 3 values, the device 4` {
		t.Errorf("UploadValues with a mismatch: %v", err)
	}
}

// TestBindLeaves checks that BindLeaves sets the inputs' and parameters'
// entries only, and names the tensor in its errors.
func TestBindLeaves(t *testing.T) {
	g := graph.New(graph.NewParamSet(), graph.Train)
	x := g.Input("x", 2, 3)
	w := g.Param("w", []int{3}, graph.InitZeros())
	y := g.ReLU(x)
	bufs := make([]string, len(g.Tensors()))
	name := func(t *graph.Tensor) (string, error) { return t.Name(), nil }
	if err := BindLeaves(g.Tensors(), bufs, name, name); err != nil {
		t.Fatal(err)
	}
	if bufs[x.ID()] != "x" || bufs[w.ID()] != "w" || bufs[y.ID()] != "" {
		t.Errorf("bufs = %q", bufs)
	}
	fail := func(*graph.Tensor) (string, error) { return "", errors.New("no memory") }
	if err := BindLeaves(g.Tensors(), bufs, fail, name); err == nil || !strings.HasPrefix(err.Error(), "input ") || !strings.HasSuffix(err.Error(), ": no memory") {
		t.Errorf("failing input: %v", err)
	}
	if err := BindLeaves(g.Tensors(), bufs, name, fail); err == nil || !strings.HasPrefix(err.Error(), "param ") {
		t.Errorf("failing param: %v", err)
	}
}
