package vk

import "fmt"

// shaderNeeds is what a compute shader asks of the device once its
// specialization constants are applied.
type shaderNeeds struct {
	// Local is the workgroup size (x, y, z).
	Local [3]uint32
	// SharedBytes is the size of the Workgroup storage-class variables that the
	// shader's functions use, each value's size summed (vectors and arrays packed).
	SharedBytes uint64
}

// SPIR-V opcodes, decorations and enumerants read by spirvNeeds.
const (
	spvOpExecutionMode       = 16
	spvOpTypeBool            = 20
	spvOpTypeInt             = 21
	spvOpTypeFloat           = 22
	spvOpTypeVector          = 23
	spvOpTypeMatrix          = 24
	spvOpTypeArray           = 28
	spvOpTypeStruct          = 30
	spvOpTypePointer         = 32
	spvOpConstantTrue        = 41
	spvOpConstantFalse       = 42
	spvOpConstant            = 43
	spvOpConstantComposite   = 44
	spvOpSpecConstantTrue    = 48
	spvOpSpecConstantFalse   = 49
	spvOpSpecConstant        = 50
	spvOpSpecConstantComp    = 51
	spvOpSpecConstantOp      = 52
	spvOpFunction            = 54
	spvOpVariable            = 59
	spvOpDecorate            = 71
	spvOpCompositeExtract    = 81
	spvDecorationSpecID      = 1
	spvDecorationBuiltIn     = 11
	spvBuiltInWorkgroupSize  = 25
	spvStorageClassWorkgroup = 4
	spvModeLocalSize         = 17
	spvModeLocalSizeID       = 38
)

// spvIntOps are the OpSpecConstantOp operations spirvNeeds evaluates on 32-bit
// integers (the ones array lengths derived from the workgroup size use).
var spvIntOps = map[uint32]func(a, b uint32) (uint32, bool){
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

// spvModule is the part of a module spirvNeeds looks at.
type spvModule struct {
	specID    map[uint32]uint32   // result id -> SpecId
	wgSizeID  uint32              // the constant decorated BuiltIn WorkgroupSize, 0 if none
	insts     map[uint32][]uint32 // result id -> its declaring instruction (type and constant ops)
	vars      []uint32            // Workgroup variables' pointer types
	varIDs    []uint32            // and their ids
	used      map[uint32]bool     // ids that appear as operands inside functions
	localSize [3]uint32           // from OpExecutionMode LocalSize
	localIDs  [3]uint32           // from OpExecutionMode LocalSizeId, 0 if absent
}

// spirvNeeds reads the workgroup size and the shared memory of a compute
// shader, with specialization constant id i set to spec[i] (others at their
// defaults).
func spirvNeeds(words []uint32, spec []uint32) (shaderNeeds, error) {
	m, err := parseSPIRV(words)
	if err != nil {
		return shaderNeeds{}, err
	}
	ev := spvEval{m: m, spec: spec, memo: map[uint32][]uint32{}}
	var n shaderNeeds
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
	for i, pt := range m.vars {
		if !m.used[m.varIDs[i]] {
			continue
		}
		p := m.insts[pt]
		if len(p) < 4 {
			return n, fmt.Errorf("SPIR-V: Workgroup variable %%%d has no pointer type", m.varIDs[i])
		}
		sz, err := ev.size(p[3])
		if err != nil {
			return n, fmt.Errorf("SPIR-V: size of Workgroup variable %%%d: %w", m.varIDs[i], err)
		}
		n.SharedBytes += sz
	}
	return n, nil
}

// parseSPIRV indexes the declarations spirvNeeds evaluates.
func parseSPIRV(words []uint32) (*spvModule, error) {
	if len(words) < 5 || words[0] != 0x07230203 {
		return nil, fmt.Errorf("not a SPIR-V module")
	}
	m := &spvModule{specID: map[uint32]uint32{}, insts: map[uint32][]uint32{}, used: map[uint32]bool{}}
	inFunctions := false
	for i := 5; i < len(words); {
		n, op := int(words[i]>>16), words[i]&0xffff
		if n == 0 || i+n > len(words) {
			return nil, fmt.Errorf("SPIR-V instruction at word %d has length %d; the module has %d words", i, n, len(words))
		}
		in := words[i : i+n]
		i += n
		if op == spvOpFunction {
			inFunctions = true
		}
		if inFunctions {
			for _, w := range in[1:] {
				m.used[w] = true
			}
			continue
		}
		switch op {
		case spvOpExecutionMode:
			if len(in) >= 6 && in[2] == spvModeLocalSize {
				copy(m.localSize[:], in[3:6])
			}
			if len(in) >= 6 && in[2] == spvModeLocalSizeID {
				copy(m.localIDs[:], in[3:6])
			}
		case spvOpDecorate:
			if len(in) >= 4 && in[2] == spvDecorationSpecID {
				m.specID[in[1]] = in[3]
			}
			if len(in) >= 4 && in[2] == spvDecorationBuiltIn && in[3] == spvBuiltInWorkgroupSize {
				m.wgSizeID = in[1]
			}
		case spvOpTypeBool, spvOpTypeInt, spvOpTypeFloat, spvOpTypeVector, spvOpTypeMatrix,
			spvOpTypeArray, spvOpTypeStruct, spvOpTypePointer:
			if len(in) >= 2 {
				m.insts[in[1]] = in
			}
		case spvOpConstantTrue, spvOpConstantFalse, spvOpConstant, spvOpConstantComposite,
			spvOpSpecConstantTrue, spvOpSpecConstantFalse, spvOpSpecConstant, spvOpSpecConstantComp,
			spvOpSpecConstantOp:
			if len(in) >= 3 {
				m.insts[in[2]] = in
			}
		case spvOpVariable:
			if len(in) >= 4 && in[3] == spvStorageClassWorkgroup {
				m.vars = append(m.vars, in[1])
				m.varIDs = append(m.varIDs, in[2])
			}
		}
	}
	return m, nil
}

// spvEval evaluates constants and type sizes of one module under one set of
// specialization constants.
type spvEval struct {
	m    *spvModule
	spec []uint32
	memo map[uint32][]uint32
}

// scalar is value for a one-component constant.
func (e *spvEval) scalar(id uint32) (uint32, error) {
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
func (e *spvEval) value(id uint32) ([]uint32, error) {
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
	case spvOpConstantTrue, spvOpSpecConstantTrue:
		v = []uint32{1}
	case spvOpConstantFalse, spvOpSpecConstantFalse:
		v = []uint32{0}
	case spvOpConstant, spvOpSpecConstant:
		if len(in) < 4 {
			return nil, fmt.Errorf("constant %%%d has no value", id)
		}
		v = []uint32{in[3]}
	case spvOpConstantComposite, spvOpSpecConstantComp:
		for _, c := range in[3:] {
			cv, err := e.value(c)
			if err != nil {
				return nil, err
			}
			v = append(v, cv...)
		}
	case spvOpSpecConstantOp:
		var err error
		if v, err = e.specOp(id, in); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%%%d is not a constant", id)
	}
	if override && len(v) == 1 {
		v = []uint32{e.spec[sid]}
		if op == spvOpSpecConstantTrue || op == spvOpSpecConstantFalse {
			v[0] = b2u(e.spec[sid] != 0)
		}
	}
	e.memo[id] = v
	return v, nil
}

// specOp evaluates an OpSpecConstantOp: CompositeExtract and the spvIntOps.
func (e *spvEval) specOp(id uint32, in []uint32) ([]uint32, error) {
	if len(in) < 5 {
		return nil, fmt.Errorf("OpSpecConstantOp %%%d is truncated", id)
	}
	code := in[3]
	if code == spvOpCompositeExtract {
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
	f, ok := spvIntOps[code]
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
func (e *spvEval) size(id uint32) (uint64, error) {
	in, ok := e.m.insts[id]
	if !ok {
		return 0, fmt.Errorf("%%%d is not a type", id)
	}
	switch in[0] & 0xffff {
	case spvOpTypeBool:
		return 4, nil
	case spvOpTypeInt, spvOpTypeFloat:
		if len(in) < 3 {
			return 0, fmt.Errorf("type %%%d has no width", id)
		}
		return uint64(in[2]) / 8, nil
	case spvOpTypeVector, spvOpTypeMatrix, spvOpTypeArray:
		if len(in) < 4 {
			return 0, fmt.Errorf("type %%%d is truncated", id)
		}
		elem, err := e.size(in[2])
		if err != nil {
			return 0, err
		}
		count := uint64(in[3])
		if in[0]&0xffff == spvOpTypeArray {
			c, err := e.scalar(in[3])
			if err != nil {
				return 0, fmt.Errorf("array length: %w", err)
			}
			count = uint64(c)
		}
		return elem * count, nil
	case spvOpTypeStruct:
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
