package weights

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// Errors that Decode, ReadFile and the tensor accessors wrap.
var (
	// ErrFormat: the data is not a well-formed safetensors file (header
	// length, JSON, shapes or offsets out of bounds or inconsistent).
	ErrFormat = errors.New("malformed safetensors file")
	// ErrDType: a tensor has a dtype this package does not convert.
	ErrDType = errors.New("unsupported safetensors dtype")
	// ErrMissing: a tensor that is needed is not in the file.
	ErrMissing = errors.New("tensor missing from safetensors file")
)

// MaxHeaderBytes is the largest JSON header Decode accepts (the limit of
// the reference safetensors implementation).
const MaxHeaderBytes = 100 << 20

// DefaultMaxFileBytes is the largest file ReadFile accepts.
const DefaultMaxFileBytes = 4 << 30

// maxRank is the largest tensor rank Decode accepts.
const maxRank = 8

// dtypeSize is the element size of every dtype the format defines.
var dtypeSize = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// Tensor is one float32 tensor to write: row-major data of product(Shape)
// values.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// File is a decoded safetensors file: its entries, by name, and its
// metadata. The tensor bytes are views into the decoded data.
type File struct {
	Metadata map[string]string
	entries  map[string]entry
	names    []string
}

type entry struct {
	dtype string
	shape []int
	data  []byte
}

type headerEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// Encode returns the safetensors encoding of tensors, in the given order,
// with meta as __metadata__. The header is padded with spaces to a multiple
// of 8 bytes so that the data is aligned.
func Encode(tensors []Tensor, meta map[string]string) ([]byte, error) {
	header := make(map[string]any, len(tensors)+1)
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off int64
	for _, t := range tensors {
		if t.Name == "" || t.Name == "__metadata__" {
			return nil, fmt.Errorf("weights: encode: tensor name %q not allowed", t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return nil, fmt.Errorf("weights: encode: tensor %q twice", t.Name)
		}
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("weights: encode: tensor %q: shape %v wants %d values, has %d", t.Name, t.Shape, n, len(t.Data))
		}
		end := off + 4*int64(n)
		header[t.Name] = headerEntry{DType: "F32", Shape: slices.Clone(t.Shape), DataOffsets: [2]int64{off, end}}
		off = end
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("weights: encode: header: %w", err)
	}
	if pad := (8 - len(h)%8) % 8; pad > 0 {
		h = append(h, strings.Repeat(" ", pad)...)
	}
	out := make([]byte, 8, 8+int64(len(h))+off)
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	for _, t := range tensors {
		for _, v := range t.Data {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	return out, nil
}

// ReadFile reads and decodes the safetensors file at path, refusing one of
// more than maxBytes bytes (DefaultMaxFileBytes if maxBytes <= 0) and
// anything but a regular file. Errors name the path.
func ReadFile(path string, maxBytes int64) (*File, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxFileBytes
	}
	data, err := boundedfile.Read(path, maxBytes)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	f, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Decode parses a safetensors file held in data. Every size is checked
// against len(data) before it is used: the header length, and for each
// tensor its dtype, rank, shape and data offsets, which must lie in the
// data section, match the dtype and shape, and not overlap.
func Decode(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("weights: %w: %d bytes, shorter than the 8-byte header length", ErrFormat, len(data))
	}
	hlen := binary.LittleEndian.Uint64(data)
	if hlen > MaxHeaderBytes || hlen > uint64(len(data)-8) {
		return nil, fmt.Errorf("weights: %w: header length %d, the file has %d bytes after it (at most %d accepted)",
			ErrFormat, hlen, len(data)-8, MaxHeaderBytes)
	}
	body := data[8+hlen:]
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+hlen], &raw); err != nil {
		return nil, fmt.Errorf("weights: %w: header JSON: %v", ErrFormat, err)
	}
	f := &File{entries: make(map[string]entry, len(raw))}
	type span struct {
		name       string
		begin, end int64
	}
	var spans []span
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.Metadata); err != nil {
				return nil, fmt.Errorf("weights: %w: __metadata__ must map strings to strings: %v", ErrFormat, err)
			}
			continue
		}
		var h headerEntry
		dec := json.NewDecoder(strings.NewReader(string(msg)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&h); err != nil {
			return nil, fmt.Errorf("weights: %w: tensor %q: %v", ErrFormat, name, err)
		}
		size, ok := dtypeSize[h.DType]
		if !ok {
			return nil, fmt.Errorf("weights: %w: tensor %q: unknown dtype %q", ErrFormat, name, h.DType)
		}
		if len(h.Shape) > maxRank {
			return nil, fmt.Errorf("weights: %w: tensor %q: rank %d, at most %d accepted", ErrFormat, name, len(h.Shape), maxRank)
		}
		n := int64(size)
		for _, d := range h.Shape {
			if d < 0 {
				return nil, fmt.Errorf("weights: %w: tensor %q: negative dimension in shape %v", ErrFormat, name, h.Shape)
			}
			if d > 0 && n > int64(len(body))/int64(d) {
				return nil, fmt.Errorf("weights: %w: tensor %q: shape %v is larger than the file", ErrFormat, name, h.Shape)
			}
			n *= int64(d)
		}
		b, e := h.DataOffsets[0], h.DataOffsets[1]
		if b < 0 || e < b || e > int64(len(body)) {
			return nil, fmt.Errorf("weights: %w: tensor %q: data offsets [%d, %d] outside the %d data bytes", ErrFormat, name, b, e, len(body))
		}
		if e-b != n {
			return nil, fmt.Errorf("weights: %w: tensor %q: data offsets [%d, %d] hold %d bytes, %s %v needs %d",
				ErrFormat, name, b, e, e-b, h.DType, h.Shape, n)
		}
		f.entries[name] = entry{dtype: h.DType, shape: h.Shape, data: body[b:e:e]}
		f.names = append(f.names, name)
		spans = append(spans, span{name, b, e})
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.begin != b.begin {
			return int(a.begin - b.begin)
		}
		return int(a.end - b.end)
	})
	for i := 1; i < len(spans); i++ {
		if p, s := spans[i-1], spans[i]; s.begin < p.end {
			return nil, fmt.Errorf("weights: %w: tensors %q and %q overlap", ErrFormat, p.name, s.name)
		}
	}
	slices.Sort(f.names)
	return f, nil
}

// Names returns the names of the file's tensors, sorted.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Shape returns the shape of the named tensor, or an error wrapping
// ErrMissing.
func (f *File) Shape(name string) ([]int, error) {
	e, ok := f.entries[name]
	if !ok {
		return nil, fmt.Errorf("weights: %w: %q", ErrMissing, name)
	}
	return slices.Clone(e.shape), nil
}

// Float32 returns the values of the named tensor, converted from F32 or
// F16. Another dtype is an error wrapping ErrDType, an absent tensor one
// wrapping ErrMissing; both name the tensor.
func (f *File) Float32(name string) ([]float32, error) {
	e, ok := f.entries[name]
	if !ok {
		return nil, fmt.Errorf("weights: %w: %q", ErrMissing, name)
	}
	switch e.dtype {
	case "F32":
		out := make([]float32, len(e.data)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(e.data[4*i:]))
		}
		return out, nil
	case "F16":
		out := make([]float32, len(e.data)/2)
		for i := range out {
			out[i] = halfToFloat(binary.LittleEndian.Uint16(e.data[2*i:]))
		}
		return out, nil
	}
	return nil, fmt.Errorf("weights: %w: tensor %q is %s, want F32 or F16", ErrDType, name, e.dtype)
}

// halfToFloat converts IEEE 754 binary16 bits to a float32.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
