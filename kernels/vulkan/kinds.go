package vulkan

import "github.com/ocgan-vk/ocgan/kernels"

// The kinds and modes the bindings pass to the shaders as specialization
// or push constants, with the values shaders/kinds.glsl names (kinds_test.go checks
// each against the header). kernels.ActivationKind is the fourth.

// convShare is how the lanes of a conv team get their A values (SG in
// conv_common.glsl, constant 3).
type convShare uint32

// Lane sharing modes (CONV_SG_*).
const (
	convShareLoad      convShare = 0 // every lane of a team of 8 loads all of them
	convShareBroadcast convShare = 1 // each lane loads some; subgroupBroadcast shares them
	convShareSolo      convShare = 2 // teams of one lane
)

// check refuses a value that is none of the modes.
func (s convShare) check(op string) error {
	switch s {
	case convShareLoad, convShareBroadcast, convShareSolo:
		return nil
	}
	return &kernels.KindError{Op: op, Field: "lane sharing mode", Value: int64(s),
		Want: "convShareLoad, convShareBroadcast or convShareSolo"}
}

// bnMode is batch_norm_fwd's mode (constant 2).
type bnMode uint32

// Batch-norm forward modes (BN_*).
const (
	bnTrain bnMode = 0 // normalise by the batch statistics: stat is 1/σ
	bnEval  bnMode = 1 // normalise by the running statistics: stat is σ²
)

// lossMode selects what a loss shader computes (push constant per_sample).
type lossMode uint32

// Loss modes (LOSS_*).
const (
	lossMean      lossMode = 0 // the mean over all N·F elements; its gradient
	lossPerSample lossMode = 1 // one mean per sample; the gradient of Σ dloss[n]·L[n]
)

// GEMM specialization flags (FLAG_* in dense_common.glsl, constant 3), or'ed.
const (
	gemmVecA = 1 // read A as vec4s along its contiguous dimension
	gemmVecB = 2 // read B as vec4s
	gemmBias = 4 // add the bias
)

// convDir is the direction of a conv kernel; its value ends the shader's name
// ("conv2d_" + dir).
type convDir string

// Conv directions.
const (
	convFwd       convDir = "fwd"        // y = x ⋆ w
	convBwdData   convDir = "bwd_data"   // dx from dy and w
	convBwdFilter convDir = "bwd_filter" // dw from x and dy
)

// shader is the name of the direction's conv2d shader.
func (d convDir) shader() string { return "conv2d_" + string(d) }
