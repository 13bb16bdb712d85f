package backend

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TensorTooLargeError is a batch size at which a tensor is larger than the
// device can bind to one kernel (Device.MaxTensorBytes).
type TensorTooLargeError struct {
	What     string // the batch, e.g. "training batch"
	Batch    int
	Tensor   string // the tensor, as graph.Tensor prints it
	Bytes    int64  // its size at Batch
	Limit    int64  // Device.MaxTensorBytes
	MaxBatch int    // the largest batch at which every tensor fits; 0 when none does
}

func (e *TensorTooLargeError) Error() string {
	fit := fmt.Sprintf("the largest %s that fits is %d", e.What, e.MaxBatch)
	if e.MaxBatch < 1 {
		fit = fmt.Sprintf("no %s fits", e.What)
	}
	return fmt.Sprintf("%s %d is too large for the device: tensor %s is %s, over the largest buffer a kernel can bind "+
		"(maxStorageBufferRange, %s); %s", e.What, e.Batch, e.Tensor, mib(e.Bytes), mib(e.Limit), fit)
}

// mib formats n bytes in MiB, keeping the exact count.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n) }

// CheckBatch refuses a batch size at which a tensor would be larger than
// limit bytes (0: no limit), before anything is compiled or allocated. build
// returns the graphs that run at a batch size; each tensor's size must be
// affine in the batch (constant for parameters, proportional for
// activations), as in every batched network. The error is a
// *TensorTooLargeError naming the largest offending tensor and the largest
// batch at which every tensor fits; what names the batch in it.
func CheckBatch(limit int64, what string, batch int, build func(batch int) ([]*graph.Graph, error)) error {
	if limit <= 0 {
		return nil
	}
	at, err := tensorSizes(build, batch)
	if err != nil {
		return err
	}
	next, err := tensorSizes(build, batch+1)
	if err != nil {
		return err
	}
	if len(at) != len(next) {
		return fmt.Errorf("checking the %s: the graphs have %d tensors at batch %d but %d at batch %d", what, len(at), batch, len(next), batch+1)
	}
	e := &TensorTooLargeError{What: what, Batch: batch, Limit: limit, MaxBatch: -1}
	for i, s := range at {
		if s.bytes > limit && s.bytes > e.Bytes {
			e.Tensor, e.Bytes = s.name, s.bytes
		}
		// The largest batch at which this tensor fits: none when it is
		// over the limit and does not grow with the batch, any when it is
		// under and does not grow.
		slope, m := next[i].bytes-s.bytes, 0
		if slope <= 0 {
			if s.bytes <= limit {
				continue
			}
		} else if base := s.bytes - slope*int64(batch); limit >= base {
			m = int((limit - base) / slope)
		}
		if e.MaxBatch < 0 || m < e.MaxBatch {
			e.MaxBatch = m
		}
	}
	if e.Bytes == 0 {
		return nil
	}
	return e
}

type tensorSize struct {
	name  string
	bytes int64
}

// tensorSizes lists the float32 tensors of build(batch)'s graphs, in order.
func tensorSizes(build func(int) ([]*graph.Graph, error), batch int) ([]tensorSize, error) {
	gs, err := build(batch)
	if err != nil {
		return nil, err
	}
	var out []tensorSize
	for _, g := range gs {
		for _, t := range g.Tensors() {
			out = append(out, tensorSize{t.String(), 4 * int64(t.Len())})
		}
	}
	return out, nil
}
