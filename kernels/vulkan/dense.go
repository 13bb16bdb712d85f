package vulkan

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// GPU bindings of the dense (fully connected) layer; dense_ref.go defines the ops.
//
// The three products run one register-tiled GEMM (shaders/dense_common.glsl),
// C[M, NC] = A·B, each with its own operand layouts:
//
//	forward        y  = x·Wᵀ (+ b)   A = x  [N, In]   along k,  B = W [Out, In] along k   (dense_fwd)
//	backward input dx = dy·W         A = dy [N, Out]  along k,  B = W [Out, In] along c   (dense_bwd_data)
//	backward weight dW = dyᵀ·x       A = dy [N, Out]  along m,  B = x [N, In]   along c   (dense_bwd_weight)
//
// Every invocation computes a TM×TN tile of C in registers, reading 4 steps of k at a
// time; an operand is read as vec4s along its contiguous dimension when that dimension
// is a multiple of 4 (for m/c-contiguous operands the tile side must be too), else as
// scalars. Tile edges are clamped on load and masked on store, so any shape works.
// The bias gradient is a column sum (dense_bwd_bias).

// denseTiles are the GEMM workgroup size and register tile (rows × columns of C
// per invocation).
type denseTiles struct{ local, tm, tn uint32 }

// denseTilesFor returns the tile for the device kind: on llvmpipe each lane is a SIMD
// slot of a CPU thread and loads are the cost, so an 8×8 tile (16 vec4 loads per 256
// FMAs) in 16-wide groups, small enough that OCGAN's small layers still spread over
// several groups (threads); on GPUs a 4×4 tile in 64-wide groups keeps more
// invocations in flight for those small matrices. Tile sides are multiples of 4 so
// m/c-contiguous operands can be read as vec4s.
func denseTilesFor(kind vk.DeviceType) denseTiles {
	if kind == vk.CPU {
		return denseTiles{local: 16, tm: 8, tn: 8}
	}
	return denseTiles{local: 64, tm: 4, tn: 4}
}

// denseTiles is the tile of the library's device, its workgroup within the device's limits.
func (l *Library) denseTiles() denseTiles {
	t := denseTilesFor(l.ctx.Info().Type)
	t.local = l.fitLocal(1, halving(t.local, 1)...)
	return t
}

// gemm records C[m, nc] = e(A·B) with the named dense shader. aVecDim / bVecDim are the
// lengths of A's and B's contiguous dimensions and aAlongK / bAlongK whether that
// dimension is k; vec4 reads are enabled when they are legal. e has passed Validate.
func (l *Library) gemm(seq *vk.Sequence, t denseTiles, name string, m, nc, k int, aVecDim int, aAlongK bool, bVecDim int, bAlongK bool,
	bias bool, e kernels.Epilogue, bufs ...*vk.Buffer) error {
	var flags uint32
	if aVecDim%4 == 0 && (aAlongK || t.tm%4 == 0) {
		flags |= gemmVecA
	}
	if bVecDim%4 == 0 && (bAlongK || t.tn%4 == 0) {
		flags |= gemmVecB
	}
	if bias {
		flags |= gemmBias
	}
	access := []vk.Access{vk.Read, vk.Read, vk.Write}
	if len(bufs) == 4 {
		access = []vk.Access{vk.Read, vk.Read, vk.Read, vk.Write}
	}
	push := densePush{M: uint32(m), NC: uint32(nc), K: uint32(k), act: int32(e.Act), slope: e.Slope}
	kern, err := l.kernel(name, access, push, t.local, t.tm, t.tn, flags)
	if err != nil {
		return err
	}
	tiles := denseCeilDiv(m, int(t.tm)) * denseCeilDiv(nc, int(t.tn))
	return seq.Dispatch(kern, l.groups1D(tiles, t.local), push.words(), bufs...)
}

func denseCeilDiv(a, b int) int { return (a + b - 1) / b }

// DenseForward records y = x·Wᵀ + b, then p.Epilogue at the store (DenseForward
// in dense_ref.go): x [N, In],
// w [Out, In], y [N, Out], b [Out] when p.Bias, else nil. y must not alias the inputs.
func (l *Library) DenseForward(seq *vk.Sequence, p kernels.DenseParams, x, w, b, y *vk.Buffer) error {
	return l.denseForwardTiled(seq, l.denseTiles(), p, x, w, b, y)
}

func (l *Library) denseForwardTiled(seq *vk.Sequence, t denseTiles, p kernels.DenseParams, x, w, b, y *vk.Buffer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := checkBuf(kernels.OpDense, "input x", x, "N*In", p.N, p.In); err != nil {
		return err
	}
	if err := checkBuf(kernels.OpDense, "weight w", w, "Out*In", p.Out, p.In); err != nil {
		return err
	}
	if p.Bias {
		if err := checkBuf(kernels.OpDense, "bias b", b, "Out", p.Out); err != nil {
			return err
		}
	} else if b != nil {
		return fmt.Errorf("%s: bias buffer given (%d floats) but Bias is false (pass nil)", kernels.OpDense, b.Len())
	}
	if err := checkBuf(kernels.OpDense, "output y", y, "N*Out", p.N, p.Out); err != nil {
		return err
	}
	if y == x || y == w || y == b {
		return fmt.Errorf("%s: output y must not be an input buffer", kernels.OpDense)
	}
	bias := b
	if bias == nil {
		bias = x // bound but not read: the shader's bias flag is off
	}
	return l.gemm(seq, t, "dense_fwd", p.N, p.Out, p.In, p.In, true, p.In, true, p.Bias, p.Epilogue, x, w, bias, y)
}

// DenseBackwardInput records dx = dy·W (DenseBackwardInput in dense_ref.go):
// w [Out, In], dy [N, Out], dx [N, In]. dx must not alias the inputs.
func (l *Library) DenseBackwardInput(seq *vk.Sequence, p kernels.DenseParams, w, dy, dx *vk.Buffer) error {
	return l.denseBackwardInputTiled(seq, l.denseTiles(), p, w, dy, dx)
}

func (l *Library) denseBackwardInputTiled(seq *vk.Sequence, t denseTiles, p kernels.DenseParams, w, dy, dx *vk.Buffer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := checkBuf(kernels.OpDense, "weight w", w, "Out*In", p.Out, p.In); err != nil {
		return err
	}
	if err := checkBuf(kernels.OpDense, "grad output dy", dy, "N*Out", p.N, p.Out); err != nil {
		return err
	}
	if err := checkBuf(kernels.OpDense, "grad input dx", dx, "N*In", p.N, p.In); err != nil {
		return err
	}
	if dx == w || dx == dy {
		return fmt.Errorf("%s: grad input dx must not be an input buffer", kernels.OpDense)
	}
	return l.gemm(seq, t, "dense_bwd_data", p.N, p.In, p.Out, p.Out, true, p.In, false, false, kernels.Epilogue{}, dy, w, dx)
}

// DenseBackwardWeight records dW = dyᵀ·x (DenseBackwardWeight in dense_ref.go):
// x [N, In], dy [N, Out], dw [Out, In], overwritten. dw must not alias the inputs.
func (l *Library) DenseBackwardWeight(seq *vk.Sequence, p kernels.DenseParams, x, dy, dw *vk.Buffer) error {
	return l.denseBackwardWeightTiled(seq, l.denseTiles(), p, x, dy, dw)
}

func (l *Library) denseBackwardWeightTiled(seq *vk.Sequence, t denseTiles, p kernels.DenseParams, x, dy, dw *vk.Buffer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := checkBuf(kernels.OpDense, "input x", x, "N*In", p.N, p.In); err != nil {
		return err
	}
	if err := checkBuf(kernels.OpDense, "grad output dy", dy, "N*Out", p.N, p.Out); err != nil {
		return err
	}
	if err := checkBuf(kernels.OpDense, "grad weight dw", dw, "Out*In", p.Out, p.In); err != nil {
		return err
	}
	if dw == x || dw == dy {
		return fmt.Errorf("%s: grad weight dw must not be an input buffer", kernels.OpDense)
	}
	return l.gemm(seq, t, "dense_bwd_weight", p.Out, p.In, p.N, p.Out, false, p.In, false, false, kernels.Epilogue{}, dy, x, dw)
}

// DenseBackwardBias records db[o] = Σ_n dy[n, o] (DenseBackwardBias in dense_ref.go):
// dy [N, Out], db [Out], overwritten. It is an error when p.Bias is false.
func (l *Library) DenseBackwardBias(seq *vk.Sequence, p kernels.DenseParams, dy, db *vk.Buffer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if !p.Bias {
		return fmt.Errorf("%s: bias gradient requested but Bias is false", kernels.OpDense)
	}
	if err := checkBuf(kernels.OpDense, "grad output dy", dy, "N*Out", p.N, p.Out); err != nil {
		return err
	}
	if err := checkBuf(kernels.OpDense, "grad bias db", db, "Out", p.Out); err != nil {
		return err
	}
	if db == dy {
		return fmt.Errorf("%s: grad bias db must not be the grad output dy", kernels.OpDense)
	}
	local := l.elementwiseLocal()
	var vec uint32
	if p.Out%4 == 0 {
		vec = 1
	}
	push := denseBiasPush{n: uint32(p.N), out: uint32(p.Out)}
	k, err := l.kernel("dense_bwd_bias", []vk.Access{vk.Read, vk.Write}, push, local, vec)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(denseCeilDiv(p.Out, 4), local), push.words(), dy, db)
}
