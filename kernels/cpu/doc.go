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
// after another, and each kernel uses all of the Device's threads and the
// Device's grow-only scratch memory.
//
// # Convolutions and dense layers
//
// A convolution lays out its input as im2col columns [C·KH·KW, N·OH·OW] for
// the whole batch (in blocks of whole images only beyond 64 MiB of columns)
// and makes one SGEMM of the weight with them; the result, channel-major
// [K, N·OH·OW], is copied back to NCHW. The input gradient is Wᵀ times the
// channel-major output gradient, summed back into images (col2im); the
// weight gradient is the output gradient times the columns transposed. A
// transposed convolution is the adjoint: its forward pass has the structure
// of a convolution's input gradient, its input gradient that of a
// convolution's forward pass. Three cases take shorter paths, each chosen by
// measurement on the build machine: a batch of one image needs no NCHW
// copies (and a transposed convolution of one image makes its columns
// transposed, xᵀ·W, a faster SGEMM shape there); a batch whose per-image SGEMMs are small (below blas.SmallFlops,
// so each runs on one thread: the 1-channel and narrow layers) makes one
// SGEMM per image, side by side on the Device's threads, straight from and
// to NCHW (weight gradients summed per thread, then in image order); and a
// convolution with a 1×1 output (or a transposed one with a 1×1 input, as at
// the OCGAN latent code) is a dense layer over the kernel cropped to the
// image when that crop is smaller than the columns (a batch of about 11 or
// more at those layers). Bias gradients are channel sums accumulated in
// float64.
package cpu
