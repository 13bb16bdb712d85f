package checkpoint

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/klauspost/compress/zstd"

	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
)

// Save encodes c and writes it to path through a temporary file in the same
// directory (write, sync, rename, directory sync), so path holds the old
// file or the complete new one, never a part. Nothing is written if c is
// invalid.
func Save(path string, c *Checkpoint) error {
	b, err := encode(c)
	if err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", path, err)
	}
	if err := atomicfile.Write(path, b, 0o644); err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", path, err)
	}
	return nil
}

// Encode writes c to w in the checkpoint format. It refuses an invalid
// checkpoint (bad geometry, duplicate names, shapes that do not match the
// data, Adam state without its param) or one larger than DefaultMaxBytes.
// The output depends only on c.
func Encode(w io.Writer, c *Checkpoint) error {
	b, err := encode(c)
	if err != nil {
		return fmt.Errorf("checkpoint: encode: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("checkpoint: encode: %w", err)
	}
	return nil
}

// encode returns the file bytes of c.
func encode(c *Checkpoint) ([]byte, error) {
	if c == nil {
		return nil, fmt.Errorf("nil checkpoint")
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	payload, version, err := encodePayload(c)
	if err != nil {
		return nil, err
	}
	return frame(payload, version)
}

// encodePayload returns the manifest length, the manifest and the tensor
// data, and the format version they need: 2 when the preprocessing is not
// the geometry's default, else 1.
func encodePayload(c *Checkpoint) ([]byte, uint32, error) {
	version := MinVersion
	var pre *preprocessJSON
	if p := c.Preprocessing(); p != DefaultPreprocessing(c.Geometry) {
		version, pre = 2, toPreprocessJSON(p)
	}
	m := manifest{
		Geometry:   toGeometryJSON(c.Geometry),
		Preprocess: pre,
		Train: trainJSON{
			Epoch: c.Train.Epoch, Iteration: c.Train.Iteration,
			Seed: c.Train.Seed, RNGCounter: c.Train.RNGCounter,
			BestValMSE: jsonFloat(c.Train.BestValMSE), BestEpoch: c.Train.BestEpoch,
			Threshold: jsonFloat(c.Train.Threshold),
		},
		Meta: c.Meta,
	}
	var data [][]float32
	var off int64
	add := func(name, role string, shape []int, v []float32) {
		m.Tensors = append(m.Tensors, tensorJSON{Name: name, Role: role, Shape: cloneInts(shape), Offset: off})
		data = append(data, v)
		off += 4 * int64(len(v))
	}
	for _, t := range c.Tensors {
		add(t.Name, t.Role.String(), t.Shape, t.Data)
	}
	shapes := make(map[string][]int, len(c.Tensors))
	for _, t := range c.Tensors {
		shapes[t.Name] = t.Shape
	}
	if len(c.Adam) > 0 {
		m.AdamSteps = make(map[string]int, len(c.Adam))
	}
	for _, a := range c.Adam {
		add(a.Name, roleAdamM, shapes[a.Name], a.M)
		add(a.Name, roleAdamV, shapes[a.Name], a.V)
		m.AdamSteps[a.Name] = a.Steps
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return nil, 0, fmt.Errorf("manifest: %w", err)
	}
	if len(mj) > math.MaxUint32 {
		return nil, 0, fmt.Errorf("%w: manifest of %d bytes", ErrTooLarge, len(mj))
	}
	total := 4 + int64(len(mj)) + off
	if total > DefaultMaxBytes {
		return nil, 0, fmt.Errorf("%w: payload of %d bytes, Load reads at most %d", ErrTooLarge, total, DefaultMaxBytes)
	}
	buf := make([]byte, total)
	binary.LittleEndian.PutUint32(buf, uint32(len(mj)))
	p := 4 + copy(buf[4:], mj)
	for _, v := range data {
		for _, x := range v {
			binary.LittleEndian.PutUint32(buf[p:], math.Float32bits(x))
			p += 4
		}
	}
	return buf, version, nil
}

// frame compresses payload and returns the header (of format version),
// the compressed section (padded to keep within MaxRatio) and the checksum.
func frame(payload []byte, version uint32) ([]byte, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(maxWindow),
		zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	defer enc.Close()
	out := make([]byte, headerSize, headerSize+len(payload)/2+1024)
	out = enc.EncodeAll(payload, out)
	if need := (len(payload) + MaxRatio - 1) / MaxRatio; len(out)-headerSize < need {
		out = appendSkippable(out, max(need-(len(out)-headerSize), skippableHeader))
	}
	if int64(len(out)-headerSize) > DefaultMaxBytes {
		return nil, fmt.Errorf("%w: compressed section of %d bytes, Load reads at most %d", ErrTooLarge, len(out)-headerSize, DefaultMaxBytes)
	}
	writeHeader(out, version, uint64(len(payload)), uint64(len(out)-headerSize))
	return appendSum(out), nil
}

// appendSkippable appends a zstd skippable frame of n bytes in all (n >= 8)
// whose content is zeros.
func appendSkippable(b []byte, n int) []byte {
	b = binary.LittleEndian.AppendUint32(b, 0x184D2A50)
	b = binary.LittleEndian.AppendUint32(b, uint32(n-skippableHeader))
	return append(b, make([]byte, n-skippableHeader)...)
}

// writeHeader fills the first headerSize bytes of b.
func writeHeader(b []byte, version uint32, payloadLen, compressedLen uint64) {
	copy(b, Magic)
	binary.LittleEndian.PutUint32(b[8:], version)
	binary.LittleEndian.PutUint32(b[12:], 0) // flags
	binary.LittleEndian.PutUint64(b[16:], payloadLen)
	binary.LittleEndian.PutUint64(b[24:], compressedLen)
}

// appendSum appends the SHA-256 of b to b.
func appendSum(b []byte) []byte {
	s := sha256.Sum256(b)
	return append(b, s[:]...)
}
