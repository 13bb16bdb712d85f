package graph

import (
	"errors"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// TestBuildErrors checks that each mistake is reported with the op, the
// node and the shapes involved.
func TestBuildErrors(t *testing.T) {
	w := func(g *Graph, name string, shape ...int) *Tensor { return g.Param(name, shape, InitNormal(0, 0.02)) }
	cases := []struct {
		name  string
		build func() error
		want  []string
	}{
		{"conv channel mismatch", func() error {
			g := New(NewParamSet(), Train)
			g.Conv2D(g.Input("x", 2, 3, 14, 14), w(g, "enc.conv2.weight", 128, 64, 5, 5), nil, 2, 2)
			return g.Err()
		}, []string{`conv2d "enc.conv2": input [2 3 14 14] has 3 channels, weight [128 64 5 5] expects 64`}},
		{"conv kernel larger than input", func() error {
			g := New(NewParamSet(), Train)
			g.Conv2D(g.Input("x", 1, 1, 3, 3), w(g, "c.weight", 2, 1, 5, 5), nil, 1, 0)
			return g.Err()
		}, []string{`conv2d "c"`, "[1 1 3 3]", "[2 1 5 5]", "KH=5"}},
		{"conv bias shape", func() error {
			g := New(NewParamSet(), Train)
			g.Conv2D(g.Input("x", 1, 1, 3, 3), w(g, "c.weight", 2, 1, 3, 3), w(g, "c.bias", 3), 1, 0)
			return g.Err()
		}, []string{`conv2d "c"`, "bias [3]", "want [2]"}},
		{"conv-transpose channel mismatch", func() error {
			g := New(NewParamSet(), Train)
			g.ConvTranspose2D(g.Input("z", 2, 100, 1, 1), w(g, "dec.convt1.weight", 64, 32, 3, 3), nil, 1, 0, 0)
			return g.Err()
		}, []string{`conv_transpose2d "dec.convt1": input [2 100 1 1] has 100 channels, weight [64 32 3 3] expects 64`}},
		{"dense in-features mismatch", func() error {
			g := New(NewParamSet(), Train)
			g.Dense(g.Input("z", 4, 27), w(g, "disc.fc.weight", 1, 30), nil)
			return g.Err()
		}, []string{`dense "disc.fc": input [4 27] has 27 features, weight [1 30] expects 30`}},
		{"dense on 4-D input", func() error {
			g := New(NewParamSet(), Train)
			g.Dense(g.Input("z", 4, 3, 3, 3), w(g, "fc.weight", 1, 27), nil)
			return g.Err()
		}, []string{`dense "fc"`, "[4 3 3 3]", "[1 27]", "reshape"}},
		{"add shape mismatch", func() error {
			g := New(NewParamSet(), Train)
			g.Add(g.Input("a", 2, 3), g.Input("b", 3, 2))
			return g.Err()
		}, []string{`add "add#0": shapes differ: a [2 3] ("a"), b [3 2] ("b")`}},
		{"tensor from another graph", func() error {
			ps := NewParamSet()
			g1, g2 := New(ps, Train), New(ps, Eval)
			x := g1.Input("x", 2, 4)
			g2.ReLU(x)
			return g2.Err()
		}, []string{"relu", `"x" input [2 4]`, "another graph"}},
		{"param shape differs on reuse", func() error {
			ps := NewParamSet()
			New(ps, Train).Param("enc.conv1.weight", []int{64, 1, 5, 5}, InitNormal(0, 0.02))
			g := New(ps, Eval)
			g.Param("enc.conv1.weight", []int{64, 3, 5, 5}, InitNormal(0, 0.02))
			return g.Err()
		}, []string{`"enc.conv1.weight"`, "[64 3 5 5]", "[64 1 5 5]"}},
		{"batch norm gamma shape", func() error {
			g := New(NewParamSet(), Train)
			g.BatchNorm(g.Input("x", 2, 4, 3, 3), w(g, "bn.gamma", 5), w(g, "bn.beta", 4),
				g.State("bn.rm", []int{4}, InitZeros()), g.State("bn.rv", []int{4}, InitOnes()), 0.1, 1e-5)
			return g.Err()
		}, []string{`batch_norm "bn": input [2 4 3 3] has 4 channels, gamma "bn.gamma" has shape [5]`}},
		{"batch norm running stats not state", func() error {
			g := New(NewParamSet(), Train)
			g.BatchNorm(g.Input("x", 2, 4), w(g, "bn.gamma", 4), w(g, "bn.beta", 4),
				w(g, "bn.rm", 4), g.State("bn.rv", []int{4}, InitOnes()), 0.1, 1e-5)
			return g.Err()
		}, []string{`batch_norm "bn"`, `"bn.rm" param [4]`, "State"}},
		{"batch norm train with one value per channel", func() error {
			g := New(NewParamSet(), Train)
			g.BatchNorm(g.Input("x", 1, 4), w(g, "bn.gamma", 4), w(g, "bn.beta", 4),
				g.State("bn.rm", []int{4}, InitZeros()), g.State("bn.rv", []int{4}, InitOnes()), 0.1, 1e-5)
			return g.Err()
		}, []string{`batch_norm "bn": input [1 4]`, "more than 1 value per channel"}},
		{"batch norm bad momentum", func() error {
			g := New(NewParamSet(), Train)
			g.BatchNorm(g.Input("x", 3, 4), w(g, "bn.gamma", 4), w(g, "bn.beta", 4),
				g.State("bn.rm", []int{4}, InitZeros()), g.State("bn.rv", []int{4}, InitOnes()), 2, 1e-5)
			return g.Err()
		}, []string{`batch_norm "bn": input [3 4]`, "Momentum"}},
		{"dropout probability", func() error {
			g := New(NewParamSet(), Train)
			g.Dropout(g.Input("x", 3, 4), 1, 7)
			return g.Err()
		}, []string{`dropout "dropout#0": input [3 4]`, "P must be in [0, 1)"}},
		{"reshape element count", func() error {
			g := New(NewParamSet(), Train)
			g.Reshape(g.Input("x", 2, 3, 3, 3), 2, 28)
			return g.Err()
		}, []string{`reshape "reshape#0": input [2 3 3 3] to [2 28]`, "56 elements, want 54"}},
		{"loss shapes", func() error {
			g := New(NewParamSet(), Train)
			g.MSELoss(g.Input("p", 2, 1, 6, 6), g.Input("t", 2, 36))
			return g.Err()
		}, []string{`mse_loss "mse_loss#0"`, "[2 1 6 6]", "[2 36]"}},
		{"gradient of a non-scalar loss", func() error {
			g := New(NewParamSet(), Train)
			x := g.Input("x", 2, 3)
			l := g.MSELossPerSample(x, g.Input("t", 2, 3))
			_, err := g.Gradients(l, x)
			return err
		}, []string{"gradient", `"mse_loss_per_sample#0" activation [2]`, "shape [1]"}},
		{"gradient through a loss target", func() error {
			g := New(NewParamSet(), Train)
			x := g.Input("x", 2, 3)
			wt := w(g, "fc.weight", 3, 3)
			target := g.Sigmoid(g.Dense(x, wt, nil))
			l := g.BCEWithLogitsLoss(x, target)
			_, err := g.Gradients(l, wt)
			return err
		}, []string{"gradient", `bce_with_logits_loss "bce_with_logits_loss#2"`, "no gradient rule", "target", "[2 3]"}},
		{"gradient through a gradient", func() error {
			g := New(NewParamSet(), Train)
			x := g.Input("x", 2, 3)
			l := g.MSELoss(g.Tanh(x), g.Input("t", 2, 3))
			gr, err := g.Gradients(l, x)
			if err != nil {
				return err
			}
			_, err = g.Gradients(g.Mean(gr[x]), x)
			return err
		}, []string{"gradient", "activation_backward", "no gradient rule"}},
		{"gradient with respect to state", func() error {
			g := New(NewParamSet(), Train)
			x := g.Input("x", 2, 3)
			rm := g.State("bn.rm", []int{3}, InitZeros())
			l := g.MSELoss(x, g.Input("t", 2, 3))
			_, err := g.Gradients(l, rm)
			return err
		}, []string{"gradient", `"bn.rm" state [3]`, "cannot be differentiated"}},
		{"run with a missing feed", func() error {
			g := New(NewParamSet(), Train)
			x := g.Input("x", 2, 3)
			y := g.ReLU(x)
			_, err := RefBackend{}.Run(g, nil, y)
			return err
		}, []string{"ref", `"x" input [2 3] is not fed`}},
		{"run with a short feed", func() error {
			g := New(NewParamSet(), Train)
			x := g.Input("x", 2, 3)
			g.ReLU(x)
			_, err := RefBackend{}.Run(g, map[*Tensor][]float32{x: {1}})
			return err
		}, []string{"ref", `"x" input [2 3]`, "1 values, want 6"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.build()
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestStickyError checks that the first error is kept, later ops add nothing
// and return placeholders, and Gradients and Run refuse the graph.
func TestStickyError(t *testing.T) {
	g := New(NewParamSet(), Train)
	x := g.Input("x", 2, 3)
	bad := g.Add(x, g.Input("y", 3, 2))
	first := g.Err()
	if first == nil {
		t.Fatal("no error for an add shape mismatch")
	}
	nodes := len(g.Nodes())
	y := g.Tanh(bad)
	z := g.Dense(y, g.Param("fc.weight", []int{4, 3}, InitZeros()), nil)
	if g.Err() != first {
		t.Errorf("error changed to %v", g.Err())
	}
	if len(g.Nodes()) != nodes {
		t.Errorf("a failed graph grew from %d to %d nodes", nodes, len(g.Nodes()))
	}
	if z == nil || z.Len() != 1 || len(z.Shape()) != 0 {
		t.Errorf("placeholder %v, want an empty-shaped tensor", z)
	}
	if _, err := g.Gradients(z, x); err != first {
		t.Errorf("Gradients on a failed graph: %v, want the first error", err)
	}
	if _, err := (RefBackend{}).Run(g, nil); err == nil || !strings.Contains(err.Error(), first.Error()) {
		t.Errorf("Run on a failed graph: %v", err)
	}
	// Errors from other kinds of misuse.
	if err := New(nil, Train).Err(); err == nil {
		t.Error("New(nil) has no error")
	}
	if err := New(NewParamSet(), Mode(9)).Err(); err == nil {
		t.Error("New with a bad mode has no error")
	}
	g2 := New(NewParamSet(), Eval)
	g2.Conv2D(nil, nil, nil, 1, 0)
	if err := g2.Err(); err == nil || !strings.Contains(err.Error(), "conv2d") || !strings.Contains(err.Error(), "nil") {
		t.Errorf("nil tensor: %v", err)
	}
}

// TestGraphStructure checks naming, shapes, roles and that Gradients builds
// only what the wrt set needs.
func TestGraphStructure(t *testing.T) {
	ps := NewParamSet()
	n := buildAE(ps, Train)
	if err := n.g.Err(); err != nil {
		t.Fatal(err)
	}
	if got := n.z.Shape(); !sameShape(got, []int{2, 3, 3, 3}) {
		t.Errorf("latent shape %v", got)
	}
	if got := n.xr.Shape(); !sameShape(got, []int{2, 1, 6, 6}) {
		t.Errorf("reconstruction shape %v", got)
	}
	conv := n.g.Nodes()[0]
	if conv.Name() != "enc.conv1" || conv.Op().Kind() != "conv2d" || conv.String() != `conv2d "enc.conv1"` {
		t.Errorf("first node %v named %q", conv, conv.Name())
	}
	bn := n.g.Nodes()[1]
	if bn.Name() != "enc.bn1" || len(bn.Outputs()) != 3 || bn.Outputs()[1].Name() != "enc.bn1.saved_mean" {
		t.Errorf("batch norm node %v with outputs %v", bn, bn.Outputs())
	}
	for i, tt := range n.g.Tensors() {
		if tt.ID() != i {
			t.Fatalf("tensor %v has ID %d at index %d", tt, tt.ID(), i)
		}
	}

	// Only the decoder is trained: the encoder and the discriminator get no
	// gradient nodes, and nothing below the latent code is differentiated.
	before := len(n.g.Nodes())
	grads, err := n.g.Gradients(n.rec, n.dec...)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, nd := range n.g.Nodes()[before:] {
		kinds[nd.Op().Kind()]++
		for _, out := range nd.Outputs() {
			if out.Role() != Grad {
				t.Errorf("gradient node %v makes %v", nd, out)
			}
		}
	}
	want := map[string]int{"fill": 1, "mse_loss_grad": 1, "activation_backward": 1,
		"conv_transpose2d_backward_weight": 1, "conv_transpose2d_backward_bias": 1}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("%d %s nodes, want %d (all: %v)", kinds[k], k, v, kinds)
		}
	}
	if len(kinds) != len(want) {
		t.Errorf("gradient node kinds %v, want only %v", kinds, want)
	}
	for _, p := range n.dec {
		gt := grads[p]
		if gt == nil || !sameShape(gt.Shape(), p.Shape()) || gt.Role() != Grad {
			t.Errorf("gradient of %v is %v", p, gt)
		}
	}

	// A wrt tensor the loss does not depend on gets zeros.
	grads, err = n.g.Gradients(n.rec, n.disc[0])
	if err != nil {
		t.Fatal(err)
	}
	vals := mustRun(t, n.g, 0, n.feeds(kerneltest.NewRand(1)), grads[n.disc[0]])
	for _, v := range vals[grads[n.disc[0]]] {
		if v != 0 {
			t.Fatalf("gradient of an unused parameter: %v", vals[grads[n.disc[0]]])
		}
	}
}

func TestReshapeInfer(t *testing.T) {
	for _, c := range []struct {
		in, shape, want []int
		err             string
	}{
		{[]int{2, 3, 3, 3}, []int{2, -1}, []int{2, 27}, ""},
		{[]int{2, 27}, []int{-1, 3, 3, 3}, []int{2, 3, 3, 3}, ""},
		{[]int{2, 27}, []int{54}, []int{54}, ""},
		{[]int{2, 27}, []int{-1, -1}, nil, "more than one -1"},
		{[]int{2, 27}, []int{5, -1}, nil, "do not divide"},
		{[]int{2, 27}, []int{0, 54}, nil, "dimension 0 is 0"},
		{[]int{2, 27}, nil, nil, "empty"},
	} {
		got, err := inferShape(c.in, c.shape)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("inferShape(%v, %v) error %v, want %q", c.in, c.shape, err, c.err)
		case c.err == "" && (err != nil || !sameShape(got, c.want)):
			t.Errorf("inferShape(%v, %v) = %v, %v, want %v", c.in, c.shape, got, err, c.want)
		}
	}
}

func TestFailKeepsFirstError(t *testing.T) {
	g := New(NewParamSet(), Train)
	x := g.Input("x", 2, 3)
	first := errors.New("caller found its input invalid")
	g.Fail(first)
	g.Fail(errors.New("second"))
	g.Fail(nil)
	y := g.Scale(x, 2)
	if !errors.Is(g.Err(), first) {
		t.Fatalf("Err() = %v, want the first error", g.Err())
	}
	if len(g.Nodes()) != 0 || y == nil {
		t.Fatalf("an op on a failed graph added %d nodes (result %v)", len(g.Nodes()), y)
	}
}
