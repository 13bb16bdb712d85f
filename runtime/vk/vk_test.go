package vk_test

import (
	"errors"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
	"github.com/ocgan-vk/ocgan/shaders"
)

// testKernels are the three shaders the device layer is tested with.
type testKernels struct{ fill, axpy, copy *vk.Kernel }

func loadKernels(t testing.TB, ctx *vk.Context, local uint32) testKernels {
	t.Helper()
	specs := []vk.KernelSpec{
		{Name: "fill", Bindings: []vk.Access{vk.Write}, PushWords: 2},
		{Name: "axpy", Bindings: []vk.Access{vk.Read, vk.ReadWrite}, PushWords: 2},
		{Name: "copy", Bindings: []vk.Access{vk.Read, vk.Write}, PushWords: 1},
	}
	ks := make([]*vk.Kernel, len(specs))
	for i, s := range specs {
		code, err := shaders.Load(s.Name)
		if err != nil {
			t.Fatal(err)
		}
		s.SPIRV, s.Spec = code, []uint32{local}
		if ks[i], err = ctx.NewKernel(s); err != nil {
			t.Fatal(err)
		}
	}
	return testKernels{ks[0], ks[1], ks[2]}
}

func randomFloats(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64()) + 0.25 // never all zeros
	}
	return out
}

// axpyChain is the setup of the tests that chain axpy dispatches between two
// buffers: a context with the test kernels (workgroups of 64), buffers x and y
// of n floats, and the random values x0 and y0 each run starts from.
type axpyChain struct {
	ctx    *vk.Context
	k      testKernels
	n      int
	x, y   *vk.Buffer
	x0, y0 []float32
}

// newAxpyChain opens the context and makes the buffers; seed picks x0 and y0.
func newAxpyChain(t testing.TB, n int, seed int64) *axpyChain {
	t.Helper()
	c := &axpyChain{ctx: vktest.Open(t), n: n}
	c.k = loadKernels(t, c.ctx, 64)
	rng := rand.New(rand.NewSource(seed))
	c.x0, c.y0 = randomFloats(rng, n), randomFloats(rng, n)
	var err error
	if c.x, err = c.ctx.NewBufferFloat32(n, nil); err != nil {
		t.Fatal(err)
	}
	if c.y, err = c.ctx.NewBufferFloat32(n, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// record appends steps axpy dispatches to seq: dispatch i adds coef(i) times
// one buffer to the other, x to y first, then alternating.
func (c *axpyChain) record(t testing.TB, seq *vk.Sequence, steps int, coef func(i int) float32) {
	t.Helper()
	for i := 0; i < steps; i++ {
		dst, src := c.y, c.x
		if i%2 == 1 {
			dst, src = c.x, c.y
		}
		if err := seq.Dispatch(c.k.axpy, vk.GroupsFor(c.n, 64), []uint32{vk.F32(coef(i)), uint32(c.n)}, src, dst); err != nil {
			t.Fatal(err)
		}
	}
}

// run writes x0 and y0 into the buffers and runs seq.
func (c *axpyChain) run(t testing.TB, seq *vk.Sequence) error {
	t.Helper()
	if err := c.x.WriteFloat32(0, c.x0); err != nil {
		t.Fatal(err)
	}
	if err := c.y.WriteFloat32(0, c.y0); err != nil {
		t.Fatal(err)
	}
	return seq.Run()
}

// values returns the contents of y, then of x.
func (c *axpyChain) values(t testing.TB) []float32 {
	t.Helper()
	gy, err := c.y.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	gx, err := c.x.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return append(gy, gx...)
}

func TestDevicesFindsLlvmpipe(t *testing.T) {
	devs, err := vk.Devices(vk.Config{Validate: true})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for i, d := range devs {
		if d.Index != i || d.Name == "" || d.APIVersion == "" || len(d.Heaps) == 0 {
			t.Errorf("device %d is incompletely described: %+v", i, d)
		}
		if d.Compute.MaxWorkGroupInvocations == 0 || d.Subgroup.Size == 0 {
			t.Errorf("device %s: missing compute limits or subgroup size: %+v", d.Name, d)
		}
		if strings.Contains(d.Name, "llvmpipe") {
			found = true
			if d.Type != vk.CPU || !d.UnifiedMemory || d.Driver != "llvmpipe" {
				t.Errorf("llvmpipe described as %s, unified=%v, driver %q", d.Type, d.UnifiedMemory, d.Driver)
			}
			// make test runs the Vulkan tests again at other vector widths
			// for their subgroup sizes: check that the width took effect.
			if w, err := strconv.Atoi(os.Getenv("LP_NATIVE_VECTOR_WIDTH")); err == nil && d.Subgroup.Size != uint32(w/32) {
				t.Errorf("llvmpipe with LP_NATIVE_VECTOR_WIDTH=%d runs %d-lane subgroups, want %d", w, d.Subgroup.Size, w/32)
			}
		}
	}
	if !found {
		if len(devs) > 0 && !hasCPUDriver(devs) {
			t.Skipf("no Vulkan CPU driver among the %d device(s) found (all are GPUs, e.g. %s)", len(devs), devs[0].Name)
		}
		t.Fatalf("no llvmpipe among %d device(s); `make test` installs mesa-vulkan-drivers", len(devs))
	}
}

// hasCPUDriver reports whether one of devs is a Vulkan CPU driver.
func hasCPUDriver(devs []vk.DeviceInfo) bool {
	for _, d := range devs {
		if d.Type == vk.CPU {
			return true
		}
	}
	return false
}

// TestSelectDeviceByNameAndIndex opens the last device found by its index and
// by its name in capitals (selectors match names case-insensitively).
func TestSelectDeviceByNameAndIndex(t *testing.T) {
	devs, err := vk.Devices(vk.Config{Validate: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) == 0 {
		t.Fatal("no Vulkan device found")
	}
	last := len(devs) - 1
	for _, sel := range []string{strconv.Itoa(last), strings.ToUpper(devs[last].Name)} {
		ctx := vktest.Open(t, vk.Config{Device: sel})
		if ctx.Info().Name != devs[last].Name {
			t.Fatalf("selector %q opened %s, want %s", sel, ctx.Info().Name, devs[last].Name)
		}
	}
	for _, sel := range []string{"99", "no-such-gpu"} {
		if _, err := vk.Open(vk.Config{Device: sel, PipelineCacheDir: "off"}); err == nil {
			t.Errorf("Open(Device: %q) succeeded", sel)
		}
	}
}

func TestMissingLoaderIsAClearError(t *testing.T) {
	for _, cfg := range []vk.Config{{Loader: "libvulkan-missing.so.1"}, {Loader: "/nonexistent/libvulkan.so.1"}} {
		_, err := vk.Open(cfg)
		if err == nil {
			t.Fatalf("Open with loader %s succeeded", cfg.Loader)
		}
		if !errors.Is(err, vk.ErrNoLoader) && !strings.Contains(err.Error(), "already in use") {
			t.Errorf("error does not wrap ErrNoLoader: %v", err)
		}
		if _, err := vk.Devices(cfg); err == nil || !strings.Contains(err.Error(), cfg.Loader) {
			t.Errorf("Devices error should name the loader %s: %v", cfg.Loader, err)
		}
	}
}

func TestBufferRoundTrip(t *testing.T) {
	for _, staging := range []bool{false, true} {
		name := "unified"
		if staging {
			name = "staging"
		}
		t.Run(name, func(t *testing.T) {
			ctx := vktest.Open(t, vk.Config{ForceStaging: staging})
			if !staging && !ctx.Info().UnifiedMemory {
				t.Skipf("%s has no unified memory path (a host-visible, coherent, device-local memory type on a non-discrete device)", ctx.Info().Name)
			}
			if ctx.Unified() == staging {
				t.Fatalf("Unified() = %v with ForceStaging %v", ctx.Unified(), staging)
			}
			rng := rand.New(rand.NewSource(1))
			var bufs []*vk.Buffer
			for _, n := range []int{1, 1023, 1 << 20, 5<<20 + 3} {
				want := randomFloats(rng, n)
				b, err := ctx.NewBufferFloat32(n, want)
				if err != nil {
					t.Fatal(err)
				}
				bufs = append(bufs, b)
				got, err := b.Float32s()
				if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("n=%d: element %d read back %v, wrote %v", n, i, got[i], want[i])
					}
				}
				// A partial write at an odd offset touches only its range.
				part := randomFloats(rng, (n+1)/2)
				off := n / 3
				if off+len(part) > n {
					part = part[:n-off]
				}
				if err := b.WriteFloat32(off, part); err != nil {
					t.Fatal(err)
				}
				copy(want[off:], part)
				if got, err = b.Float32s(); err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("n=%d after partial write: element %d = %v, want %v", n, i, got[i], want[i])
					}
				}
			}
			if err := bufs[0].WriteFloat32(0, make([]float32, 2)); err == nil {
				t.Error("writing 2 floats into a 1-float buffer succeeded")
			}
			if err := bufs[1].Read(-4, make([]byte, 4)); err == nil {
				t.Error("reading at a negative offset succeeded")
			}
			st := ctx.Stats()
			if st.Buffers != len(bufs) || st.Blocks >= len(bufs)+1 {
				t.Errorf("%d buffers in %d blocks: want sub-allocation from fewer blocks than buffers", st.Buffers, st.Blocks)
			}
			for _, b := range bufs {
				b.Free()
			}
			if _, err := bufs[0].Float32s(); err == nil {
				t.Error("reading a freed buffer succeeded")
			}
		})
	}
}

func TestSubAllocationReusesFreedSpace(t *testing.T) {
	ctx := vktest.Open(t)
	var bufs []*vk.Buffer
	for i := 0; i < 300; i++ {
		b, err := ctx.NewBuffer(1000 + 13*i)
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	before := ctx.Stats()
	if before.Blocks != 1 {
		t.Fatalf("300 small buffers took %d memory allocations, want 1", before.Blocks)
	}
	for _, b := range bufs {
		b.Free()
	}
	big, err := ctx.NewBuffer(32 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer big.Free()
	if st := ctx.Stats(); st.Blocks != 1 {
		t.Fatalf("after freeing, a 32 MiB buffer took a new block (%d blocks)", st.Blocks)
	}
}

// TestLargeBufferMemoryIsReturned checks that a buffer larger than a block
// gets memory of its own, given back to the device when the buffer is freed,
// so that growing a buffer (free, then allocate larger) never holds both.
func TestLargeBufferMemoryIsReturned(t *testing.T) {
	ctx := vktest.Open(t)
	small, err := ctx.NewBuffer(1 << 10)
	if err != nil {
		t.Fatal(err)
	}
	defer small.Free()
	base := ctx.Stats()
	for _, size := range []int{96 << 20, 160 << 20, 100 << 20} {
		b, err := ctx.NewBuffer(size)
		if err != nil {
			t.Fatal(err)
		}
		st := ctx.Stats()
		if st.Blocks != base.Blocks+1 || st.BlockBytes < base.BlockBytes+uint64(size) {
			t.Errorf("a %d MiB buffer: %d blocks of %d bytes, want %d blocks of at least %d", size>>20,
				st.Blocks, st.BlockBytes, base.Blocks+1, base.BlockBytes+uint64(size))
		}
		b.Free()
		if st := ctx.Stats(); st.Blocks != base.Blocks || st.BlockBytes != base.BlockBytes {
			t.Errorf("after freeing the %d MiB buffer: %d blocks of %d bytes, want %d of %d", size>>20,
				st.Blocks, st.BlockBytes, base.Blocks, base.BlockBytes)
		}
	}
}

func TestOutOfMemoryIsAnError(t *testing.T) {
	ctx := vktest.Open(t)
	var heap uint64
	for _, h := range ctx.Info().Heaps {
		if h.Size > heap {
			heap = h.Size
		}
	}
	_, err := ctx.NewBuffer(int(heap + 1<<20))
	if err == nil {
		t.Fatal("allocating more than the heap succeeded")
	}
	var oom *vk.OutOfMemoryError
	if !errors.As(err, &oom) {
		t.Fatalf("error is not an OutOfMemoryError: %v", err)
	}
	if !strings.Contains(err.Error(), "asked for") || !strings.Contains(err.Error(), "heap") {
		t.Errorf("error does not say what was asked and what the heap has: %v", err)
	}
	// The context stays usable.
	b, err := ctx.NewBufferFloat32(4, []float32{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := b.Float32s()
	if got[3] != 4 {
		t.Fatalf("buffer after OOM reads %v", got)
	}
}

// TestDependentDispatches records 1000 dispatches that each read what the previous
// one wrote into one command buffer, checks them against a Go loop, and replays it.
func TestDependentDispatches(t *testing.T) {
	const n, steps = 1031, 1000
	c := newAxpyChain(t, n, 2)
	coef := func(i int) float32 { return float32(0.01 * float64(i%7-3)) }

	seq, err := c.ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.record(t, seq, steps, coef)
	if st := seq.Stats(); st.Dispatches != steps || st.Barriers != steps-1 {
		t.Fatalf("stats %+v: want %d dispatches and %d barriers", st, steps, steps-1)
	}

	wantX, wantY := append([]float32(nil), c.x0...), append([]float32(nil), c.y0...)
	for i := 0; i < steps; i++ {
		a, dst, src := coef(i), wantY, wantX
		if i%2 == 1 {
			dst, src = wantX, wantY
		}
		for j := range dst {
			dst[j] = a*src[j] + dst[j]
		}
	}

	var first []float32
	for run := 0; run < 3; run++ {
		if err := c.run(t, seq); err != nil {
			t.Fatal(err)
		}
		got := c.values(t)
		want := append(append([]float32(nil), wantY...), wantX...)
		if e := kerneltest.RelL2(got, want); e > 1e-5 {
			t.Fatalf("run %d: relative error %.3g vs the Go loop", run, e)
		}
		if run == 0 {
			first = got
		} else {
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
					t.Fatalf("replay %d differs from the first run at %d: %v vs %v", run, i, got[i], first[i])
				}
			}
		}
	}
	if st := seq.Stats(); st.Recordings != 1 || st.Runs != 3 {
		t.Fatalf("stats %+v: want 1 recording and 3 runs", st)
	}
}

// TestBarriersOnlyWhereNeeded checks the hazard tracking pattern by pattern.
func TestBarriersOnlyWhereNeeded(t *testing.T) {
	ctx := vktest.Open(t)
	k := loadKernels(t, ctx, 64)
	const n = 100
	bufs := make([]*vk.Buffer, 4)
	for i := range bufs {
		bufs[i], _ = ctx.NewBufferFloat32(n, make([]float32, n))
	}
	a, b, c, d := bufs[0], bufs[1], bufs[2], bufs[3]
	type op struct {
		k   *vk.Kernel
		buf []*vk.Buffer
	}
	fill := func(dst *vk.Buffer) op { return op{k.fill, []*vk.Buffer{dst}} }
	cp := func(src, dst *vk.Buffer) op { return op{k.copy, []*vk.Buffer{src, dst}} }
	tests := []struct {
		name     string
		ops      []op
		barriers int
	}{
		{"independent writes", []op{fill(a), fill(b), fill(c)}, 0},
		{"read after write", []op{fill(a), cp(a, b)}, 1},
		{"read after read", []op{cp(a, b), cp(a, c)}, 0},
		{"write after read", []op{cp(a, b), fill(a)}, 1},
		{"write after write", []op{fill(a), fill(a)}, 1},
		{"chain", []op{fill(a), cp(a, b), cp(b, c), cp(c, d)}, 3},
		{"fan out then join", []op{fill(a), cp(a, b), cp(a, c), cp(b, d)}, 2},
	}
	for _, tc := range tests {
		seq, err := ctx.NewSequence(vk.SequenceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range tc.ops {
			push := []uint32{vk.F32(1), n}
			if o.k == k.copy {
				push = push[1:]
			}
			if err := seq.Dispatch(o.k, vk.GroupsFor(n, 64), push, o.buf...); err != nil {
				t.Fatal(err)
			}
		}
		if got := seq.Stats().Barriers; got != tc.barriers {
			t.Errorf("%s: %d barriers, want %d", tc.name, got, tc.barriers)
		}
		if err := seq.Run(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		seq.Free()
	}
}

func TestSpecializationAndGridStride(t *testing.T) {
	ctx := vktest.Open(t)
	const n = 100003
	for _, local := range []uint32{1, 32, 256} {
		if lim := ctx.Info().Compute; local > lim.MaxWorkGroupInvocations || local > lim.MaxWorkGroupSize[0] {
			local = min(lim.MaxWorkGroupInvocations, lim.MaxWorkGroupSize[0])
		}
		k := loadKernels(t, ctx, local)
		y, _ := ctx.NewBufferFloat32(n, randomFloats(rand.New(rand.NewSource(3)), n))
		seq, _ := ctx.NewSequence(vk.SequenceOptions{})
		// Fewer groups than elements need: the grid-stride loop covers the rest.
		if err := seq.Dispatch(k.fill, [3]uint32{7, 1, 1}, []uint32{vk.F32(-2.5), n - 1}, y); err != nil {
			t.Fatal(err)
		}
		if err := seq.Run(); err != nil {
			t.Fatal(err)
		}
		got, _ := y.Float32s()
		for i := 0; i < n-1; i++ {
			if got[i] != -2.5 {
				t.Fatalf("local %d: element %d = %v", local, i, got[i])
			}
		}
		if got[n-1] == -2.5 {
			t.Fatalf("local %d: fill wrote past n", local)
		}
		seq.Free()
		y.Free()
	}
}

func TestDispatchRejectsBadArguments(t *testing.T) {
	ctx := vktest.Open(t)
	k := loadKernels(t, ctx, 64)
	a, _ := ctx.NewBufferFloat32(8, make([]float32, 8))
	freed, _ := ctx.NewBufferFloat32(8, nil)
	freed.Free()
	seq, _ := ctx.NewSequence(vk.SequenceOptions{})
	cases := []struct {
		name string
		err  error
	}{
		{"too few buffers", seq.Dispatch(k.copy, [3]uint32{1, 1, 1}, []uint32{8}, a)},
		{"wrong push size", seq.Dispatch(k.fill, [3]uint32{1, 1, 1}, []uint32{8}, a)},
		{"freed buffer", seq.Dispatch(k.fill, [3]uint32{1, 1, 1}, []uint32{0, 8}, freed)},
		{"zero groups", seq.Dispatch(k.fill, [3]uint32{0, 1, 1}, []uint32{0, 8}, a)},
		{"too many groups", seq.Dispatch(k.fill, [3]uint32{1 << 31, 1, 1}, []uint32{0, 8}, a)},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		} else if !strings.Contains(c.err.Error(), "dispatch of") {
			t.Errorf("%s: error does not name the kernel: %v", c.name, c.err)
		}
	}
	if _, err := ctx.NewKernel(vk.KernelSpec{Name: "junk", SPIRV: []byte("not spir-v at all!!!"), Bindings: []vk.Access{vk.Read}}); err == nil {
		t.Error("a kernel from junk bytes was built")
	}
	if err := seq.Run(); err != nil {
		t.Fatal(err)
	}
}

// TestTooManySpecConstantsIsAnError checks that a kernel given more
// specialization constants than its shader declares (here more than the C
// shim takes, too) is refused, by the interface check, not built with the
// first ones only. The shim's own refusal of counts above its arrays is
// TestShimRefusesCountsAboveItsArrays.
func TestTooManySpecConstantsIsAnError(t *testing.T) {
	ctx := vktest.Open(t)
	code, err := shaders.Load("fill")
	if err != nil {
		t.Fatal(err)
	}
	spec := make([]uint32, 40)
	spec[0] = 64
	_, err = ctx.NewKernel(vk.KernelSpec{Name: "fill", SPIRV: code, Bindings: []vk.Access{vk.Write}, PushWords: 2, Spec: spec})
	var ie *vk.InterfaceError
	if !errors.As(err, &ie) || ie.Field != vk.FieldSpec || ie.SPIRV != "ids {0}" {
		t.Fatalf("NewKernel with %d specialization constants: %v; want a *vk.InterfaceError on them", len(spec), err)
	}
	if !strings.Contains(err.Error(), "kernel fill") {
		t.Errorf("error does not name the kernel: %v", err)
	}
}

func TestTimestamps(t *testing.T) {
	ctx := vktest.Open(t)
	if !ctx.Info().Timestamps {
		t.Skipf("%s has no compute timestamps", ctx.Info().Name)
	}
	k := loadKernels(t, ctx, 64)
	const n = 1 << 16
	x, _ := ctx.NewBufferFloat32(n, randomFloats(rand.New(rand.NewSource(4)), n))
	y, _ := ctx.NewBufferFloat32(n, nil)
	seq, _ := ctx.NewSequence(vk.SequenceOptions{Timestamps: true})
	for i := 0; i < 5; i++ {
		if err := seq.Dispatch(k.copy, vk.GroupsFor(n, 64), []uint32{n}, x, y); err != nil {
			t.Fatal(err)
		}
	}
	for run := 0; run < 2; run++ {
		if err := seq.Run(); err != nil {
			t.Fatal(err)
		}
		tm := seq.Timings()
		if len(tm) != 5 {
			t.Fatalf("%d timings, want 5", len(tm))
		}
		for _, d := range tm {
			if d.Name != "copy" || d.Duration <= 0 {
				t.Errorf("timing %+v", d)
			}
		}
	}
}

func TestPipelineCachePersists(t *testing.T) {
	dir := t.TempDir()
	open := func() *vk.Context {
		ctx := vktest.Open(t, vk.Config{PipelineCacheDir: dir})
		loadKernels(t, ctx, 64)
		return ctx
	}
	ctx := open()
	status, path := ctx.PipelineCacheStatus()
	if status != "new" || filepath.Dir(path) != dir {
		t.Fatalf("first open: status %q path %s", status, path)
	}
	if err := ctx.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cache not saved: %v", err)
	}
	if !strings.Contains(filepath.Base(path), strings.ReplaceAll(ctx.Info().UUID, "-", "")) {
		t.Errorf("cache file %s is not keyed by the device UUID %s", path, ctx.Info().UUID)
	}
	ctx = open()
	if status, _ := ctx.PipelineCacheStatus(); status != "loaded" {
		t.Fatalf("second open: status %q", status)
	}
	ctx.Close()

	corruptions := map[string][]byte{
		"flipped byte": func() []byte { d := append([]byte(nil), data...); d[len(d)/2] ^= 0x40; return d }(),
		"truncated":    data[:len(data)/3],
		"garbage":      []byte("hello"),
	}
	for name, bad := range corruptions {
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx = open()
		if status, _ := ctx.PipelineCacheStatus(); !strings.HasPrefix(status, "ignored") {
			t.Errorf("%s: status %q, want ignored", name, status)
		}
		ctx.Close()
		if fixed, _ := os.ReadFile(path); len(fixed) < 40 {
			t.Errorf("%s: the cache was not rebuilt (%d bytes)", name, len(fixed))
		}
	}
}

func TestBufferViews(t *testing.T) {
	for _, staging := range []bool{false, true} {
		ctx := vktest.Open(t, vk.Config{ForceStaging: staging})
		k := loadKernels(t, ctx, 64)
		step := ctx.BufferAlign() / 4 // floats per alignment unit
		n := 3 * step
		parent, err := ctx.NewBufferFloat32(n, randomFloats(rand.New(rand.NewSource(5)), n))
		if err != nil {
			t.Fatal(err)
		}
		a, err := parent.View(0, step)
		if err != nil {
			t.Fatal(err)
		}
		b, err := parent.View(step, 2*step-1)
		if err != nil {
			t.Fatal(err)
		}
		// Host writes through a view land in the parent.
		if err := b.WriteFloat32(0, []float32{7, 8}); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, 2)
		if err := parent.ReadFloat32(step, got); err != nil || got[0] != 7 || got[1] != 8 {
			t.Fatalf("parent reads %v, %v after a view write", got, err)
		}
		// Disjoint views need no barrier; overlapping ones do.
		seq, err := ctx.NewSequence(vk.SequenceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		mustDispatch := func(kern *vk.Kernel, push []uint32, bufs ...*vk.Buffer) {
			t.Helper()
			if err := seq.Dispatch(kern, vk.GroupsFor(step, 64), push, bufs...); err != nil {
				t.Fatal(err)
			}
		}
		mustDispatch(k.fill, []uint32{vk.F32(1.5), uint32(step)}, a)
		mustDispatch(k.fill, []uint32{vk.F32(2.5), uint32(b.Len())}, b)
		if st := seq.Stats(); st.Barriers != 0 {
			t.Fatalf("fills of disjoint views: %d barriers", st.Barriers)
		}
		head, _ := b.View(0, step)
		mustDispatch(k.copy, []uint32{uint32(step)}, a, head) // reads a: waits for the fill of a
		if st := seq.Stats(); st.Barriers != 1 {
			t.Fatalf("copy out of a view just filled: %d barriers, want 1", st.Barriers)
		}
		if err := seq.Run(); err != nil {
			t.Fatal(err)
		}
		all, _ := parent.Float32s()
		for i, v := range all[:n-1] {
			want := float32(1.5) // a, and b's head copied from a
			if i >= 2*step {
				want = 2.5
			}
			if v != want {
				t.Fatalf("staging=%v: float %d = %v, want %v", staging, i, v, want)
			}
		}
		// Misaligned, out-of-range and orphaned views are refused; freeing a view
		// leaves the parent intact.
		if ctx.BufferAlign() > 4 {
			if _, err := parent.View(1, 2); err == nil {
				t.Error("a misaligned view was made")
			}
		}
		for _, r := range [][2]int{{-step, 1}, {0, 0}, {2 * step, step + 1}} {
			if _, err := parent.View(r[0], r[1]); err == nil {
				t.Errorf("view %v of %d floats was made", r, n)
			}
		}
		a.Free()
		if _, err := parent.Float32s(); err != nil {
			t.Fatalf("parent unusable after freeing a view: %v", err)
		}
		parent.Free()
		if _, err := b.Float32s(); err == nil {
			t.Error("a view of a freed buffer was read")
		}
		if _, err := b.View(0, 1); err == nil {
			t.Error("a view of a view of a freed buffer was made")
		}
		seq.Free()
	}
}

// TestCreationSurvivesGarbageCollection builds kernels, descriptor sets and copies
// while another goroutine forces collections. vulkan-go frees its C copies of struct
// arrays from finalizers that can run during the call they were made for; the device
// layer must not hand such arrays to the driver through the binding (it did, and
// vkCreateComputePipelines crashed under load).
func TestCreationSurvivesGarbageCollection(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for round := 0; round < 3; round++ {
		ctx := vktest.Open(t, vk.Config{ForceStaging: round == 1})
		for local := uint32(1); local <= 64; local *= 2 {
			k := loadKernels(t, ctx, local)
			x, _ := ctx.NewBufferFloat32(67, randomFloats(rand.New(rand.NewSource(int64(local))), 67))
			y, _ := ctx.NewBufferFloat32(67, nil)
			seq, _ := ctx.NewSequence(vk.SequenceOptions{})
			if err := seq.Dispatch(k.copy, vk.GroupsFor(67, int(local)), []uint32{67}, x, y); err != nil {
				t.Fatal(err)
			}
			if err := seq.Run(); err != nil {
				t.Fatal(err)
			}
			got, _ := y.Float32s()
			want, _ := x.Float32s()
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("local %d: copy wrong at %d", local, i)
				}
			}
			seq.Free()
		}
	}
}

// TestForeignDriverManifestsAreNotValidationErrors: on a multiarch system the
// loader also finds driver manifests of other architectures and reports, at
// error level, that their libraries do not load. With validation on, that
// must not fail every Vulkan call; a real validation message still does
// (TestValidationLayerReportsMisuse).
func TestForeignDriverManifestsAreNotValidationErrors(t *testing.T) {
	lvp, _ := filepath.Glob("/usr/share/vulkan/icd.d/lvp_icd." + map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH] + ".json")
	if len(lvp) == 0 {
		t.Skip("no lavapipe manifest of this architecture in /usr/share/vulkan/icd.d")
	}
	bogus := filepath.Join(t.TempDir(), "foreign_icd.json")
	manifest := `{"file_format_version": "1.0.0", "ICD": {"library_path": "/nonexistent/libvulkan_foreign.so", "api_version": "1.3.0"}}`
	if err := os.WriteFile(bogus, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VK_ICD_FILENAMES", bogus+":"+lvp[0])
	t.Setenv("VK_DRIVER_FILES", bogus+":"+lvp[0])
	ctx := vktest.Open(t, vk.Config{Device: "llvmpipe"}) // the only driver left, whatever $OCGAN_DEVICE says
	k := loadKernels(t, ctx, 64)
	b, err := ctx.NewBufferFloat32(100, nil)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Free()
	if err := seq.Dispatch(k.fill, vk.GroupsFor(100, 64), []uint32{vk.F32(3), 100}, b); err != nil {
		t.Fatal(err)
	}
	if err := seq.Run(); err != nil {
		t.Fatalf("a run with a foreign driver manifest installed: %v", err)
	}
	got, err := b.Float32s()
	if err != nil || got[99] != 3 {
		t.Fatalf("fill: %v, %v", got[99], err)
	}
}

func TestLoweredLimitsRefuseKernels(t *testing.T) {
	ctx := vktest.Open(t, vk.Config{Limits: "min,push=64,shared=1000,size-x=64"})
	lim := ctx.Info().Compute
	if lim.MaxStorageBuffersPerStage != 4 || lim.MaxPushConstants != 64 || lim.MaxSharedMemory != 1000 ||
		lim.MaxWorkGroupInvocations != 128 || lim.MaxWorkGroupSize != [3]uint32{64, 128, 64} {
		t.Fatalf("lowered limits not applied: %+v", lim)
	}
	if got := ctx.Info().LoweredLimits; got != "min,push=64,shared=1000,size-x=64" {
		t.Errorf("LoweredLimits = %q", got)
	}
	rw := []vk.Access{vk.Read, vk.Write}
	tests := []struct {
		shader   string
		bindings []vk.Access
		push     int
		spec     []uint32
		limit    string
		device   uint64
		need     uint64
	}{
		{"copy", rw, 1, []uint32{64}, "", 0, 0},
		{"adam", []vk.Access{vk.Read, vk.ReadWrite, vk.ReadWrite, vk.ReadWrite, vk.Read}, 2, []uint32{64}, vk.LimitStorageBuffers, 4, 5},
		{"reduce_lane", rw, 19, []uint32{64, 0}, vk.LimitPushConstants, 64, 76},
		{"copy", rw, 1, []uint32{128}, vk.LimitWorkGroupSize + "[0]", 64, 128},
		{"conv_bias_grad", rw, 3, []uint32{64}, vk.LimitSharedMemory, 1000, 256 * 4},
	}
	for _, tc := range tests {
		code, err := shaders.Load(tc.shader)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ctx.NewKernel(vk.KernelSpec{Name: tc.shader, SPIRV: code, Bindings: tc.bindings, PushWords: tc.push, Spec: tc.spec})
		if tc.limit == "" {
			if err != nil {
				t.Errorf("%s %v: %v", tc.shader, tc.spec, err)
			}
			continue
		}
		var le *vk.LimitError
		if !errors.As(err, &le) {
			t.Errorf("%s %v: %v; want a *vk.LimitError", tc.shader, tc.spec, err)
			continue
		}
		if *le != (vk.LimitError{Kernel: tc.shader, Family: tc.shader, Limit: tc.limit, Device: tc.device, Need: tc.need}) {
			t.Errorf("%s %v: %+v; want %s device %d kernel %d", tc.shader, tc.spec, *le, tc.limit, tc.device, tc.need)
		}
		if msg := err.Error(); !strings.Contains(msg, tc.shader) || !strings.Contains(msg, tc.limit) {
			t.Errorf("%s: message %q does not name the kernel and the limit", tc.shader, msg)
		}
	}
}

func TestLoweredLimitsRefuseDispatches(t *testing.T) {
	ctx := vktest.Open(t, vk.Config{Limits: "count=1000,range=1024"})
	k := loadKernels(t, ctx, 64)
	y, err := ctx.NewBufferFloat32(8, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Free()
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Free()
	err = seq.Dispatch(k.fill, [3]uint32{1, 1001, 1}, []uint32{0, 8}, y)
	var le *vk.LimitError
	if !errors.As(err, &le) || le.Limit != vk.LimitWorkGroupCount+"[1]" || le.Device != 1000 || le.Need != 1001 {
		t.Fatalf("dispatch of 1001 groups under count=1000: %v; want a *vk.LimitError on %s[1]", err, vk.LimitWorkGroupCount)
	}
	big, err := ctx.NewBufferFloat32(257, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer big.Free()
	err = seq.Dispatch(k.fill, [3]uint32{1, 1, 1}, []uint32{0, 257}, big)
	if !errors.As(err, &le) || *le != (vk.LimitError{Kernel: "fill", Family: "fill", Limit: vk.LimitStorageRange, Device: 1024, Need: 1028}) {
		t.Fatalf("dispatch over a 1028-byte buffer under range=1024: %v; want a *vk.LimitError on %s", err, vk.LimitStorageRange)
	}
	if err := seq.Dispatch(k.fill, [3]uint32{1, 1, 1}, []uint32{0, 8}, y); err != nil {
		t.Fatalf("a dispatch within the limits: %v", err)
	}
	if err := seq.Run(); err != nil {
		t.Fatal(err)
	}
}

func TestBadLimitsEnvIsAClearError(t *testing.T) {
	t.Setenv(vk.LimitsEnv, "storage=four")
	_, err := vk.Open(vk.Config{PipelineCacheDir: "off"})
	if err == nil || !strings.Contains(err.Error(), vk.LimitsEnv) || !strings.Contains(err.Error(), "storage") {
		t.Fatalf("Open with %s=storage=four: %v; want an error naming the variable and the limit", vk.LimitsEnv, err)
	}
	if _, err := vk.Devices(vk.Config{}); err == nil {
		t.Fatalf("Devices with %s=storage=four gave no error", vk.LimitsEnv)
	}
}

// TestSubgroupMaskAndCapabilityCheck masks the device's subgroup operations
// with $OCGAN_VK_SUBGROUP_OPS: the device info reports the effective classes,
// and a kernel whose SPIR-V declares a masked capability is refused.
func TestSubgroupMaskAndCapabilityCheck(t *testing.T) {
	code, err := shaders.Load("reduce_group") // declares GroupNonUniformArithmetic
	if err != nil {
		t.Fatal(err)
	}
	spec := vk.KernelSpec{Name: "reduce_group", SPIRV: code, Bindings: []vk.Access{vk.Read, vk.Write}, PushWords: 19,
		Spec: []uint32{64, 0}}
	tests := []struct {
		mask    string
		want    []string // effective classes; nil: the device's own
		refused bool
	}{
		{"", nil, false},
		{"basic", []string{"basic"}, true},
		{"-arithmetic", nil, true},
		{"-ballot", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.mask, func(t *testing.T) {
			t.Setenv(vk.SubgroupOpsEnv, tc.mask)
			ctx := vktest.Open(t)
			sg := ctx.Info().Subgroup
			if !sg.InCompute || len(sg.Operations) == 0 {
				t.Skipf("%s has no subgroup operations in compute shaders", ctx.Info().Name)
			}
			if tc.mask == "" {
				if sg.Reported != nil {
					t.Errorf("no mask, yet Reported = %v", sg.Reported)
				}
			} else {
				if len(sg.Reported) == 0 {
					t.Fatalf("mask %q: Reported is empty", tc.mask)
				}
				if tc.want != nil && strings.Join(sg.Operations, ",") != strings.Join(tc.want, ",") {
					t.Errorf("mask %q: Operations = %v; want %v", tc.mask, sg.Operations, tc.want)
				}
				if strings.HasPrefix(tc.mask, "-") && ctx.Info().HasSubgroupOp(tc.mask[1:]) {
					t.Errorf("mask %q: the device still has %s", tc.mask, tc.mask[1:])
				}
			}
			if !ctx.Info().HasSubgroupOp("arithmetic") && !tc.refused {
				t.Skipf("%s has no subgroup arithmetic", ctx.Info().Name)
			}
			_, err := ctx.NewKernel(spec)
			var ce *vk.CapabilityError
			if tc.refused {
				if !errors.As(err, &ce) || ce.Kernel != "reduce_group" || ce.Family != "reduce_group" || ce.Capability != "GroupNonUniformArithmetic" {
					t.Fatalf("mask %q: NewKernel = %v; want a CapabilityError for reduce_group, GroupNonUniformArithmetic", tc.mask, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			vktest.NoValidationErrors(t, ctx)
		})
	}
	t.Setenv(vk.SubgroupOpsEnv, "basic,ballots")
	if _, err := vk.Devices(vk.Config{}); err == nil || !strings.Contains(err.Error(), vk.SubgroupOpsEnv) || !strings.Contains(err.Error(), `"ballots"`) {
		t.Errorf("a bad %s: Devices error = %v; want one naming the variable and the class", vk.SubgroupOpsEnv, err)
	}
}

// TestFullSubgroupsPipeline builds a pipeline that requires full subgroups
// where the device offers them, and refuses a workgroup size that is not a
// multiple of the subgroup size.
func TestFullSubgroupsPipeline(t *testing.T) {
	t.Setenv(vk.SubgroupOpsEnv, "")
	ctx := vktest.Open(t)
	info := ctx.Info()
	if !info.Subgroup.FullSubgroups {
		if strings.Contains(info.Name, "llvmpipe") {
			t.Fatalf("lavapipe offers computeFullSubgroups, yet the device info says it does not: %+v", info.Subgroup)
		}
		t.Skipf("%s has no computeFullSubgroups", info.Name)
	}
	code, err := shaders.Load("copy")
	if err != nil {
		t.Fatal(err)
	}
	sz := info.Subgroup.Size
	for _, local := range []uint32{sz, 4 * sz, sz + 1} {
		_, err := ctx.NewKernel(vk.KernelSpec{Name: "copy", SPIRV: code, Bindings: []vk.Access{vk.Read, vk.Write}, PushWords: 1,
			Spec: []uint32{local}, FullSubgroups: true, LocalSizeX: local})
		if local%sz == 0 && err != nil {
			t.Errorf("local %d: %v", local, err)
		}
		if local%sz != 0 && (err == nil || !strings.Contains(err.Error(), "multiple of the subgroup size")) {
			t.Errorf("local %d (subgroup %d): NewKernel = %v; want a refusal", local, sz, err)
		}
	}
	vktest.NoValidationErrors(t, ctx)
}
