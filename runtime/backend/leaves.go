package backend

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// BindLeaves sets the entries of bufs (by tensor ID) of the leaves among
// tensors, in order: input(t) for an Input tensor, param(t) for a Param or
// State tensor. Its errors name the tensor; callers wrap them.
func BindLeaves[B any](tensors []*graph.Tensor, bufs []B, input, param func(t *graph.Tensor) (B, error)) error {
	for _, t := range tensors {
		switch t.Role() {
		case graph.Input:
			b, err := input(t)
			if err != nil {
				return fmt.Errorf("input %v: %w", t, err)
			}
			bufs[t.ID()] = b
		case graph.Param, graph.State:
			b, err := param(t)
			if err != nil {
				return fmt.Errorf("%s %v: %w", t.Role(), t, err)
			}
			bufs[t.ID()] = b
		}
	}
	return nil
}
