package cpu

import (
	"runtime"
	"strconv"

	"github.com/ocgan-vk/ocgan/kernels/cpu/blas"
)

// Device runs kernels on the host CPU with a fixed number of threads.
type Device struct {
	threads int

	// gemm runs the SGEMM calls of the convolution and dense kernels.
	gemm *blas.Library
	// gemmScratch is the grow-only work memory of those kernels (im2col
	// columns and channel-major copies); it is why a Device is not safe
	// for concurrent use.
	gemmScratch []float32
	// gemmGrain is the least work, in floats, of one parallel chunk of the
	// copies around those SGEMM calls.
	gemmGrain int
	// gemmBlock is the most floats of im2col columns one SGEMM call of a
	// convolution works on; a batch whose columns are larger is split into
	// blocks of whole images.
	gemmBlock int
	// gemmColBlock is the floats of columns one SGEMM writes for col2im to
	// sum up when the columns are large (see channelBlock): they are made
	// and summed a block of channels at a time, while still in cache.
	gemmColBlock int

	// invariant selects the batch-invariant forward kernels (see
	// BatchInvariant); serial makes every SGEMM run on the calling thread
	// (the workers of those kernels); workers are the serial Devices, one
	// per thread, created on first use.
	invariant, serial bool
	workers           []*Device
	// invariantShapes records, per SGEMM shape of the batch-invariant
	// kernels, whether several images may share one call (imagesPerGemm).
	invariantShapes map[chunkShape]bool

	// team runs the parts of parallel kernels; it is shared with the
	// BatchInvariant view and made on first use.
	team *team
}

// Options configure a Device.
type Options struct {
	// Threads is the number of threads kernels split their work over; 0
	// means runtime.GOMAXPROCS(0).
	Threads int
}

// Threads returns the number of threads the device's kernels use.
func (d *Device) Threads() int { return d.threads }

// ThreadCount says n threads in words: "1 thread", "2 threads".
func ThreadCount(n int) string {
	if n == 1 {
		return "1 thread"
	}
	return strconv.Itoa(n) + " threads"
}

// parallel calls fn over [0, n) split into at most Threads contiguous
// chunks of at least grain items each, concurrently, and returns when all
// are done. A small n runs on the calling goroutine.
func (d *Device) parallel(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	parts := d.threads
	if m := n / grain; m < parts {
		parts = m
	}
	if parts <= 1 {
		fn(0, n)
		return
	}
	d.teamOf().run(parts, func(i int) { fn(n*i/parts, n*(i+1)/parts) })
}

// teamOf returns d's team, made on first use.
func (d *Device) teamOf() *team {
	if d.team == nil {
		d.team = &team{}
	}
	return d.team
}

// threadsOrDefault returns n, or GOMAXPROCS when n <= 0.
func threadsOrDefault(n int) int {
	if n <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return n
}
