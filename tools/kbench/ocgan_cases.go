package main

import "github.com/ocgan-vk/ocgan/kernels"

// ocganCases lists the network kernels at the OCGAN 28x28 shapes. It grows as the
// kernels land.
func ocganCases(batch int) []benchCase {
	return nil
}

// convCases lists forward and backward kernels of one conv2d layer.
func convCases(label string, p kernels.Conv2DParams) []benchCase {
	return nil
}
