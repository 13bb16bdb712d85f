package program

import (
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

func TestCompileErrors(t *testing.T) {
	lib := newLib(t)
	n, grads := newNet(t, 1, func(n *aeNet) []*graph.Tensor { return n.params() })
	other, otherGrads := newNet(t, 1, func(n *aeNet) []*graph.Tensor { return n.params() })

	broken := graph.New(graph.NewParamSet(), graph.Train)
	a := broken.Input("a", 2, 3)
	broken.Add(a, broken.Input("b", 3, 2))

	wrongGrads := map[*graph.Tensor]*graph.Tensor{n.disc[0]: grads[n.disc[1]]}
	foreignGrad := map[*graph.Tensor]*graph.Tensor{n.disc[0]: otherGrads[other.disc[0]]}
	badLR := NewAdam(grads)
	badLR.Beta1 = 1
	dp, err := NewDeviceParams(lib.Context(), other.g.Params())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		g    *graph.Graph
		opts Options
		want string
	}{
		{"graph error", broken, Options{}, `the graph has an error: add "add#0": shapes differ`},
		{"foreign output", n.g, Options{Outputs: []*graph.Tensor{other.loss}}, "output \"add#"},
		{"nil output", n.g, Options{Outputs: []*graph.Tensor{nil}}, "output is nil"},
		{"gradient of another length", n.g, Options{Adam: NewAdam(wrongGrads)}, `gradient "grad(disc.fc1.bias)`},
		{"gradient of another graph", n.g, Options{Adam: NewAdam(foreignGrad)}, "is not a tensor of the graph"},
		{"bad hyper-parameter", n.g, Options{Adam: badLR}, "Beta1 must be in [0, 1)"},
		{"params of another ParamSet", n.g, Options{Params: dp}, "another ParamSet"},
	} {
		p, err := Compile(lib, c.g, c.opts)
		if err == nil {
			p.Free()
			t.Errorf("%s: compiled", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := Compile(nil, n.g, Options{}); err == nil {
		t.Error("nil library: compiled")
	}
}

func TestStepErrors(t *testing.T) {
	lib := newLib(t)
	p, n := compileNet(t, lib, false, func(n *aeNet) []*graph.Tensor { return n.params() })
	good := n.batch(1)
	for _, c := range []struct {
		name  string
		feeds map[*graph.Tensor][]float32
		want  string
	}{
		{"missing input", map[*graph.Tensor][]float32{n.x: good[n.x]}, `input "label" input [3 1] is not fed`},
		{"short feed", map[*graph.Tensor][]float32{n.x: good[n.x][:5], n.label: good[n.label]},
			`feed for "x" input [3 2 8 8] has 5 values, want 384`},
		{"not an input", map[*graph.Tensor][]float32{n.x: good[n.x], n.label: good[n.label], n.loss: {1}},
			"which is not an input of the graph"},
	} {
		if _, err := p.Step(c.feeds); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if st := p.Stats(); st.Runs != 0 || p.Counter() != 0 {
		t.Errorf("refused steps ran: %+v, counter %d", st, p.Counter())
	}
	if _, err := p.Step(good); err != nil {
		t.Fatalf("a good step after refused ones: %v", err)
	}
}

func TestAdamStateErrors(t *testing.T) {
	lib := newLib(t)
	p, n := compileNet(t, lib, false, func(n *aeNet) []*graph.Tensor { return n.ae() })
	dp := p.Params()
	if _, err := dp.AdamState(n.disc[0].Name()); err == nil || !strings.Contains(err.Error(), "no program trains it") {
		t.Errorf("adam state of a frozen parameter: %v", err)
	}
	if err := dp.SetAdamState(n.enc[0].Name(), AdamState{M: []float32{1}, V: []float32{1}}); err == nil ||
		!strings.Contains(err.Error(), "want 72") {
		t.Errorf("adam state of the wrong length: %v", err)
	}
	wrong := graph.NewParamSet()
	g := graph.New(wrong, graph.Train)
	g.Param("enc.conv1.weight", []int{2}, graph.InitZeros())
	if err := dp.Upload(wrong); err == nil || !strings.Contains(err.Error(), "upload") {
		t.Errorf("upload from a mismatched ParamSet: %v", err)
	}
}
