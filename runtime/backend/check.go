package backend

import (
	"fmt"
	"os"
	"sort"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Checked is what every executor derives from a graph and its Options
// before binding them.
type Checked struct {
	// Trained are the parameters opts.Adam updates, in tensor order.
	Trained []*graph.Tensor
	// Pinned holds the IDs of the tensors that must survive the whole step:
	// the outputs read back and the gradients the optimizer reads.
	Pinned map[int]bool
	// Nodes are the nodes to run, in order: graph.FuseEpilogues's (nothing
	// pinned is fused away), or the graph's own when fusion is off
	// (Options.Unfused, OCGAN_FUSION=off).
	Nodes []*graph.Node
	// Fused names the producer+activation pairs fused into one node.
	Fused []string
}

// FusionEnv names the environment variable that turns epilogue fusion off
// ("off") or leaves it on ("on" or unset).
const FusionEnv = "OCGAN_FUSION"

// fusionOn reports whether opts and the environment leave fusion on.
func fusionOn(opts Options) (bool, error) {
	if opts.Unfused {
		return false, nil
	}
	switch v := os.Getenv(FusionEnv); v {
	case "", "on":
		return true, nil
	case "off":
		return false, nil
	default:
		return false, fmt.Errorf("%s=%q: want on or off", FusionEnv, v)
	}
}

// Check validates g and opts: g has no error, every output and every Adam
// parameter and gradient is a tensor of g, each gradient has its
// parameter's length, and Adam's hyper-parameters are valid. Errors do not
// name the executor; callers wrap them.
func Check(g *graph.Graph, opts Options) (Checked, error) {
	if err := g.Err(); err != nil {
		return Checked{}, fmt.Errorf("the graph has an error: %w", err)
	}
	tensors := g.Tensors()
	own := func(what string, t *graph.Tensor) error {
		if t == nil {
			return fmt.Errorf("%s is nil", what)
		}
		if id := t.ID(); id < 0 || id >= len(tensors) || tensors[id] != t {
			return fmt.Errorf("%s %v is not a tensor of the graph", what, t)
		}
		return nil
	}
	c := Checked{Pinned: map[int]bool{}}
	for _, t := range opts.Outputs {
		if err := own("output", t); err != nil {
			return c, err
		}
		c.Pinned[t.ID()] = true
	}
	a := opts.Adam
	if a == nil {
		err := c.plan(g, opts)
		return c, err
	}
	if _, err := kernels.NewAdamStep(a.LR, a.Beta1, a.Beta2, a.Eps, 1); err != nil {
		return c, err
	}
	for w, gr := range a.Grads {
		if err := own("adam parameter", w); err != nil {
			return c, err
		}
		if w.Role() != graph.Param {
			continue
		}
		if err := own(fmt.Sprintf("adam gradient of %q", w.Name()), gr); err != nil {
			return c, err
		}
		if gr.Len() != w.Len() {
			return c, fmt.Errorf("adam: gradient %v of %v has %d values, want %d", gr, w, gr.Len(), w.Len())
		}
		c.Trained = append(c.Trained, w)
		c.Pinned[gr.ID()] = true
	}
	sort.Slice(c.Trained, func(i, j int) bool { return c.Trained[i].ID() < c.Trained[j].ID() })
	err := c.plan(g, opts)
	return c, err
}

// plan sets c.Nodes and c.Fused: the fused nodes, keeping every pinned
// tensor, unless fusion is off.
func (c *Checked) plan(g *graph.Graph, opts Options) error {
	on, err := fusionOn(opts)
	if err != nil || !on {
		c.Nodes = g.Nodes()
		return err
	}
	tensors := g.Tensors()
	keep := make([]*graph.Tensor, 0, len(c.Pinned))
	for id := range c.Pinned {
		keep = append(keep, tensors[id])
	}
	f, err := graph.FuseEpilogues(g, keep)
	if err != nil {
		return err
	}
	c.Nodes, c.Fused = f.Nodes, f.Pairs
	return nil
}

// CheckFeeds reports a missing input, a feed of the wrong length or a feed
// for a tensor that is not one of inputs.
func CheckFeeds(inputs []*graph.Tensor, feeds map[*graph.Tensor][]float32) error {
	for _, t := range inputs {
		v, ok := feeds[t]
		if !ok {
			return fmt.Errorf("input %v is not fed", t)
		}
		if len(v) != t.Len() {
			return fmt.Errorf("feed for %v has %d values, want %d", t, len(v), t.Len())
		}
	}
	if len(feeds) == len(inputs) {
		return nil
	}
	for t := range feeds {
		found := false
		for _, in := range inputs {
			found = found || in == t
		}
		if !found {
			return fmt.Errorf("feed for %v, which is not an input of the graph", t)
		}
	}
	return nil
}
