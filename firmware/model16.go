package firmware

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/klauspost/compress/zstd"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/strictjson"
)

// The fp16 model encoding's constants (see the package documentation).
const (
	fp16Magic      = "OCGANF16"
	fp16Version    = 1
	fp16HeaderSize = 8 + 4 + 8
	maxModelBytes  = 1 << 30 // cap on the decoded fp16 payload
	// maxFP16Ratio bounds payload length / compressed length; the encoder
	// pads with a zstd skippable frame to stay within it.
	maxFP16Ratio     = 64
	maxZstdWindow    = 8 << 20
	roleNameParam    = "param"
	roleNameState    = "state"
	fp16JSONLenBytes = 4
)

// f16Header is the JSON header of the fp16 payload.
type f16Header struct {
	Geometry model.Geometry    `json:"geometry"`
	Train    f16Train          `json:"train"`
	Meta     map[string]string `json:"meta,omitempty"`
	Tensors  []f16Tensor       `json:"tensors"`
}

// f16Train is checkpoint.TrainState with the floats as strings, so NaN and
// ±Inf survive.
type f16Train struct {
	Epoch      int    `json:"epoch"`
	Iteration  int    `json:"iteration"`
	Seed       uint64 `json:"seed"`
	RNGCounter uint64 `json:"rng_counter"`
	BestValMSE string `json:"best_val_mse"`
	BestEpoch  int    `json:"best_epoch"`
	Threshold  string `json:"threshold"`
}

// f16Tensor describes one tensor; its values follow in header order.
type f16Tensor struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Shape []int  `json:"shape"`
}

// encodeFP16 returns the fp16 encoding of c's tensors (Adam state is not
// kept). It refuses a finite value beyond ±MaxFloat16, which would become
// infinite.
func encodeFP16(c *checkpoint.Checkpoint) ([]byte, error) {
	h := f16Header{
		Geometry: c.Geometry,
		Train: f16Train{
			Epoch: c.Train.Epoch, Iteration: c.Train.Iteration, Seed: c.Train.Seed, RNGCounter: c.Train.RNGCounter,
			BestValMSE: formatFloat(c.Train.BestValMSE), BestEpoch: c.Train.BestEpoch, Threshold: formatFloat(c.Train.Threshold),
		},
		Meta: c.Meta,
	}
	n := 0
	for _, t := range c.Tensors {
		role := roleNameParam
		if t.Role == graph.State {
			role = roleNameState
		}
		h.Tensors = append(h.Tensors, f16Tensor{Name: t.Name, Role: role, Shape: t.Shape})
		n += len(t.Data)
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("fp16 header: %w", err)
	}
	payload := make([]byte, fp16JSONLenBytes+len(hj)+2*n)
	binary.LittleEndian.PutUint32(payload, uint32(len(hj)))
	copy(payload[fp16JSONLenBytes:], hj)
	// Low bytes of every value, then high bytes: the high bytes (sign,
	// exponent) compress far better on their own.
	lo := payload[fp16JSONLenBytes+len(hj):][:n]
	hi := payload[fp16JSONLenBytes+len(hj)+n:]
	i := 0
	for _, t := range c.Tensors {
		for j, x := range t.Data {
			b := toFloat16(x)
			if b&0x7fff == 0x7c00 && !math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("tensor %q: value %g at index %d is beyond the fp16 range ±%d", t.Name, x, j, MaxFloat16)
			}
			lo[i], hi[i] = byte(b), byte(b>>8)
			i++
		}
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
		zstd.WithWindowSize(maxZstdWindow), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	defer enc.Close()
	out := make([]byte, fp16HeaderSize, fp16HeaderSize+len(payload)/2)
	copy(out, fp16Magic)
	binary.LittleEndian.PutUint32(out[8:], fp16Version)
	binary.LittleEndian.PutUint64(out[12:], uint64(len(payload)))
	out = enc.EncodeAll(payload, out)
	if need := (len(payload) + maxFP16Ratio - 1) / maxFP16Ratio; len(out)-fp16HeaderSize < need {
		// A skippable frame (magic, length, zeros) the decoder passes over.
		pad := max(need-(len(out)-fp16HeaderSize), 8)
		out = binary.LittleEndian.AppendUint32(out, 0x184D2A50)
		out = binary.LittleEndian.AppendUint32(out, uint32(pad-8))
		out = append(out, make([]byte, pad-8)...)
	}
	return out, nil
}

// decodeFP16 decodes the fp16 encoding into a checkpoint with float32
// tensors. Memory use is bounded by maxModelBytes and by maxFP16Ratio
// times the input, and grows with the data actually decoded, never with a
// size field.
func decodeFP16(b []byte) (*checkpoint.Checkpoint, error) {
	if len(b) < fp16HeaderSize || string(b[:8]) != fp16Magic {
		return nil, fmt.Errorf("not an fp16 model (bad magic or %d bytes)", len(b))
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != fp16Version {
		return nil, fmt.Errorf("fp16 model version %d, this build reads %d", v, fp16Version)
	}
	size := binary.LittleEndian.Uint64(b[12:])
	if size > maxModelBytes {
		return nil, fmt.Errorf("fp16 payload of %d bytes, at most %d accepted", size, maxModelBytes)
	}
	if comp := uint64(len(b) - fp16HeaderSize); size > comp*maxFP16Ratio {
		return nil, fmt.Errorf("fp16 payload of %d bytes from %d compressed bytes exceeds the ratio %d", size, comp, maxFP16Ratio)
	}
	dec, err := zstd.NewReader(bytes.NewReader(b[fp16HeaderSize:]), zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(maxModelBytes), zstd.WithDecoderMaxWindow(maxZstdWindow))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	defer dec.Close()
	payload, err := io.ReadAll(io.LimitReader(dec, int64(size)+1))
	if err != nil {
		return nil, fmt.Errorf("fp16 payload: %w", err)
	}
	if uint64(len(payload)) != size {
		return nil, fmt.Errorf("fp16 payload decodes to %d bytes or more, the header says %d", len(payload), size)
	}
	return parseFP16Payload(payload)
}

// parseFP16Payload splits the payload into header and values and checks
// every shape against the values present before allocating a tensor.
func parseFP16Payload(p []byte) (*checkpoint.Checkpoint, error) {
	if len(p) < fp16JSONLenBytes {
		return nil, fmt.Errorf("fp16 payload of %d bytes", len(p))
	}
	hl := binary.LittleEndian.Uint32(p)
	if uint64(hl) > uint64(len(p)-fp16JSONLenBytes) {
		return nil, fmt.Errorf("fp16 header of %d bytes in a payload of %d", hl, len(p))
	}
	var h f16Header
	if err := strictjson.Decode(p[fp16JSONLenBytes:fp16JSONLenBytes+hl], &h); err != nil {
		return nil, fmt.Errorf("fp16 header: %w", err)
	}
	if err := h.Geometry.Validate(); err != nil {
		return nil, fmt.Errorf("fp16 header: %w", err)
	}
	data := p[fp16JSONLenBytes+hl:]
	if len(data)%2 != 0 {
		return nil, fmt.Errorf("fp16 values: odd byte count %d", len(data))
	}
	n := int64(len(data) / 2)
	counts := make([]int64, len(h.Tensors))
	seen := make(map[string]bool, len(h.Tensors))
	var total int64
	for i, t := range h.Tensors {
		if t.Name == "" || seen[t.Name] {
			return nil, fmt.Errorf("fp16 tensor %d: empty or repeated name %q", i, t.Name)
		}
		seen[t.Name] = true
		if t.Role != roleNameParam && t.Role != roleNameState {
			return nil, fmt.Errorf("fp16 tensor %q: role %q", t.Name, t.Role)
		}
		c, err := checkpoint.Numel(t.Shape, n-total)
		if err != nil {
			return nil, fmt.Errorf("fp16 tensor %q: %v", t.Name, err)
		}
		counts[i] = c
		total += c
	}
	if total != n {
		return nil, fmt.Errorf("fp16 tensors hold %d values, the payload %d", total, n)
	}
	ck := &checkpoint.Checkpoint{Geometry: h.Geometry, Meta: h.Meta}
	var err error
	ck.Train, err = h.Train.state()
	if err != nil {
		return nil, err
	}
	lo, hi := data[:n], data[n:]
	var off int64
	for i, t := range h.Tensors {
		v := make([]float32, counts[i])
		for j := range v {
			v[j] = fromFloat16(uint16(lo[off]) | uint16(hi[off])<<8)
			off++
		}
		role := graph.Param
		if t.Role == roleNameState {
			role = graph.State
		}
		ck.Tensors = append(ck.Tensors, checkpoint.Tensor{Name: t.Name, Role: role, Shape: t.Shape, Data: v})
	}
	return ck, nil
}

// state converts the train state back, refusing negative counters.
func (t f16Train) state() (checkpoint.TrainState, error) {
	best, err1 := strconv.ParseFloat(t.BestValMSE, 64)
	thr, err2 := strconv.ParseFloat(t.Threshold, 64)
	if err1 != nil || err2 != nil {
		return checkpoint.TrainState{}, fmt.Errorf("fp16 train state: floats %q, %q", t.BestValMSE, t.Threshold)
	}
	if t.Epoch < 0 || t.Iteration < 0 || t.BestEpoch < 0 {
		return checkpoint.TrainState{}, fmt.Errorf("fp16 train state: negative counter")
	}
	return checkpoint.TrainState{Epoch: t.Epoch, Iteration: t.Iteration, Seed: t.Seed, RNGCounter: t.RNGCounter,
		BestValMSE: best, BestEpoch: t.BestEpoch, Threshold: thr}, nil
}

// formatFloat formats v so that strconv.ParseFloat returns it exactly,
// NaN and ±Inf included.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
