package checkpoint

import (
	"fmt"
	"reflect"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Checkpoint is everything needed to resume training or to score: the
// geometry, the parameter and state tensors, the Adam state of the trained
// parameters and the training state. It is plain data.
type Checkpoint struct {
	// Geometry is the model configuration the tensors belong to.
	Geometry model.Geometry
	// Preprocess is how images became model inputs in training, which
	// scoring repeats. The zero value stands for DefaultPreprocessing of
	// Geometry (what checkpoints of format version 1 imply); read it with
	// the Preprocessing method.
	Preprocess Preprocessing
	// Train is the training loop's state.
	Train TrainState
	// Tensors are the parameters and state (batch-norm running
	// statistics), usually in ParamSet order.
	Tensors []Tensor
	// Adam is the optimizer state of trained parameters, each naming a
	// Tensor with role graph.Param. Empty when no optimizer state is kept.
	Adam []Adam
	// Meta holds free-form strings: dataset, class, creation time, ...
	Meta map[string]string
}

// Preprocessing is how an image of any size and colour becomes a model
// input: converted to Channels (1: BT.601 luma, 3: RGB, a gray image
// replicated), brought to ImageSize×ImageSize by Resize with bilinear
// interpolation, values mapped to [-1, 1] (see ocgan/dataset).
type Preprocessing struct {
	// ImageSize and Channels are the model input's; they equal the
	// geometry's.
	ImageSize, Channels int
	// Resize says how an image that is not square becomes square.
	Resize dataset.ResizePolicy
}

// DefaultPreprocessing is the preprocessing of a checkpoint that records
// none: geo's image size and channels, and dataset.ResizeFit.
func DefaultPreprocessing(geo model.Geometry) Preprocessing {
	return Preprocessing{ImageSize: geo.ImageSize, Channels: geo.Channels, Resize: dataset.ResizeFit}
}

// Options returns the dataset options that apply p.
func (p Preprocessing) Options() dataset.Options {
	return dataset.Options{Height: p.ImageSize, Width: p.ImageSize, Channels: p.Channels, Resize: p.Resize}
}

// String describes p, e.g. "64x64x3, crop".
func (p Preprocessing) String() string {
	return fmt.Sprintf("%dx%[1]dx%d, %v", p.ImageSize, p.Channels, p.Resize)
}

// Preprocessing returns the checkpoint's preprocessing: Preprocess, or
// DefaultPreprocessing of the geometry when Preprocess is the zero value.
func (c *Checkpoint) Preprocessing() Preprocessing {
	if c.Preprocess == (Preprocessing{}) {
		return DefaultPreprocessing(c.Geometry)
	}
	return c.Preprocess
}

// Tensor is one parameter or state tensor.
type Tensor struct {
	Name string
	// Role is graph.Param or graph.State.
	Role  graph.Role
	Shape []int
	// Data holds the values in row-major order, len = product of Shape.
	Data []float32
}

// Adam is the Adam state of one parameter: its moments (the parameter's
// length each) and the number of steps taken.
type Adam struct {
	Name  string
	M, V  []float32
	Steps int
}

// TrainState is the training loop's position and bookkeeping.
type TrainState struct {
	// Epoch is the number of completed epochs, Iteration the number of
	// optimizer steps taken so far.
	Epoch, Iteration int
	// Seed is the run's seed and RNGCounter the next Philox counter, so a
	// resumed run draws the numbers an uninterrupted one would.
	Seed, RNGCounter uint64
	// BestValMSE is the best validation reconstruction MSE so far (+Inf
	// before the first validation) and BestEpoch the epoch it was reached.
	BestValMSE float64
	BestEpoch  int
	// Threshold is the novelty-score threshold chosen on validation data
	// (NaN when none has been chosen).
	Threshold float64
}

// Numel returns the element count of shape, or an error unless the shape is
// valid (rank 1…MaxRank, every dimension >= 1) with a count of at most limit;
// the product is computed without overflow.
func Numel(shape []int, limit int64) (int64, error) {
	if len(shape) == 0 || len(shape) > MaxRank {
		return 0, fmt.Errorf("rank %d, want 1…%d", len(shape), MaxRank)
	}
	n := int64(1)
	for _, d := range shape {
		if d < 1 {
			return 0, fmt.Errorf("dimension %d, want >= 1", d)
		}
		if int64(d) > limit/n {
			return 0, fmt.Errorf("shape %v holds more than %d elements", shape, limit)
		}
		n *= int64(d)
	}
	return n, nil
}

// validate checks the checkpoint for everything Encode writes and Decode
// requires: a valid geometry, non-negative counters, unique tensor names,
// roles, shapes matching data, and Adam state of params of the same length.
func (c *Checkpoint) validate() error {
	if err := c.Geometry.Validate(); err != nil {
		return err
	}
	if p, g := c.Preprocess, c.Geometry; p != (Preprocessing{}) {
		if p.ImageSize != g.ImageSize || p.Channels != g.Channels {
			return fmt.Errorf("preprocessing to %dx%[1]dx%d images, but geometry %q takes %dx%[4]dx%d", p.ImageSize, p.Channels, g.Name, g.ImageSize, g.Channels)
		}
		if p.Resize != dataset.ResizeFit && p.Resize != dataset.ResizeCrop {
			return fmt.Errorf("preprocessing resize policy %v: want fit or crop", p.Resize)
		}
	}
	t := c.Train
	if t.Epoch < 0 || t.Iteration < 0 || t.BestEpoch < 0 {
		return fmt.Errorf("train state: epoch %d, iteration %d, best epoch %d: want >= 0", t.Epoch, t.Iteration, t.BestEpoch)
	}
	byName := make(map[string]*Tensor, len(c.Tensors))
	for i := range c.Tensors {
		tn := &c.Tensors[i]
		if tn.Name == "" {
			return fmt.Errorf("tensor %d: empty name", i)
		}
		if tn.Role != graph.Param && tn.Role != graph.State {
			return fmt.Errorf("tensor %q: role %v, want param or state", tn.Name, tn.Role)
		}
		if _, dup := byName[tn.Name]; dup {
			return fmt.Errorf("tensor %q appears twice", tn.Name)
		}
		byName[tn.Name] = tn
		n, err := Numel(tn.Shape, int64(len(tn.Data)))
		if err != nil || n != int64(len(tn.Data)) {
			return fmt.Errorf("tensor %q: shape %v does not match its %d values", tn.Name, tn.Shape, len(tn.Data))
		}
	}
	seen := make(map[string]bool, len(c.Adam))
	for _, a := range c.Adam {
		p, ok := byName[a.Name]
		if !ok || p.Role != graph.Param {
			return fmt.Errorf("adam state of %q: no param of that name", a.Name)
		}
		if seen[a.Name] {
			return fmt.Errorf("adam state of %q appears twice", a.Name)
		}
		seen[a.Name] = true
		if len(a.M) != len(p.Data) || len(a.V) != len(p.Data) {
			return fmt.Errorf("adam state of %q: moments have %d and %d values, the param %d", a.Name, len(a.M), len(a.V), len(p.Data))
		}
		if a.Steps < 0 {
			return fmt.Errorf("adam state of %q: steps %d < 0", a.Name, a.Steps)
		}
	}
	return nil
}

// CheckArchitecture returns nil if the checkpoint was made for geo, and an
// error wrapping ErrArchitecture that names the first field of
// model.Geometry that differs otherwise. The Name field is a label and is
// not compared.
func (c *Checkpoint) CheckArchitecture(geo model.Geometry) error {
	a, b := reflect.ValueOf(c.Geometry), reflect.ValueOf(geo)
	for i := 0; i < a.NumField(); i++ {
		f := a.Type().Field(i)
		if f.Name == "Name" || !f.IsExported() {
			continue
		}
		// Compare printed values: nil and empty slices are the same
		// geometry, and distinct float32 values print differently.
		x, y := a.Field(i).Interface(), b.Field(i).Interface()
		if fmt.Sprint(x) != fmt.Sprint(y) {
			return fmt.Errorf("%w: %s is %v in the checkpoint (geometry %q), %v in the model (geometry %q)",
				ErrArchitecture, f.Name, x, c.Geometry.Name, y, geo.Name)
		}
	}
	return nil
}
