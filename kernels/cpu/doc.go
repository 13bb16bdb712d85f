// Package cpu runs the kernels' ops natively on the CPU in float32 with
// float32 accumulation: convolutions and dense layers as SGEMM calls into a
// BLAS library loaded at run time (oneDNN or OpenBLAS, see package blas),
// everything else as Go loops split over the cores.
//
// Every kernel is a method of Device with the signature of its reference in
// package kernels, except that outputs are caller-owned slices passed last
// and overwritten (never accumulated into), so a program can place them in
// one memory arena. Parameters and slice lengths are validated as the
// reference validates them, and errors read like the reference's.
//
// A Device is not safe for concurrent use: a program runs its nodes one
// after another, and each kernel uses all of the Device's threads.
package cpu
