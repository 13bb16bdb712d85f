package weights

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/ocgan/model"
)

// NamePair is one tensor's name in ocgan/model and in the PyTorch peer's
// OCGAN.state() ("En.conv1.weight" ↔ "En.net.0.weight").
type NamePair struct {
	Ours, Peer string
}

// PeerNames returns the name pairs of every parameter and batch-norm
// running statistic of the given networks under geo, network by network in
// the order given, each in ocgan/model's declaration order. The peer's
// networks are nn.Sequential stacks named "net", so a layer's peer name is
// its index in the stack: a batch norm's gamma and beta are its weight and
// bias, activations and dropout take an index and hold nothing.
func PeerNames(geo model.Geometry, nets ...model.Net) ([]NamePair, error) {
	if err := geo.Validate(); err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	var out []NamePair
	for _, n := range nets {
		s := &stack{net: n}
		switch n {
		case model.NetEncoder:
			s.convStack(geo, false)
		case model.NetVisualDisc, model.NetClassifier:
			s.convStack(geo, true)
		case model.NetDecoder:
			s.decoder(geo)
		case model.NetLatentDisc:
			s.latentDisc(geo)
		default:
			return nil, fmt.Errorf("weights: unknown network %q (want one of %v)", n, model.Nets())
		}
		out = append(out, s.pairs...)
	}
	return out, nil
}

// stack numbers the modules of one peer nn.Sequential as they are added.
type stack struct {
	net   model.Net
	next  int
	pairs []NamePair
}

// layer adds a module holding the given tensors (ours ↔ peer suffixes).
func (s *stack) layer(ours string, tensors ...[2]string) {
	for _, t := range tensors {
		s.pairs = append(s.pairs, NamePair{
			Ours: fmt.Sprintf("%s.%s.%s", s.net, ours, t[0]),
			Peer: fmt.Sprintf("%s.net.%d.%s", s.net, s.next, t[1]),
		})
	}
	s.next++
}

func (s *stack) weight(ours string, bias bool) {
	if bias {
		s.layer(ours, [2]string{"weight", "weight"}, [2]string{"bias", "bias"})
	} else {
		s.layer(ours, [2]string{"weight", "weight"})
	}
}

func (s *stack) batchNorm(ours string) {
	s.layer(ours, [2]string{"gamma", "weight"}, [2]string{"beta", "bias"},
		[2]string{"running_mean", "running_mean"}, [2]string{"running_var", "running_var"})
}

// act adds a module without tensors (an activation or dropout).
func (s *stack) act() { s.next++ }

// convStack is the peer's Encoder (disc false) or ConvDiscriminator (disc
// true): conv1 (bias) act, [conv bn act]..., last conv (bias only in a
// discriminator), and in the encoder bn and tanh.
func (s *stack) convStack(geo model.Geometry, disc bool) {
	for i := 1; i <= geo.Depth; i++ {
		s.weight(fmt.Sprintf("conv%d", i), i == 1)
		if i > 1 {
			s.batchNorm(fmt.Sprintf("bn%d", i))
		}
		s.act()
	}
	last := geo.Depth + 1
	s.weight(fmt.Sprintf("conv%d", last), disc)
	if !disc {
		s.batchNorm(fmt.Sprintf("bn%d", last))
	}
}

// decoder is the peer's Decoder: [convT bn (dropout) relu]..., last convT
// (bias), tanh.
func (s *stack) decoder(geo model.Geometry) {
	for i := 1; i <= geo.Depth; i++ {
		s.weight(fmt.Sprintf("convT%d", i), false)
		s.batchNorm(fmt.Sprintf("bn%d", i))
		if i == geo.DropoutBlock && geo.DropoutP > 0 {
			s.act()
		}
		s.act()
	}
	s.weight(fmt.Sprintf("convT%d", geo.Depth+1), true)
}

// latentDisc is the peer's LatentDiscriminator: [fc bn relu]..., fc.
func (s *stack) latentDisc(geo model.Geometry) {
	for i := range geo.LatentWidths {
		s.weight(fmt.Sprintf("fc%d", i+1), true)
		s.batchNorm(fmt.Sprintf("bn%d", i+1))
		s.act()
	}
	s.weight(fmt.Sprintf("fc%d", len(geo.LatentWidths)+1), true)
}
