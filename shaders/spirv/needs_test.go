package spirv

import (
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/shaders"
)

// committed parses the embedded module of the named shader.
func committed(t *testing.T, name string) *Module {
	t.Helper()
	code, err := shaders.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	words, err := Decode(code)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(words)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// needsOf parses words and returns their Needs under spec.
func needsOf(words, spec []uint32) (Needs, error) {
	m, err := Parse(words)
	if err != nil {
		return Needs{}, err
	}
	return m.Needs(spec)
}

// spvWords assembles a module from instructions (opcode, operands...).
func spvWords(insts ...[]uint32) []uint32 {
	w := []uint32{0x07230203, 0x00010000, 0, 100, 0}
	for _, in := range insts {
		w = append(w, uint32(len(in))<<16|in[0])
		w = append(w, in[1:]...)
	}
	return w
}

func TestNeedsEvaluatesSpecOps(t *testing.T) {
	// %1 uint; %2 = spec const id 0 (default 4); %3 = const 3; %4 = %2 * %3;
	// %5 = %4 << %3; %6 float; %7 = float[%5]; %8 = Workgroup ptr; %9 = variable;
	// LocalSize 7 2 1; a function uses %9.
	mod := func(op uint32) []uint32 {
		return spvWords(
			[]uint32{opExecutionMode, 100, modeLocalSize, 7, 2, 1},
			[]uint32{opDecorate, 2, decSpecID, 0},
			[]uint32{opTypeInt, 1, 32, 0},
			[]uint32{opSpecConstant, 1, 2, 4},
			[]uint32{opConstant, 1, 3, 3},
			[]uint32{opSpecConstantOp, 1, 4, op, 2, 3},
			[]uint32{opSpecConstantOp, 1, 5, 196, 4, 3},
			[]uint32{opTypeFloat, 6, 32},
			[]uint32{opTypeArray, 7, 6, 5},
			[]uint32{opTypePointer, 8, scWorkgroup, 7},
			[]uint32{opVariable, 8, 9, scWorkgroup},
			[]uint32{opFunction, 1, 100, 0, 1},
			[]uint32{61, 1, 101, 9}, // OpLoad %9
		)
	}
	tests := []struct {
		op      uint32
		spec    []uint32
		want    uint64
		errPart string
	}{
		{132, nil, 4 * 3 << 3 * 4, ""},         // (4*3)<<3 floats
		{132, []uint32{5}, 5 * 3 << 3 * 4, ""}, // spec constant 0 = 5
		{128, []uint32{5}, (5 + 3) << 3 * 4, ""},
		{134, []uint32{9}, 3 << 3 * 4, ""},
		{999, nil, 0, "operation 999 is not evaluated"},
	}
	for _, tc := range tests {
		got, err := needsOf(mod(tc.op), tc.spec)
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("op %d: %v; want an error with %q", tc.op, err, tc.errPart)
			}
			continue
		}
		if err != nil || got.SharedBytes != tc.want || got.Local != [3]uint32{7, 2, 1} {
			t.Errorf("op %d spec %v: %+v, %v; want %d shared bytes, local [7 2 1]", tc.op, tc.spec, got, err, tc.want)
		}
	}
	if _, err := needsOf([]uint32{0x07230203, 0x00010000, 0, 10, 0, 9 << 16}, nil); err == nil {
		t.Error("a truncated instruction was accepted")
	}
}

func TestNeedsOfCommittedShaders(t *testing.T) {
	tests := []struct {
		shader string
		spec   []uint32
		want   Needs
	}{
		{"fill", []uint32{64}, Needs{Local: [3]uint32{64, 1, 1}}},
		{"fill", nil, Needs{Local: [3]uint32{1, 1, 1}}}, // the shader's default
		{"copy", []uint32{32}, Needs{Local: [3]uint32{32, 1, 1}}},
		// reduce_group declares vec2[local] and vec4[local] but uses only the first
		{"reduce_group", []uint32{256, 0}, Needs{Local: [3]uint32{256, 1, 1}, SharedBytes: 256 * 8}},
		{"reduce_group", []uint32{8, 1}, Needs{Local: [3]uint32{8, 1, 1}, SharedBytes: 8 * 8}},
		// batch_norm_bwd uses only the vec4 array
		{"batch_norm_bwd", []uint32{128, 0}, Needs{Local: [3]uint32{128, 1, 1}, SharedBytes: 128 * 16}},
		{"mse_loss", []uint32{64}, Needs{Local: [3]uint32{64, 1, 1}, SharedBytes: 64 * 4}},
		{"conv_bias_grad", []uint32{64}, Needs{Local: [3]uint32{64, 1, 1}, SharedBytes: 256 * 4}},
		{"conv2d_fwd", []uint32{128, 1, 4, 0}, Needs{Local: [3]uint32{128, 1, 1}}},
	}
	for _, tc := range tests {
		got, err := committed(t, tc.shader).Needs(tc.spec)
		if err != nil {
			t.Errorf("%s %v: %v", tc.shader, tc.spec, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s %v: %+v; want %+v", tc.shader, tc.spec, got, tc.want)
		}
	}
}
