// Package backend is the interface between a network graph and a device that
// runs it: a Backend compiles graphs into Programs that share a Params store.
// The Vulkan executor (runtime/program) and the native CPU executor
// (runtime/cpuprogram) implement it; nothing above the runtime knows which
// one runs.
package backend

import (
	"fmt"
	"time"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Backend compiles graphs for one device.
type Backend interface {
	// Device describes the device the programs run on.
	Device() Device

	// NewParams returns an empty store for ps's parameters, state and Adam
	// moments on the device. Programs compiled with the same store see each
	// other's updates.
	NewParams(ps *graph.ParamSet) (Params, error)

	// Compile turns g into a program: every node of g runs on each Step, in
	// order (fused as Check says, unless opts.Unfused), then the Adam
	// updates of opts.Adam.
	Compile(g *graph.Graph, opts Options) (Program, error)

	// Close releases the device. Programs and stores must be freed first.
	Close() error
}

// Program is a compiled graph.
type Program interface {
	// Step runs the program once: feeds gives a value for every input of
	// the graph, of its length. The RNG counter then advances by one and
	// each trained parameter's Adam step count by one. The returned map and
	// its slices are the program's own and are overwritten by the next Step.
	// A refused step (a bad feed) changes nothing.
	Step(feeds map[*graph.Tensor][]float32) (map[*graph.Tensor][]float32, error)

	// StepTimed is Step, also reporting where its time went.
	StepTimed(feeds map[*graph.Tensor][]float32) (map[*graph.Tensor][]float32, StepTiming, error)

	// Profile returns the time of every node (in the order they run, fused
	// as they run) and then of every optimizer update, summed over the
	// steps since the previous call or Compile, and starts the sums again.
	// It is nil unless the program was compiled with Options.Profile on a
	// device that can time its work.
	Profile() []NodeTime

	// Counter returns the RNG counter the next Step uses (0 after Compile).
	Counter() uint64
	// SetCounter sets the RNG counter of the next Step. Dropout masks are a
	// function of (seed, counter).
	SetCounter(c uint64)
	// SetLR sets the optimizer's learning rate for the next steps.
	SetLR(lr float32)

	// Free releases the program, and its parameter store when it made its
	// own.
	Free()
}

// Params holds a ParamSet's parameters and state on a device, one tensor
// per name, and the Adam state of every parameter a program trains. A name
// is placed on the device when a program first uses it, from the ParamSet's
// value at that moment.
type Params interface {
	// ParamSet returns the ParamSet the store mirrors.
	ParamSet() *graph.ParamSet
	// Names returns the names held on the device, in the ParamSet's order.
	Names() []string
	// Download copies every value held on the device into ps (the store's
	// own ParamSet or one with the same names and shapes).
	Download(ps *graph.ParamSet) error
	// Upload copies the value of every name held on the device from ps.
	// Nothing is written unless all lengths match.
	Upload(ps *graph.ParamSet) error
	// AdamNames returns the parameters with Adam state, in the ParamSet's
	// order.
	AdamNames() []string
	// AdamState copies the Adam state of a parameter to the host.
	AdamState(name string) (AdamState, error)
	// SetAdamState replaces the Adam state of a parameter a program trains.
	SetAdamState(name string, st AdamState) error
	// Free releases the store. Programs using it must not run afterwards.
	Free()
}

// Options say what a compiled program reads back and what it trains.
type Options struct {
	// Outputs are read back to the host after every step (e.g. losses).
	// They may be any tensor of the graph; a parameter is read after the
	// optimizer's update.
	Outputs []*graph.Tensor

	// Params is the store of the graph's ParamSet on the same backend,
	// shared by the programs that must see the same values (the phases of a
	// training step). Nil gives the program a private store, freed with it.
	Params Params

	// Adam, when set, appends an Adam update of each trained parameter to
	// the step, after every node.
	Adam *Adam

	// Poison is a debugging aid: all planned memory is filled with NaN at
	// the start of each step and every planned tensor again right after its
	// last use, so a kernel that leaves part of its output unwritten, or a
	// plan that gave two live tensors the same memory, shows up as NaNs in
	// the results.
	Poison bool

	// Profile times every node and optimizer update of each step for
	// Program.Profile: GPU timestamps around each dispatch on Vulkan (a
	// device without timestamps reports nothing), the wall clock on the
	// CPU. It costs a little per node; leave it off outside measurements.
	Profile bool

	// Unfused runs every node of the graph as it was built. By default
	// executors run graph.FuseEpilogues's nodes: each conv or dense node
	// followed by an activation that nothing else needs becomes one node
	// applying the activation at its store. OCGAN_FUSION=off in the
	// environment has the same effect (for A/B measurements).
	Unfused bool
}

// Adam is the optimizer of a program: torch.optim.Adam without weight decay,
// as graph.Adam, applied on the device to the parameters in Grads.
type Adam struct {
	LR, Beta1, Beta2, Eps float32

	// Grads maps each parameter to train to its gradient tensor, as
	// returned by Graph.Gradients. Entries whose key is not a Param (an
	// input or activation differentiated for another purpose) are skipped.
	// Parameters not in Grads are frozen.
	Grads map[*graph.Tensor]*graph.Tensor
}

// Hyper returns a's hyper-parameters without its Grads; zero for a nil a.
func (a *Adam) Hyper() Adam {
	if a == nil {
		return Adam{}
	}
	return Adam{LR: a.LR, Beta1: a.Beta1, Beta2: a.Beta2, Eps: a.Eps}
}

// NewAdam returns an Adam over grads with graph.NewAdam's (OCGAN's)
// hyper-parameters: learning rate 2e-4, betas (0.5, 0.999), eps 1e-8.
func NewAdam(grads map[*graph.Tensor]*graph.Tensor) *Adam {
	return &Adam{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8, Grads: grads}
}

// AdamState is the Adam state of one parameter on the host: its moments and
// the number of steps taken (t of the last step).
type AdamState struct {
	M, V  []float32
	Steps int
}

// UploadValues returns the values in ps of names, the names a store holds,
// after checking that each has the length the store holds (held(name));
// errors name the store as store ("store", "device").
func UploadValues(ps *graph.ParamSet, names []string, held func(name string) int, store string) ([][]float32, error) {
	vals := make([][]float32, len(names))
	for i, name := range names {
		v := ps.Get(name)
		if n := held(name); len(v) != n {
			return nil, fmt.Errorf("upload %q: the ParamSet has %d values, the %s %d", name, len(v), store, n)
		}
		vals[i] = v
	}
	return vals, nil
}

// HostAdam is the Adam state, by parameter name, of a store whose programs
// run on the host.
type HostAdam map[string]*AdamState

// For returns the state of parameter name, with zero moments of n values on
// first use.
func (h HostAdam) For(name string, n int) *AdamState {
	s, ok := h[name]
	if !ok {
		s = &AdamState{M: make([]float32, n), V: make([]float32, n)}
		h[name] = s
	}
	return s
}

// Get returns a copy of the state of parameter name; errors start with who.
func (h HostAdam) Get(who, name string) (AdamState, error) {
	s, ok := h[name]
	if !ok {
		return AdamState{}, fmt.Errorf("%s: adam state of %q: no program trains it", who, name)
	}
	return AdamState{M: append([]float32(nil), s.M...), V: append([]float32(nil), s.V...), Steps: s.Steps}, nil
}

// Set replaces the state of parameter name (which a program trains) with a
// copy of st; errors start with who.
func (h HostAdam) Set(who, name string, st AdamState) error {
	s, ok := h[name]
	if !ok {
		return fmt.Errorf("%s: set adam state of %q: no program trains it", who, name)
	}
	if err := st.Check(len(s.M)); err != nil {
		return fmt.Errorf("%s: set adam state of %q: %w", who, name, err)
	}
	copy(s.M, st.M)
	copy(s.V, st.V)
	s.Steps = st.Steps
	return nil
}

// Check reports why st cannot replace the state of a parameter of n
// values: moments of another length, or a negative step count.
func (st AdamState) Check(n int) error {
	if len(st.M) != n || len(st.V) != n {
		return fmt.Errorf("moments have %d and %d values, want %d", len(st.M), len(st.V), n)
	}
	if st.Steps < 0 {
		return fmt.Errorf("steps %d < 0", st.Steps)
	}
	return nil
}

// StepTiming is where the wall-clock time of one step went: the host writes
// of the feeds and step parameters (with staging copies on a discrete GPU),
// the run until the device is done, and the read-back of the outputs.
type StepTiming struct {
	Upload, Run, Download time.Duration
}

// NodeTime is the time one node of a program, or one optimizer update,
// took over the steps of a profile (Program.Profile).
type NodeTime struct {
	// Name is the node's name, or "adam NAME" for the update of parameter
	// NAME; Op is the node's op kind, or "adam".
	Name, Op string
	// Steps is the number of steps summed, Time their total. On a GPU a
	// node's time is the sum of its dispatches' intervals: work the device
	// overlaps with another node's is counted in both.
	Steps int
	Time  time.Duration
}

// NewProfile returns the zero sums of a profile of nodes and then of the
// Adam updates of the trained parameters, for executors.
func NewProfile(nodes []*graph.Node, trained []*graph.Tensor) []NodeTime {
	out := make([]NodeTime, 0, len(nodes)+len(trained))
	for _, n := range nodes {
		out = append(out, NodeTime{Name: n.Name(), Op: n.Op().Kind()})
	}
	for _, w := range trained {
		out = append(out, NodeTime{Name: "adam " + w.Name(), Op: "adam"})
	}
	return out
}

// TakeProfile returns a copy of the sums in prof and zeroes them: the
// Program.Profile of an executor that sums into prof (nil for nil).
func TakeProfile(prof []NodeTime) []NodeTime {
	if prof == nil {
		return nil
	}
	out := append([]NodeTime(nil), prof...)
	for i := range prof {
		prof[i].Steps, prof[i].Time = 0, 0
	}
	return out
}

// Profiling returns be with every program it compiles profiled
// (Options.Profile set), for measurements that read Program.Profile.
func Profiling(be Backend) Backend { return profiling{be} }

type profiling struct{ Backend }

func (p profiling) Compile(g *graph.Graph, opts Options) (Program, error) {
	opts.Profile = true
	return p.Backend.Compile(g, opts)
}

// Stats describe a program's memory plan.
type Stats struct {
	// Slots is the number of planned tensors, each a view into one arena.
	// PlannedBytes is the arena's size; UnplannedBytes is what one buffer
	// per computed tensor (Reshape views excluded) would take. Inputs,
	// parameters and optimizer state are not counted in either.
	Slots                        int
	PlannedBytes, UnplannedBytes int64
}
