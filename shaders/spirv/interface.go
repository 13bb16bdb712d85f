package spirv

import (
	"fmt"
	"sort"
)

// Access is how a shader may use a descriptor binding, from its decorations.
type Access uint8

// Access bits: a binding decorated NonWritable is Read, NonReadable is Write,
// neither is Read|Write.
const (
	Read  Access = 1
	Write Access = 2
)

func (a Access) String() string {
	switch a {
	case Read:
		return "read"
	case Write:
		return "write"
	case Read | Write:
		return "read-write"
	}
	return "no access"
}

// Kind is what a descriptor binding holds.
type Kind uint8

// Binding kinds.
const (
	StorageBuffer Kind = iota + 1 // a buffer block in StorageBuffer (or Uniform with BufferBlock)
	UniformBuffer                 // a Block in the Uniform storage class
	Opaque                        // an image, sampler or other UniformConstant
)

func (k Kind) String() string {
	switch k {
	case StorageBuffer:
		return "storage buffer"
	case UniformBuffer:
		return "uniform buffer"
	case Opaque:
		return "image or sampler"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Binding is one descriptor binding a module declares. Variables that alias the
// same set and binding (a float and a vec4 view of one buffer) are merged, their
// accesses joined.
type Binding struct {
	Set, Binding uint32
	Kind         Kind
	Access       Access
}

// Interface is what a module expects from the pipeline that runs it.
type Interface struct {
	// Bindings are sorted by set, then binding.
	Bindings []Binding
	// PushBytes is the end of the push-constant block: the largest member
	// Offset plus that member's size (0 with no block). Trailing padding to
	// the block's alignment is not included.
	PushBytes uint32
	// SpecIDs are the SpecId decorations, sorted and distinct.
	SpecIDs []uint32
}

// Interface reads the module's descriptor bindings, push-constant block size
// and specialization constant ids.
func (m *Module) Interface() (Interface, error) {
	var itf Interface
	byKey := map[[2]uint32]int{}
	for _, v := range m.vars {
		ptr, id, class := v[1], v[2], v[3]
		pt := m.insts[ptr]
		if len(pt) < 4 {
			return itf, fmt.Errorf("SPIR-V: variable %%%d has no pointer type", id)
		}
		pointee := m.insts[pt[3]]
		if class == scPushConstant {
			if itf.PushBytes != 0 {
				return itf, fmt.Errorf("SPIR-V: more than one push-constant block")
			}
			n, err := m.layoutSize(pt[3])
			if err != nil {
				return itf, fmt.Errorf("SPIR-V: push-constant block %%%d: %w", id, err)
			}
			itf.PushBytes = uint32(n)
			continue
		}
		if class != scStorageBuffer && class != scUniform && class != scUniformConstant {
			continue
		}
		set, okSet := m.decoration(id, decDescriptorSet)
		bind, okBind := m.decoration(id, decBinding)
		if !okSet || !okBind || len(set) == 0 || len(bind) == 0 {
			return itf, fmt.Errorf("SPIR-V: resource variable %%%d lacks a DescriptorSet or Binding decoration", id)
		}
		b := Binding{Set: set[0], Binding: bind[0], Kind: Opaque, Access: m.access(id, pointee)}
		if _, ok := m.decoration(pt[3], decBufferBlock); class == scStorageBuffer || (class == scUniform && ok) {
			b.Kind = StorageBuffer
		} else if class == scUniform {
			b.Kind = UniformBuffer
		}
		key := [2]uint32{b.Set, b.Binding}
		if i, ok := byKey[key]; ok {
			if itf.Bindings[i].Kind != b.Kind {
				return itf, fmt.Errorf("SPIR-V: set %d binding %d is declared both %s and %s", b.Set, b.Binding, itf.Bindings[i].Kind, b.Kind)
			}
			itf.Bindings[i].Access |= b.Access
			continue
		}
		byKey[key] = len(itf.Bindings)
		itf.Bindings = append(itf.Bindings, b)
	}
	sort.Slice(itf.Bindings, func(i, j int) bool {
		a, b := itf.Bindings[i], itf.Bindings[j]
		return a.Set < b.Set || a.Set == b.Set && a.Binding < b.Binding
	})
	seen := map[uint32]bool{}
	for _, sid := range m.specID {
		if !seen[sid] {
			seen[sid] = true
			itf.SpecIDs = append(itf.SpecIDs, sid)
		}
	}
	sort.Slice(itf.SpecIDs, func(i, j int) bool { return itf.SpecIDs[i] < itf.SpecIDs[j] })
	return itf, nil
}

// access is how variable id, of the given pointee type instruction, may be
// used: NonWritable / NonReadable on the variable, or on every member of its
// block, remove Write / Read.
func (m *Module) access(id uint32, pointee []uint32) Access {
	has := func(d uint32) bool {
		if _, ok := m.decoration(id, d); ok {
			return true
		}
		if len(pointee) < 3 || pointee[0]&0xffff != opTypeStruct {
			return false
		}
		for i := range pointee[2:] {
			if _, ok := m.memberDecoration(pointee[1], uint32(i), d); !ok {
				return false
			}
		}
		return true
	}
	a := Read | Write
	if has(decNonWritable) {
		a &^= Write
	}
	if has(decNonReadable) {
		a &^= Read
	}
	return a
}

// layoutSize is the bytes a value of type id spans under its explicit layout
// (Offset, ArrayStride and MatrixStride decorations): for a struct, the end of
// its last-ending member.
func (m *Module) layoutSize(id uint32) (uint64, error) {
	in, ok := m.insts[id]
	if !ok {
		return 0, fmt.Errorf("%%%d is not a type", id)
	}
	ev := eval{m: m, memo: map[uint32][]uint32{}}
	switch in[0] & 0xffff {
	case opTypeBool, opTypeInt, opTypeFloat, opTypeVector:
		return ev.size(id)
	case opTypeMatrix:
		return 0, fmt.Errorf("matrix %%%d outside a struct member has no MatrixStride", id)
	case opTypeArray:
		stride, ok := m.decoration(id, decArrayStride)
		if !ok || len(stride) == 0 || len(in) < 4 {
			return 0, fmt.Errorf("array %%%d has no ArrayStride", id)
		}
		n, err := ev.scalar(in[3])
		if err != nil {
			return 0, fmt.Errorf("array %%%d length: %w", id, err)
		}
		return uint64(stride[0]) * uint64(n), nil
	case opTypeStruct:
		var end uint64
		for i, mt := range in[2:] {
			off, ok := m.memberDecoration(id, uint32(i), decOffset)
			if !ok || len(off) == 0 {
				return 0, fmt.Errorf("member %d of struct %%%d has no Offset", i, id)
			}
			sz, err := m.memberSize(id, uint32(i), mt)
			if err != nil {
				return 0, fmt.Errorf("member %d of struct %%%d: %w", i, id, err)
			}
			if e := uint64(off[0]) + sz; e > end {
				end = e
			}
		}
		return end, nil
	case opTypeRuntimeArray:
		return 0, fmt.Errorf("runtime array %%%d has no size", id)
	}
	return 0, fmt.Errorf("type %%%d (opcode %d) has no size", id, in[0]&0xffff)
}

// memberSize is layoutSize for member i, of type mt, of struct s (a matrix
// member takes its MatrixStride and RowMajor from the struct).
func (m *Module) memberSize(s, i, mt uint32) (uint64, error) {
	in := m.insts[mt]
	if len(in) >= 4 && in[0]&0xffff == opTypeMatrix {
		stride, ok := m.memberDecoration(s, i, decMatrixStride)
		if !ok || len(stride) == 0 {
			return 0, fmt.Errorf("matrix member has no MatrixStride")
		}
		vectors := uint64(in[3]) // columns
		if _, rowMajor := m.memberDecoration(s, i, decRowMajor); rowMajor {
			col := m.insts[in[2]]
			if len(col) < 4 {
				return 0, fmt.Errorf("matrix column type %%%d is not a vector", in[2])
			}
			vectors = uint64(col[3])
		}
		return uint64(stride[0]) * vectors, nil
	}
	return m.layoutSize(mt)
}
