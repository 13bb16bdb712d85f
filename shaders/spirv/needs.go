package spirv

import "fmt"

// Needs is what a compute shader asks of the device once its specialization
// constants are applied.
type Needs struct {
	// Local is the workgroup size (x, y, z).
	Local [3]uint32
	// SharedBytes is the size of the Workgroup storage-class variables that the
	// shader's functions use, each value's size summed (vectors and arrays packed).
	SharedBytes uint64
}

// intOps are the OpSpecConstantOp operations evaluated on 32-bit integers
// (the ones array lengths derived from the workgroup size use).
var intOps = map[uint32]func(a, b uint32) (uint32, bool){
	128: func(a, b uint32) (uint32, bool) { return a + b, true },         // OpIAdd
	130: func(a, b uint32) (uint32, bool) { return a - b, true },         // OpISub
	132: func(a, b uint32) (uint32, bool) { return a * b, true },         // OpIMul
	134: func(a, b uint32) (uint32, bool) { return a / b, b != 0 },       // OpUDiv
	137: func(a, b uint32) (uint32, bool) { return a % b, b != 0 },       // OpUMod
	194: func(a, b uint32) (uint32, bool) { return a >> (b & 31), true }, // OpShiftRightLogical
	196: func(a, b uint32) (uint32, bool) { return a << (b & 31), true }, // OpShiftLeftLogical
	197: func(a, b uint32) (uint32, bool) { return a | b, true },         // OpBitwiseOr
	199: func(a, b uint32) (uint32, bool) { return a & b, true },         // OpBitwiseAnd
}

// Needs reads the workgroup size and the shared memory of the module, with
// specialization constant id i set to spec[i] (others at their defaults).
func (m *Module) Needs(spec []uint32) (Needs, error) {
	ev := eval{m: m, spec: spec, memo: map[uint32][]uint32{}}
	var n Needs
	switch {
	case m.wgSizeID != 0:
		v, err := ev.value(m.wgSizeID)
		if err != nil {
			return n, fmt.Errorf("SPIR-V workgroup size: %w", err)
		}
		if len(v) != 3 {
			return n, fmt.Errorf("SPIR-V workgroup size has %d components; want 3", len(v))
		}
		copy(n.Local[:], v)
	case m.localIDs[0] != 0:
		for i, id := range m.localIDs {
			v, err := ev.scalar(id)
			if err != nil {
				return n, fmt.Errorf("SPIR-V LocalSizeId: %w", err)
			}
			n.Local[i] = v
		}
	default:
		n.Local = m.localSize
	}
	for _, v := range m.vars {
		if v[3] != scWorkgroup || !m.used[v[2]] {
			continue
		}
		p := m.insts[v[1]]
		if len(p) < 4 {
			return n, fmt.Errorf("SPIR-V: Workgroup variable %%%d has no pointer type", v[2])
		}
		sz, err := ev.size(p[3])
		if err != nil {
			return n, fmt.Errorf("SPIR-V: size of Workgroup variable %%%d: %w", v[2], err)
		}
		n.SharedBytes += sz
	}
	return n, nil
}

// eval evaluates constants and type sizes of one module under one set of
// specialization constants.
type eval struct {
	m    *Module
	spec []uint32
	memo map[uint32][]uint32
}

// scalar is value for a one-component constant.
func (e *eval) scalar(id uint32) (uint32, error) {
	v, err := e.value(id)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("constant %%%d has %d components; want a scalar", id, len(v))
	}
	return v[0], nil
}

// value returns the 32-bit components of constant id (booleans as 0 or 1).
func (e *eval) value(id uint32) ([]uint32, error) {
	if v, ok := e.memo[id]; ok {
		return v, nil
	}
	in, ok := e.m.insts[id]
	if !ok {
		return nil, fmt.Errorf("%%%d is not a constant", id)
	}
	op := in[0] & 0xffff
	sid, isSpec := e.m.specID[id]
	override := isSpec && int(sid) < len(e.spec)
	var v []uint32
	switch op {
	case opConstantTrue, opSpecConstantTrue:
		v = []uint32{1}
	case opConstantFalse, opSpecConstantFalse:
		v = []uint32{0}
	case opConstant, opSpecConstant:
		if len(in) < 4 {
			return nil, fmt.Errorf("constant %%%d has no value", id)
		}
		v = []uint32{in[3]}
	case opConstantComposite, opSpecConstantComp:
		for _, c := range in[3:] {
			cv, err := e.value(c)
			if err != nil {
				return nil, err
			}
			v = append(v, cv...)
		}
	case opSpecConstantOp:
		var err error
		if v, err = e.specOp(id, in); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%%%d is not a constant", id)
	}
	if override && len(v) == 1 {
		v = []uint32{e.spec[sid]}
		if op == opSpecConstantTrue || op == opSpecConstantFalse {
			v[0] = b2u(e.spec[sid] != 0)
		}
	}
	e.memo[id] = v
	return v, nil
}

// specOp evaluates an OpSpecConstantOp: CompositeExtract and the intOps.
func (e *eval) specOp(id uint32, in []uint32) ([]uint32, error) {
	if len(in) < 5 {
		return nil, fmt.Errorf("OpSpecConstantOp %%%d is truncated", id)
	}
	code := in[3]
	if code == opCompositeExtract {
		if len(in) != 6 {
			return nil, fmt.Errorf("OpSpecConstantOp %%%d: CompositeExtract with %d indices; want 1", id, len(in)-5)
		}
		c, err := e.value(in[4])
		if err != nil {
			return nil, err
		}
		if int(in[5]) >= len(c) {
			return nil, fmt.Errorf("OpSpecConstantOp %%%d: index %d of a %d-component constant", id, in[5], len(c))
		}
		return []uint32{c[in[5]]}, nil
	}
	f, ok := intOps[code]
	if !ok || len(in) != 6 {
		return nil, fmt.Errorf("OpSpecConstantOp %%%d: operation %d is not evaluated", id, code)
	}
	a, err := e.scalar(in[4])
	if err != nil {
		return nil, err
	}
	b, err := e.scalar(in[5])
	if err != nil {
		return nil, err
	}
	r, ok := f(a, b)
	if !ok {
		return nil, fmt.Errorf("OpSpecConstantOp %%%d: division by zero", id)
	}
	return []uint32{r}, nil
}

// size is the bytes a value of type id occupies, packed.
func (e *eval) size(id uint32) (uint64, error) {
	in, ok := e.m.insts[id]
	if !ok {
		return 0, fmt.Errorf("%%%d is not a type", id)
	}
	switch in[0] & 0xffff {
	case opTypeBool:
		return 4, nil
	case opTypeInt, opTypeFloat:
		if len(in) < 3 {
			return 0, fmt.Errorf("type %%%d has no width", id)
		}
		return uint64(in[2]) / 8, nil
	case opTypeVector, opTypeMatrix, opTypeArray:
		if len(in) < 4 {
			return 0, fmt.Errorf("type %%%d is truncated", id)
		}
		elem, err := e.size(in[2])
		if err != nil {
			return 0, err
		}
		count := uint64(in[3])
		if in[0]&0xffff == opTypeArray {
			c, err := e.scalar(in[3])
			if err != nil {
				return 0, fmt.Errorf("array length: %w", err)
			}
			count = uint64(c)
		}
		return elem * count, nil
	case opTypeStruct:
		var total uint64
		for _, mt := range in[2:] {
			s, err := e.size(mt)
			if err != nil {
				return 0, err
			}
			total += s
		}
		return total, nil
	default:
		return 0, fmt.Errorf("type %%%d (opcode %d) has no size", id, in[0]&0xffff)
	}
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
