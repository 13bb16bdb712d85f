package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/klauspost/compress/zstd"

	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/strictjson"
)

// Load reads and checks the checkpoint at path, accepting at most
// DefaultMaxBytes compressed and uncompressed. Errors name the file and
// wrap the kinds Decode returns.
func Load(path string) (*Checkpoint, error) {
	f, _, err := boundedfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: load: %w", err)
	}
	defer f.Close()
	c, err := Decode(f, DefaultMaxBytes)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return c, nil
}

// Decode reads one checkpoint from r, which must hold nothing after it.
// maxBytes (DefaultMaxBytes if <= 0) bounds both the compressed section and
// the uncompressed payload; memory use is proportional to the bytes r
// actually holds (see the package documentation for the bounds). Errors
// wrap ErrBadMagic, ErrVersion, ErrTruncated, ErrChecksum, ErrTooLarge or
// ErrCorrupt, or are r's read errors.
func Decode(r io.Reader, maxBytes int64) (*Checkpoint, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	var h [headerSize]byte
	n, err := io.ReadFull(r, h[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if k := min(n, len(Magic)); string(h[:k]) != Magic[:k] {
		return nil, fmt.Errorf("%w: starts with %q, want %q", ErrBadMagic, h[:k], Magic)
	}
	if n < headerSize {
		return nil, fmt.Errorf("%w: %d bytes, the header alone is %d", ErrTruncated, n, headerSize)
	}
	version, payloadLen, compLen, err := checkHeader(h[:], uint64(maxBytes))
	if err != nil {
		return nil, err
	}
	want := int(compLen) + sumSize
	body, err := readUpTo(r, want+1) // one more to detect trailing data
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(body) < want {
		return nil, fmt.Errorf("%w: the header declares %d bytes after it (%d compressed + %d checksum), there are %d",
			ErrTruncated, want, compLen, sumSize, len(body))
	}
	if len(body) > want {
		return nil, fmt.Errorf("%w: data after the checksum (the header declares %d compressed bytes)", ErrCorrupt, compLen)
	}
	sum := sha256.New()
	sum.Write(h[:])
	sum.Write(body[:compLen])
	if got := sum.Sum(nil); !bytes.Equal(got, body[compLen:]) {
		return nil, fmt.Errorf("%w: SHA-256 of header and data is %x, the file records %x", ErrChecksum, got, body[compLen:])
	}
	payload, err := decompress(body[:compLen], int(payloadLen))
	if err != nil {
		return nil, err
	}
	c, err := decodePayload(payload, version)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return c, nil
}

// checkHeader checks a full header after its magic and returns the format
// version, U and C, bounded by maxBytes, by MaxRatio and by the address
// space.
func checkHeader(h []byte, maxBytes uint64) (version uint32, payloadLen, compLen uint64, err error) {
	if version = binary.LittleEndian.Uint32(h[8:]); version < MinVersion || version > Version {
		return 0, 0, 0, fmt.Errorf("%w %d (this build reads versions %d to %d)", ErrVersion, version, MinVersion, Version)
	}
	if f := binary.LittleEndian.Uint32(h[12:]); f != 0 {
		return 0, 0, 0, fmt.Errorf("%w: flags %#x, version %d defines none", ErrCorrupt, f, version)
	}
	payloadLen = binary.LittleEndian.Uint64(h[16:])
	compLen = binary.LittleEndian.Uint64(h[24:])
	limit := min(maxBytes, uint64(math.MaxInt)-2*sumSize)
	switch {
	case compLen > limit:
		return 0, 0, 0, fmt.Errorf("%w: compressed section of %d bytes, the limit is %d", ErrTooLarge, compLen, limit)
	case payloadLen > limit:
		return 0, 0, 0, fmt.Errorf("%w: payload of %d bytes, the limit is %d", ErrTooLarge, payloadLen, limit)
	case (payloadLen+MaxRatio-1)/MaxRatio > compLen:
		return 0, 0, 0, fmt.Errorf("%w: a payload of %d bytes from %d compressed bytes exceeds the ratio %d",
			ErrTooLarge, payloadLen, compLen, MaxRatio)
	case payloadLen < 4:
		return 0, 0, 0, fmt.Errorf("%w: payload of %d bytes, want at least 4", ErrCorrupt, payloadLen)
	}
	return version, payloadLen, compLen, nil
}

// readUpTo reads until n bytes or the end of r, growing its buffer with the
// data that arrives rather than allocating n up front.
func readUpTo(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 64<<10))
	for empty := 0; len(buf) < n; {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, min(n, 2*cap(buf))-len(buf))...)[:len(buf)]
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if empty = empty + 1; k > 0 {
			empty = 0
		} else if empty >= 100 {
			return nil, io.ErrNoProgress
		}
	}
	return buf, nil
}

// decompress decodes the compressed section into exactly payloadLen bytes.
func decompress(comp []byte, payloadLen int) ([]byte, error) {
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(uint64(max(payloadLen, 64<<10))),
		zstd.WithDecoderMaxWindow(maxWindow),
		zstd.WithDecodeAllCapLimit(true))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	defer dec.Close()
	out, err := dec.DecodeAll(comp, make([]byte, 0, payloadLen))
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) {
			return nil, fmt.Errorf("%w: the compressed data decodes to more than the %d bytes the header declares", ErrCorrupt, payloadLen)
		}
		return nil, fmt.Errorf("%w: zstd: %v", ErrCorrupt, err)
	}
	if len(out) != payloadLen {
		return nil, fmt.Errorf("%w: the compressed data decodes to %d bytes, the header declares %d", ErrCorrupt, len(out), payloadLen)
	}
	return out, nil
}

// decodePayload parses the manifest and the tensor data of a file of the
// given format version.
func decodePayload(p []byte, version uint32) (*Checkpoint, error) {
	if len(p) < 4 {
		return nil, fmt.Errorf("payload of %d bytes, want at least 4", len(p))
	}
	mlen := uint64(binary.LittleEndian.Uint32(p))
	if mlen > uint64(len(p)-4) {
		return nil, fmt.Errorf("manifest length %d exceeds the %d bytes of payload after it", mlen, len(p)-4)
	}
	m, err := parseManifest(p[4 : 4+mlen])
	if err != nil {
		return nil, err
	}
	data := p[4+mlen:]
	var pre Preprocessing
	switch {
	case version == 1 && m.Preprocess != nil:
		return nil, fmt.Errorf("manifest: a preprocess entry in a version-1 file (it came with version 2)")
	case version >= 2 && m.Preprocess == nil:
		return nil, fmt.Errorf("manifest: no preprocess entry (format version %d has one)", version)
	case m.Preprocess != nil:
		if pre, err = m.Preprocess.preprocessing(); err != nil {
			return nil, err
		}
	}
	c := &Checkpoint{
		Geometry:   m.Geometry.geometry(),
		Preprocess: pre,
		Train: TrainState{
			Epoch: m.Train.Epoch, Iteration: m.Train.Iteration,
			Seed: m.Train.Seed, RNGCounter: m.Train.RNGCounter,
			BestValMSE: float64(m.Train.BestValMSE), BestEpoch: m.Train.BestEpoch,
			Threshold: float64(m.Train.Threshold),
		},
		Meta: m.Meta,
	}
	if err := c.readTensors(m, data); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseManifest decodes the manifest JSON strictly: unknown fields and data
// after the object are errors.
func parseManifest(b []byte) (*manifest, error) {
	var m manifest
	if err := strictjson.Decode(b, &m); err != nil {
		return nil, fmt.Errorf("manifest: %v", err)
	}
	return &m, nil
}

// readTensors fills c.Tensors and c.Adam from the manifest's tensor list and
// the tensor data, checking every shape against the data left before
// allocating.
func (c *Checkpoint) readTensors(m *manifest, data []byte) error {
	shapes := map[string][]int{} // params by name
	byName := map[string]bool{}
	adam := map[string]*Adam{}
	adamShapes := map[string][][]int{}
	var adamOrder []string
	var off int64
	for i, t := range m.Tensors {
		if t.Offset != off {
			return fmt.Errorf("tensor %d %q: offset %d, want %d (the end of the tensor before)", i, t.Name, t.Offset, off)
		}
		left := (int64(len(data)) - off) / 4
		n, err := Numel(t.Shape, left)
		if err != nil {
			return fmt.Errorf("tensor %d %q: %v (%d values of tensor data left)", i, t.Name, err, left)
		}
		vals := floats(data[off : off+4*n])
		off += 4 * n
		switch t.Role {
		case roleParam, roleState:
			if byName[t.Name] {
				return fmt.Errorf("tensor %d %q: the name appears twice", i, t.Name)
			}
			byName[t.Name] = true
			role := graph.State
			if t.Role == roleParam {
				role = graph.Param
				shapes[t.Name] = t.Shape
			}
			c.Tensors = append(c.Tensors, Tensor{Name: t.Name, Role: role, Shape: cloneInts(t.Shape), Data: vals})
		case roleAdamM, roleAdamV:
			a := adam[t.Name]
			if a == nil {
				a = &Adam{Name: t.Name}
				adam[t.Name] = a
				adamOrder = append(adamOrder, t.Name)
			}
			dst := &a.M
			if t.Role == roleAdamV {
				dst = &a.V
			}
			if *dst != nil {
				return fmt.Errorf("tensor %d %q: a second %s", i, t.Name, t.Role)
			}
			*dst = vals
			adamShapes[t.Name] = append(adamShapes[t.Name], t.Shape)
		default:
			return fmt.Errorf("tensor %d %q: role %q, want param, state, adam_m or adam_v", i, t.Name, t.Role)
		}
	}
	if off != int64(len(data)) {
		return fmt.Errorf("%d bytes of tensor data after the last tensor", int64(len(data))-off)
	}
	for _, name := range adamOrder {
		a := adam[name]
		ps, ok := shapes[name]
		if !ok {
			return fmt.Errorf("adam state of %q: no param of that name", name)
		}
		if a.M == nil || a.V == nil {
			return fmt.Errorf("adam state of %q: only one of adam_m and adam_v", name)
		}
		for _, s := range adamShapes[name] {
			if !slices.Equal(s, ps) {
				return fmt.Errorf("adam state of %q: moments of shape %v, the param has %v", name, s, ps)
			}
		}
		steps, ok := m.AdamSteps[name]
		if !ok {
			return fmt.Errorf("adam state of %q: no adam_steps entry", name)
		}
		a.Steps = steps
		c.Adam = append(c.Adam, *a)
	}
	for name := range m.AdamSteps {
		if adam[name] == nil {
			return fmt.Errorf("adam_steps names %q, which has no moments", name)
		}
	}
	return nil
}

// floats decodes little-endian float32 bits.
func floats(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
