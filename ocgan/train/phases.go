package train

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// phase is one step of Algorithm 1: a graph, the gradients its Adam
// applies (nil: no optimizer), its feeds (made by compile) and the outputs
// read back.
type phase struct {
	name    string
	g       *graph.Graph
	grads   map[*graph.Tensor]*graph.Tensor
	outputs []*graph.Tensor
	inputs  map[*graph.Tensor]float32 // each input and the value its feed starts with
	feeds   map[*graph.Tensor][]float32
	prog    backend.Program
}

// input adds an input to the phase's graph, fed zeros until set.
func (p *phase) input(name string, shape ...int) *graph.Tensor {
	return p.constant(name, 0, shape...)
}

// constant adds an input whose feed is v everywhere (BCE targets).
func (p *phase) constant(name string, v float32, shape ...int) *graph.Tensor {
	t := p.g.Input(name, shape...)
	if p.g.Err() == nil {
		p.inputs[t] = v
	}
	return t
}

func newPhase(name string, ps *graph.ParamSet, mode graph.Mode) *phase {
	return &phase{name: name, g: graph.New(ps, mode), inputs: map[*graph.Tensor]float32{}}
}

// differentiate appends the gradients of loss with respect to the trainable
// parameters of nets (the others stay frozen: no gradient nodes, no Adam).
func (p *phase) differentiate(loss *graph.Tensor, nets ...model.Net) error {
	if err := p.g.Err(); err != nil {
		return fmt.Errorf("train: building the %s phase: %w", p.name, err)
	}
	grads, err := p.g.Gradients(loss, model.ParamTensors(p.g, nets...)...)
	if err != nil {
		return fmt.Errorf("train: differentiating the %s phase: %w", p.name, err)
	}
	p.grads = grads
	return nil
}

// compile compiles the phase on be against the shared store dp (nil: a
// private one), with an Adam of cfg's hyper-parameters when the phase trains.
func (p *phase) compile(be backend.Backend, dp backend.Params, cfg Config) error {
	if err := p.g.Err(); err != nil {
		return fmt.Errorf("train: building the %s phase: %w", p.name, err)
	}
	opts := backend.Options{Outputs: p.outputs, Params: dp}
	if p.grads != nil {
		a := backend.NewAdam(p.grads)
		a.LR, a.Beta1, a.Beta2, a.Eps = cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps
		opts.Adam = a
	}
	prog, err := be.Compile(p.g, opts)
	if err != nil {
		return fmt.Errorf("train: compiling the %s phase: %w", p.name, err)
	}
	p.prog = prog
	p.feeds = make(map[*graph.Tensor][]float32, len(p.inputs))
	for t, v := range p.inputs {
		f := make([]float32, t.Len())
		for i := 0; v != 0 && i < len(f); i++ {
			f[i] = v
		}
		p.feeds[t] = f
	}
	return nil
}

// step runs the phase once with the RNG counter c (dropout masks).
func (p *phase) step(c uint64) (map[*graph.Tensor][]float32, error) {
	out, _, err := p.stepTimed(c)
	return out, err
}

func (p *phase) stepTimed(c uint64) (map[*graph.Tensor][]float32, backend.StepTiming, error) {
	p.prog.SetCounter(c)
	out, st, err := p.prog.StepTimed(p.feeds)
	if err != nil {
		return nil, st, fmt.Errorf("train: %s phase: %w", p.name, err)
	}
	return out, st, nil
}

func (p *phase) free() {
	if p != nil && p.prog != nil {
		p.prog.Free()
		p.prog = nil
	}
}

// classifierPhase is step 1 of Algorithm 1 (C trained): inputs the noisy
// batch xn and the latents u; outputs the loss, l1 = En(xn) and fake =
// De(u), which the discriminator phase takes as inputs. Without a
// classifier (the ablations) the same graph without C's loss samples what
// the mode's discriminators take: l1 for Dl, fake for Dv.
type classifierPhase struct {
	*phase
	xn, u, loss, l1, fake *graph.Tensor
}

func buildClassifier(m *model.Model, ps *graph.ParamSet, b int, mode Mode) (*classifierPhase, error) {
	train := mode.classifier()
	name := "sample"
	if train {
		name = "classifier"
	}
	p := &classifierPhase{phase: newPhase(name, ps, graph.Train)}
	encode, decode := train || mode.latentD(), train || mode.visualD()
	if encode {
		p.xn = p.input("x_noisy", m.ImageShape(b)...)
	}
	if decode {
		p.u = p.input("u", m.LatentShape(b)...)
	}
	if encode {
		p.l1 = m.Encoder(p.g, p.xn)
		p.outputs = append(p.outputs, p.l1)
	}
	if decode {
		p.fake = m.Decoder(p.g, p.u)
		p.outputs = append(p.outputs, p.fake)
	}
	if !train {
		return p, p.g.Err()
	}
	rec := m.Decoder(p.g, p.l1)
	zeros, ones := p.constant("zeros", 0, b, 1), p.constant("ones", 1, b, 1)
	p.loss = p.g.Add(
		p.g.BCEWithLogitsLoss(m.Classifier(p.g, p.fake), zeros),
		p.g.BCEWithLogitsLoss(m.Classifier(p.g, rec), ones))
	p.outputs = append(p.outputs, p.loss)
	return p, p.differentiate(p.loss, model.NetClassifier)
}

// discriminatorPhase is step 2 (the mode's discriminators trained):
// l_latent = BCE(Dl(l1), 0) + BCE(Dl(u), 1) (Dl's output as latentLogits
// gives it) and l_visual = BCE(Dv(fake), 0) + BCE(Dv(x), 1) on the
// classifier phase's l1 and fake.
type discriminatorPhase struct {
	*phase
	x, u, l1, fake       *graph.Tensor
	latent, visual, loss *graph.Tensor
}

// latentLogits is the latent discriminator's output on l as its losses take
// it: Dl(l), or σ(Dl(l)) with cfg.LatentDoubleSigmoid.
func latentLogits(g *graph.Graph, m *model.Model, l *graph.Tensor, cfg Config) *graph.Tensor {
	z := m.LatentDiscriminator(g, l)
	if cfg.LatentDoubleSigmoid {
		z = g.Sigmoid(z)
	}
	return z
}

func buildDiscriminators(m *model.Model, ps *graph.ParamSet, b int, cfg Config) (*discriminatorPhase, error) {
	mode := cfg.Mode
	p := &discriminatorPhase{phase: newPhase("discriminator", ps, graph.Train)}
	if mode.latentD() {
		p.u = p.input("u", m.LatentShape(b)...)
		p.l1 = p.input("l1", m.LatentShape(b)...)
	}
	zeros, ones := p.constant("zeros", 0, b, 1), p.constant("ones", 1, b, 1)
	var nets []model.Net
	if mode.latentD() {
		p.latent = p.g.Add(
			p.g.BCEWithLogitsLoss(latentLogits(p.g, m, p.l1, cfg), zeros),
			p.g.BCEWithLogitsLoss(latentLogits(p.g, m, p.u, cfg), ones))
		p.loss = p.latent
		p.outputs = append(p.outputs, p.latent)
		nets = append(nets, model.NetLatentDisc)
	}
	if mode.visualD() {
		p.x = p.input("x", m.ImageShape(b)...)
		p.fake = p.input("fake", m.ImageShape(b)...)
		p.visual = p.g.Add(
			p.g.BCEWithLogitsLoss(m.VisualDiscriminator(p.g, p.fake), zeros),
			p.g.BCEWithLogitsLoss(m.VisualDiscriminator(p.g, p.x), ones))
		p.loss = p.visual
		if p.latent != nil {
			p.loss = p.g.Add(p.latent, p.visual)
		}
		p.outputs = append(p.outputs, p.visual)
		nets = append(nets, model.NetVisualDisc)
	}
	return p, p.differentiate(p.loss, nets...)
}

// generatorPhase is step 4 (En and De trained): λ·MSE(De(En(xn)), x) plus,
// as the mode has them, BCE(Dv(De(u)), 1) on the (mined) latents and
// LatentWeight·BCE(Dl(En(xn)), 1). De(u) is built before De(En(xn)), as the peer does.
type generatorPhase struct {
	*phase
	x, xn, u                  *graph.Tensor
	mse, latent, visual, loss *graph.Tensor
}

func buildGenerator(m *model.Model, ps *graph.ParamSet, b int, cfg Config) (*generatorPhase, error) {
	p := &generatorPhase{phase: newPhase("generator", ps, graph.Train)}
	p.x = p.input("x", m.ImageShape(b)...)
	p.xn = p.input("x_noisy", m.ImageShape(b)...)
	var ones *graph.Tensor
	if cfg.Mode.adversarial() {
		ones = p.constant("ones", 1, b, 1)
	}
	var gen *graph.Tensor
	if cfg.Mode.visualD() {
		p.u = p.input("u", m.LatentShape(b)...)
		gen = m.Decoder(p.g, p.u)
	}
	l1 := m.Encoder(p.g, p.xn)
	p.mse = p.g.MSELoss(m.Decoder(p.g, l1), p.x)
	p.loss = p.g.Scale(p.mse, cfg.Lambda)
	p.outputs = []*graph.Tensor{p.mse}
	if cfg.Mode.latentD() {
		p.latent = p.g.BCEWithLogitsLoss(latentLogits(p.g, m, l1, cfg), ones)
		term := p.latent
		if cfg.LatentWeight != 1 {
			term = p.g.Scale(p.latent, cfg.LatentWeight)
		}
		p.loss = p.g.Add(p.loss, term)
		p.outputs = append(p.outputs, p.latent)
	}
	if cfg.Mode.visualD() {
		p.visual = p.g.BCEWithLogitsLoss(m.VisualDiscriminator(p.g, gen), ones)
		p.loss = p.g.Add(p.loss, p.visual)
		p.outputs = append(p.outputs, p.visual)
	}
	return p, p.differentiate(p.loss, model.NetEncoder, model.NetDecoder)
}

// scorePhase is the Eval-mode scoring program: per-image MSE of
// De(En(input)) against target (the same clean image for novelty scores; a
// noisy input and the clean target for the validation MSE).
// With withRecon the reconstructions De(En(input)) are outputs too (recon).
type scorePhase struct {
	*phase
	in, target, scores, recon *graph.Tensor
}

// fold replaces the phase's graph by its graph.FoldBatchNorm copy, on a
// ParamSet of its own holding the folded weights, before it is compiled.
func (p *scorePhase) fold() error {
	f, err := graph.FoldBatchNorm(p.g, p.outputs)
	if err != nil {
		return err
	}
	inputs := make(map[*graph.Tensor]float32, len(p.inputs))
	for t, v := range p.inputs {
		inputs[f.Tensors[t]] = v
	}
	outputs := make([]*graph.Tensor, len(p.outputs))
	for i, t := range p.outputs {
		outputs[i] = f.Tensors[t]
	}
	p.g, p.inputs, p.outputs = f.Graph, inputs, outputs
	p.in, p.target, p.scores = f.Tensors[p.in], f.Tensors[p.target], f.Tensors[p.scores]
	if p.recon != nil {
		p.recon = f.Tensors[p.recon]
	}
	return nil
}

func buildScore(m *model.Model, ps *graph.ParamSet, b int, withRecon bool) (*scorePhase, error) {
	p := &scorePhase{phase: newPhase("score", ps, graph.Eval)}
	p.in = p.input("input", m.ImageShape(b)...)
	p.target = p.input("target", m.ImageShape(b)...)
	rec := m.Decoder(p.g, m.Encoder(p.g, p.in))
	p.scores = p.g.MSELossPerSample(rec, p.target)
	p.outputs = []*graph.Tensor{p.scores}
	if withRecon {
		p.recon = rec
		p.outputs = append(p.outputs, rec)
	}
	return p, p.g.Err()
}
