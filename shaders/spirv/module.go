// Package spirv reads what the runtime needs to know from a SPIR-V compute
// module: its workgroup size and shared memory under given specialization
// constants (Module.Needs), its subgroup capabilities, and its interface —
// descriptor bindings with their access, the push-constant block size and the
// specialization constant ids (Module.Interface).
package spirv

import (
	"encoding/binary"
	"fmt"
)

// Magic is the first word of every SPIR-V module.
const Magic = 0x07230203

// SPIR-V opcodes, decorations and enumerants read by this package.
const (
	opCapability         = 17
	opExecutionMode      = 16
	opTypeBool           = 20
	opTypeInt            = 21
	opTypeFloat          = 22
	opTypeVector         = 23
	opTypeMatrix         = 24
	opTypeArray          = 28
	opTypeRuntimeArray   = 29
	opTypeStruct         = 30
	opTypePointer        = 32
	opConstantTrue       = 41
	opConstantFalse      = 42
	opConstant           = 43
	opConstantComposite  = 44
	opSpecConstantTrue   = 48
	opSpecConstantFalse  = 49
	opSpecConstant       = 50
	opSpecConstantComp   = 51
	opSpecConstantOp     = 52
	opFunction           = 54
	opVariable           = 59
	opDecorate           = 71
	opMemberDecorate     = 72
	opCompositeExtract   = 81
	decSpecID            = 1
	decBlock             = 2
	decBufferBlock       = 3
	decArrayStride       = 6
	decMatrixStride      = 7
	decRowMajor          = 4
	decBuiltIn           = 11
	decNonWritable       = 24
	decNonReadable       = 25
	decBinding           = 33
	decDescriptorSet     = 34
	decOffset            = 35
	builtInWorkgroupSize = 25
	scUniformConstant    = 0
	scUniform            = 2
	scWorkgroup          = 4
	scPushConstant       = 9
	scStorageBuffer      = 12
	modeLocalSize        = 17
	modeLocalSizeID      = 38
)

// Module is a parsed SPIR-V module: its declarations indexed by id.
type Module struct {
	caps      []uint32              // OpCapability operands, in order
	specID    map[uint32]uint32     // result id -> SpecId
	wgSizeID  uint32                // the constant decorated BuiltIn WorkgroupSize, 0 if none
	insts     map[uint32][]uint32   // result id -> its declaring instruction (type and constant ops)
	vars      [][]uint32            // module-scope OpVariable instructions
	deco      map[uint32][][]uint32 // target id -> its OpDecorate operands after the target
	memberDec map[uint32]map[uint32][][]uint32
	used      map[uint32]bool // ids that appear as operands inside functions
	localSize [3]uint32       // from OpExecutionMode LocalSize
	localIDs  [3]uint32       // from OpExecutionMode LocalSizeId, 0 if absent
}

// Decode checks the SPIR-V header of code and converts it to words.
func Decode(code []byte) ([]uint32, error) {
	if len(code) < 20 || len(code)%4 != 0 {
		return nil, fmt.Errorf("SPIR-V is %d bytes; want a multiple of 4 of at least 20", len(code))
	}
	words := make([]uint32, len(code)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(code[4*i:])
	}
	if words[0] != Magic {
		return nil, fmt.Errorf("not SPIR-V (magic %#08x)", words[0])
	}
	return words, nil
}

// Parse indexes the declarations of a module given as words.
func Parse(words []uint32) (*Module, error) {
	if len(words) < 5 || words[0] != Magic {
		return nil, fmt.Errorf("not a SPIR-V module")
	}
	m := &Module{specID: map[uint32]uint32{}, insts: map[uint32][]uint32{}, used: map[uint32]bool{},
		deco: map[uint32][][]uint32{}, memberDec: map[uint32]map[uint32][][]uint32{}}
	inFunctions := false
	for i := 5; i < len(words); {
		n, op := int(words[i]>>16), words[i]&0xffff
		if n == 0 || i+n > len(words) {
			return nil, fmt.Errorf("SPIR-V instruction at word %d has length %d; the module has %d words", i, n, len(words))
		}
		in := words[i : i+n]
		i += n
		if op == opFunction {
			inFunctions = true
		}
		if inFunctions {
			for _, w := range in[1:] {
				m.used[w] = true
			}
			continue
		}
		m.declare(op, in)
	}
	return m, nil
}

// declare records one instruction of the module's declarations section.
func (m *Module) declare(op uint32, in []uint32) {
	switch op {
	case opCapability:
		if len(in) == 2 {
			m.caps = append(m.caps, in[1])
		}
	case opExecutionMode:
		if len(in) >= 6 && in[2] == modeLocalSize {
			copy(m.localSize[:], in[3:6])
		}
		if len(in) >= 6 && in[2] == modeLocalSizeID {
			copy(m.localIDs[:], in[3:6])
		}
	case opDecorate:
		if len(in) < 3 {
			return
		}
		m.deco[in[1]] = append(m.deco[in[1]], in[2:])
		if len(in) >= 4 && in[2] == decSpecID {
			m.specID[in[1]] = in[3]
		}
		if len(in) >= 4 && in[2] == decBuiltIn && in[3] == builtInWorkgroupSize {
			m.wgSizeID = in[1]
		}
	case opMemberDecorate:
		if len(in) < 4 {
			return
		}
		if m.memberDec[in[1]] == nil {
			m.memberDec[in[1]] = map[uint32][][]uint32{}
		}
		m.memberDec[in[1]][in[2]] = append(m.memberDec[in[1]][in[2]], in[3:])
	case opTypeBool, opTypeInt, opTypeFloat, opTypeVector, opTypeMatrix,
		opTypeArray, opTypeRuntimeArray, opTypeStruct, opTypePointer:
		if len(in) >= 2 {
			m.insts[in[1]] = in
		}
	case opConstantTrue, opConstantFalse, opConstant, opConstantComposite,
		opSpecConstantTrue, opSpecConstantFalse, opSpecConstant, opSpecConstantComp,
		opSpecConstantOp:
		if len(in) >= 3 {
			m.insts[in[2]] = in
		}
	case opVariable:
		if len(in) >= 4 {
			m.vars = append(m.vars, in)
		}
	}
}

// Capabilities returns the operands of the module's OpCapability instructions.
func (m *Module) Capabilities() []uint32 { return append([]uint32(nil), m.caps...) }

// decoration returns the literals of decoration d on id, and whether id has it.
func (m *Module) decoration(id, d uint32) ([]uint32, bool) {
	for _, dec := range m.deco[id] {
		if dec[0] == d {
			return dec[1:], true
		}
	}
	return nil, false
}

// memberDecoration is decoration for member i of struct type id.
func (m *Module) memberDecoration(id, i, d uint32) ([]uint32, bool) {
	for _, dec := range m.memberDec[id][i] {
		if dec[0] == d {
			return dec[1:], true
		}
	}
	return nil, false
}
