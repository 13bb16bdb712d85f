package cpuprogram

import "github.com/ocgan-vk/ocgan/kernels/cpu/blas"

// ModelName returns the CPU's model name from /proc/cpuinfo ("model name" on
// x86-64; on arm64 kernels that give none, "<arch> CPU").
func ModelName() string { return blas.CPUModel() }
