package model

import (
	"slices"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestBuildShapes builds every network of every preset in Train and Eval
// mode at batch 2 and checks the output shapes.
func TestBuildShapes(t *testing.T) {
	for _, geo := range presets() {
		m := mustNew(t, geo)
		ps := graph.NewParamSet()
		for _, mode := range []graph.Mode{graph.Train, graph.Eval} {
			s := buildAll(m, ps, mode, 2)
			if err := s.g.Err(); err != nil {
				t.Fatalf("%s %v: %v", geo.Name, mode, err)
			}
			img := m.ImageShape(2)
			for _, c := range []struct {
				name string
				got  *graph.Tensor
				want []int
			}{
				{"En", s.z, []int{2, geo.Latent}},
				{"De(En)", s.rec, img},
				{"De(u)", s.gen, img},
				{"Dl", s.dl, []int{2, 1}},
				{"Dv", s.dv, []int{2, 1}},
				{"C", s.cls, []int{2, 1}},
			} {
				if !slices.Equal(c.got.Shape(), c.want) {
					t.Errorf("%s %v: %s output %v, want %v", geo.Name, mode, c.name, c.got.Shape(), c.want)
				}
			}
			// The decoder's dropout exists in Train graphs only, once per
			// decoder, each with its own seed.
			var seeds []uint64
			for _, n := range s.g.Nodes() {
				if d, ok := n.Op().(graph.DropoutOp); ok {
					seeds = append(seeds, d.P.Seed)
					if d.P.P != 0.5 {
						t.Errorf("%s: dropout p %v", geo.Name, d.P.P)
					}
				}
			}
			want := map[graph.Mode]int{graph.Train: 2, graph.Eval: 0}[mode]
			if len(seeds) != want || (want == 2 && seeds[0] == seeds[1]) {
				t.Errorf("%s %v: dropout seeds %v, want %d distinct", geo.Name, mode, seeds, want)
			}
		}
		for _, net := range Nets() {
			for _, mode := range []graph.Mode{graph.Train, graph.Eval} {
				g := graph.New(graph.NewParamSet(), mode)
				if _, err := m.Build(g, net, 2); err != nil {
					t.Errorf("%s %v: %v", geo.Name, mode, err)
				}
			}
		}
	}
}

// peerParams lists, for MNIST28, each network's parameter shapes in the
// order of the PyTorch peer's named_parameters(), with the names this
// package gives them. Obtained in a one-off run of the peer
// (shared/peers/torch_ocgan/ocgan.py, /usr/bin/python3 with torch 1.13):
//
//	m = ocgan.OCGAN(); [(n, p.shape) for n, p in m.En.named_parameters()] ...
//
// The peer's running statistics (buffers) are 800, 896, 480, 144 and 768
// values (its num_batches_tracked counters left out).
var peerParams = map[Net][]struct {
	name  string
	shape []int
}{
	NetEncoder: {
		{"En.conv1.weight", []int{64, 1, 5, 5}}, {"En.conv1.bias", []int{64}},
		{"En.conv2.weight", []int{128, 64, 5, 5}}, {"En.bn2.gamma", []int{128}}, {"En.bn2.beta", []int{128}},
		{"En.conv3.weight", []int{256, 128, 5, 5}}, {"En.bn3.gamma", []int{256}}, {"En.bn3.beta", []int{256}},
		{"En.conv4.weight", []int{16, 256, 5, 5}}, {"En.bn4.gamma", []int{16}}, {"En.bn4.beta", []int{16}},
	},
	NetDecoder: {
		{"De.convT1.weight", []int{16, 256, 5, 5}}, {"De.bn1.gamma", []int{256}}, {"De.bn1.beta", []int{256}},
		{"De.convT2.weight", []int{256, 128, 5, 5}}, {"De.bn2.gamma", []int{128}}, {"De.bn2.beta", []int{128}},
		{"De.convT3.weight", []int{128, 64, 5, 5}}, {"De.bn3.gamma", []int{64}}, {"De.bn3.beta", []int{64}},
		{"De.convT4.weight", []int{64, 1, 5, 5}}, {"De.convT4.bias", []int{1}},
	},
	NetLatentDisc: {
		{"Dl.fc1.weight", []int{128, 16}}, {"Dl.fc1.bias", []int{128}}, {"Dl.bn1.gamma", []int{128}}, {"Dl.bn1.beta", []int{128}},
		{"Dl.fc2.weight", []int{64, 128}}, {"Dl.fc2.bias", []int{64}}, {"Dl.bn2.gamma", []int{64}}, {"Dl.bn2.beta", []int{64}},
		{"Dl.fc3.weight", []int{32, 64}}, {"Dl.fc3.bias", []int{32}}, {"Dl.bn3.gamma", []int{32}}, {"Dl.bn3.beta", []int{32}},
		{"Dl.fc4.weight", []int{16, 32}}, {"Dl.fc4.bias", []int{16}}, {"Dl.bn4.gamma", []int{16}}, {"Dl.bn4.beta", []int{16}},
		{"Dl.fc5.weight", []int{1, 16}}, {"Dl.fc5.bias", []int{1}},
	},
	NetVisualDisc: {
		{"Dv.conv1.weight", []int{12, 1, 5, 5}}, {"Dv.conv1.bias", []int{12}},
		{"Dv.conv2.weight", []int{24, 12, 5, 5}}, {"Dv.bn2.gamma", []int{24}}, {"Dv.bn2.beta", []int{24}},
		{"Dv.conv3.weight", []int{48, 24, 5, 5}}, {"Dv.bn3.gamma", []int{48}}, {"Dv.bn3.beta", []int{48}},
		{"Dv.conv4.weight", []int{1, 48, 5, 5}}, {"Dv.conv4.bias", []int{1}},
	},
	NetClassifier: {
		{"C.conv1.weight", []int{64, 1, 5, 5}}, {"C.conv1.bias", []int{64}},
		{"C.conv2.weight", []int{128, 64, 5, 5}}, {"C.bn2.gamma", []int{128}}, {"C.bn2.beta", []int{128}},
		{"C.conv3.weight", []int{256, 128, 5, 5}}, {"C.bn3.gamma", []int{256}}, {"C.bn3.beta", []int{256}},
		{"C.conv4.weight", []int{1, 256, 5, 5}}, {"C.conv4.bias", []int{1}},
	},
}

// peerCounts are sum(p.numel() for p in net.parameters()) of the PyTorch
// peer, printed by /usr/bin/python3 (torch 1.13) in a one-off run of
// ocgan.OCGAN(**kw) with kw {} (MNIST28), {img_size: 32, nc: 3, latent: 512}
// (CIFAR32) and {img_size: 61, nc: 3, latent: 16} (Authors61). The MNIST28
// numbers also follow by hand from peerParams, e.g. En = 64·25+64 +
// 128·64·25+256 + 256·128·25+512 + 16·256·25+32 = 1,128,864.
var peerCounts = map[string]map[Net]int{
	"MNIST28":   {NetEncoder: 1128864, NetDecoder: 1128897, NetLatentDisc: 13537, NetVisualDisc: 37657, NetClassifier: 1032833},
	"CIFAR32":   {NetEncoder: 4307456, NetDecoder: 4306499, NetLatentDisc: 77025, NetVisualDisc: 38257, NetClassifier: 1036033},
	"Authors61": {NetEncoder: 1132064, NetDecoder: 1132099, NetLatentDisc: 13537, NetVisualDisc: 38257, NetClassifier: 1036033},
}

// peerStates are the peer's running-statistic counts for MNIST28.
var peerStates = map[Net]int{NetEncoder: 800, NetDecoder: 896, NetLatentDisc: 480, NetVisualDisc: 144, NetClassifier: 768}

func TestParamCountsMatchPeer(t *testing.T) {
	for _, geo := range presets() {
		m := mustNew(t, geo)
		for _, net := range Nets() {
			got, err := m.ParamCount(net)
			if err != nil {
				t.Fatal(err)
			}
			if want := peerCounts[geo.Name][net]; got != want {
				t.Errorf("%s %s: %d parameters, the peer has %d", geo.Name, net, got, want)
			}
		}
	}
}

func TestParamNamesMatchPeer(t *testing.T) {
	m := mustNew(t, MNIST28())
	ps := graph.NewParamSet()
	s := buildAll(m, ps, graph.Train, 2)
	if err := s.g.Err(); err != nil {
		t.Fatal(err)
	}
	for _, net := range Nets() {
		names := ParamNames(ps, net)
		want := peerParams[net]
		if len(names) != len(want) {
			t.Errorf("%s: %d parameters %v, the peer has %d", net, len(names), names, len(want))
			continue
		}
		sum := 0
		for i, w := range want {
			if names[i] != w.name || !slices.Equal(ps.Shape(names[i]), w.shape) {
				t.Errorf("%s parameter %d: %s %v, want %s %v", net, i, names[i], ps.Shape(names[i]), w.name, w.shape)
			}
			sum += numel(w.shape)
		}
		if sum != peerCounts["MNIST28"][net] || CountParams(ps, net) != sum {
			t.Errorf("%s: shapes sum to %d, CountParams %d, peer count %d", net, sum, CountParams(ps, net), peerCounts["MNIST28"][net])
		}
		states := 0
		for _, st := range StateTensors(s.g, net) {
			states += st.Len()
			if !strings.HasSuffix(st.Name(), ".running_mean") && !strings.HasSuffix(st.Name(), ".running_var") {
				t.Errorf("%s: unexpected state %v", net, st)
			}
		}
		if states != peerStates[net] {
			t.Errorf("%s: %d running-statistic values, the peer has %d", net, states, peerStates[net])
		}
		// ParamTensors lists the same parameters, in the same order.
		pt := ParamTensors(s.g, net)
		if len(pt) != len(names) {
			t.Fatalf("%s: ParamTensors has %d tensors, ParamNames %d", net, len(pt), len(names))
		}
		for i, p := range pt {
			if p.Name() != names[i] || p.Role() != graph.Param {
				t.Errorf("%s: ParamTensors[%d] = %v, want param %s", net, i, p, names[i])
			}
		}
	}
	if n := len(ParamTensors(s.g, NetEncoder, NetDecoder)); n != len(peerParams[NetEncoder])+len(peerParams[NetDecoder]) {
		t.Errorf("ParamTensors(En, De) has %d tensors", n)
	}
	for _, name := range ps.Names() {
		if _, ok := NetOf(name); !ok {
			t.Errorf("%q belongs to no network", name)
		}
	}
}

// TestInit checks the initialisation: weights N(0, 0.02), gamma N(1, 0.02),
// conv biases and beta 0, dense biases N(0, 0.02), running mean 0 and
// running variance 1.
func TestInit(t *testing.T) {
	m := mustNew(t, MNIST28())
	ps := graph.NewParamSet()
	if err := buildAll(m, ps, graph.Train, 2).g.Err(); err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(7); err != nil {
		t.Fatal(err)
	}
	stats := func(v []float32) (mean, std float64) {
		for _, x := range v {
			mean += float64(x)
		}
		mean /= float64(len(v))
		for _, x := range v {
			std += (float64(x) - mean) * (float64(x) - mean)
		}
		return mean, sqrt(std / float64(len(v)))
	}
	for _, name := range ps.Names() {
		v := ps.Get(name)
		mean, std := stats(v)
		var wantMean, wantStd float64
		switch {
		case strings.HasSuffix(name, ".weight"), strings.HasPrefix(name, "Dl.fc") && strings.HasSuffix(name, ".bias"):
			wantMean, wantStd = 0, 0.02
		case strings.HasSuffix(name, ".gamma"):
			wantMean, wantStd = 1, 0.02
		case strings.HasSuffix(name, ".running_var"):
			wantMean = 1
		}
		tol := 0.0
		if wantStd > 0 {
			tol = 4 * wantStd / sqrt(float64(len(v))) // a 4-sigma bound on the sample mean
		}
		if d := mean - wantMean; d > tol || d < -tol {
			t.Errorf("%s: mean %.4g, want %g", name, mean, wantMean)
		}
		if len(v) >= 100 && (std < 0.8*wantStd || std > 1.2*wantStd) || wantStd == 0 && std != 0 {
			t.Errorf("%s: std %.4g, want %g", name, std, wantStd)
		}
	}
}

// TestTrainEvalShareParams checks that a Train and an Eval graph of all
// networks on one ParamSet declare the same names, and that the Eval graph
// sees the running statistics the Train graph updates.
func TestTrainEvalShareParams(t *testing.T) {
	m := mustNew(t, MNIST28())
	ps := graph.NewParamSet()
	tr := buildAll(m, ps, graph.Train, 2)
	n := len(ps.Names())
	ev := buildAll(m, ps, graph.Eval, 2)
	if err := ev.g.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ps.Names()) != n {
		t.Fatalf("the Eval graph declared %d new names", len(ps.Names())-n)
	}
	names := func(ts []*graph.Tensor) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Name())
		}
		return out
	}
	for _, net := range Nets() {
		a, b := names(ParamTensors(tr.g, net)), names(ParamTensors(ev.g, net))
		if strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("%s: train params %v, eval params %v", net, a, b)
		}
	}
	if err := ps.Init(1); err != nil {
		t.Fatal(err)
	}
	feeds := func(s *nets5) map[*graph.Tensor][]float32 {
		r := kerneltest.NewRand(3)
		return map[*graph.Tensor][]float32{s.x: uniform(r, s.x.Len()), s.u: uniform(r, s.u.Len())}
	}
	before, err := graph.RefBackend{}.Run(ev.g, feeds(ev), ev.z)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (graph.RefBackend{}).Run(tr.g, feeds(tr), tr.z); err != nil {
		t.Fatal(err)
	}
	after, err := graph.RefBackend{}.Run(ev.g, feeds(ev), ev.z)
	if err != nil {
		t.Fatal(err)
	}
	if kerneltest.L2Diff(before[ev.z], after[ev.z]) == 0 {
		t.Errorf("the Eval encoder did not see the running statistics the Train graph updated")
	}
}

// TestInputShapeErrors checks that a batch of the wrong geometry fails the
// graph with an error naming the network.
func TestInputShapeErrors(t *testing.T) {
	m := mustNew(t, MNIST28())
	for _, c := range []struct {
		net   string
		shape []int
		build func(*graph.Graph, *graph.Tensor) *graph.Tensor
	}{
		{"Encoder", []int{2, 1, 30, 30}, m.Encoder},
		{"Decoder", []int{2, 8}, m.Decoder},
		{"LatentDiscriminator", []int{2, 16, 1, 1}, m.LatentDiscriminator},
		{"VisualDiscriminator", []int{2, 3, 28, 28}, m.VisualDiscriminator},
		{"Classifier", []int{2, 1, 28, 27}, m.Classifier},
	} {
		g := graph.New(graph.NewParamSet(), graph.Train)
		c.build(g, g.Input("x", c.shape...))
		err := g.Err()
		if err == nil || !strings.Contains(err.Error(), c.net) || !strings.Contains(err.Error(), "MNIST28") {
			t.Errorf("%s on %v: %v, want an error naming the network and geometry", c.net, c.shape, err)
		}
	}
	if _, err := m.Build(graph.New(graph.NewParamSet(), graph.Eval), Net("X"), 2); err == nil {
		t.Errorf("Build accepted an unknown network")
	}
}
