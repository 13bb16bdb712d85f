package spirv

import (
	"reflect"
	"strings"
	"testing"
)

func TestInterfaceOfCommittedShaders(t *testing.T) {
	sb := func(b uint32, a Access) Binding { return Binding{Set: 0, Binding: b, Kind: StorageBuffer, Access: a} }
	tests := []struct {
		shader string
		want   Interface
	}{
		// float and vec4 views of each binding, joined
		{"activation_fwd", Interface{Bindings: []Binding{sb(0, Read), sb(1, Write)}, PushBytes: 8, SpecIDs: []uint32{0, 1}}},
		{"adam", Interface{Bindings: []Binding{sb(0, Read), sb(1, Read|Write), sb(2, Read|Write), sb(3, Read|Write), sb(4, Read)},
			PushBytes: 8, SpecIDs: []uint32{0}}},
		// uint[4] arrays and scalars: 4*4*4 + 3*4
		{"reduce_lane", Interface{Bindings: []Binding{sb(0, Read), sb(1, Write)}, PushBytes: 76, SpecIDs: []uint32{0, 1}}},
		{"batch_norm_stats_basic", Interface{Bindings: []Binding{sb(0, Read), sb(1, Read|Write), sb(2, Read|Write), sb(3, Write), sb(4, Write)},
			PushBytes: 20, SpecIDs: []uint32{0, 1}}},
		{"conv2d_fwd_tiled", Interface{Bindings: []Binding{sb(0, Read), sb(1, Read), sb(2, Read), sb(3, Write)},
			PushBytes: 60, SpecIDs: []uint32{0, 1, 2, 3, 4, 5, 6}}},
		{"copy", Interface{Bindings: []Binding{sb(0, Read), sb(1, Write)}, PushBytes: 4, SpecIDs: []uint32{0}}},
	}
	for _, tc := range tests {
		got, err := committed(t, tc.shader).Interface()
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, %v; want %+v", tc.shader, got, err, tc.want)
		}
	}
}

// Ids of the hand-made modules' types.
const (
	tFloat, tVec4, tRuntime, tBlock, tPtr, tUint, tLen, tArr, tMat, tPush, tPushPtr = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
)

// bufferModule is a module declaring variable 20 of a block holding a float
// runtime array in storage class sc, decorated with extra, plus the insts.
func bufferModule(sc, blockDeco uint32, extra ...[]uint32) []uint32 {
	insts := [][]uint32{
		{opDecorate, tBlock, blockDeco},
		{opDecorate, tRuntime, decArrayStride, 4},
		{opMemberDecorate, tBlock, 0, decOffset, 0},
	}
	insts = append(insts, extra...)
	insts = append(insts,
		[]uint32{opTypeFloat, tFloat, 32},
		[]uint32{opTypeRuntimeArray, tRuntime, tFloat},
		[]uint32{opTypeStruct, tBlock, tRuntime},
		[]uint32{opTypePointer, tPtr, sc, tBlock},
		[]uint32{opVariable, tPtr, 20, sc},
	)
	return spvWords(insts...)
}

// interfaceOf parses words and reads their interface. With errPart set it
// checks that reading fails with an error containing errPart and returns
// false; otherwise an error fails the test.
func interfaceOf(t *testing.T, name string, words []uint32, errPart string) (Interface, bool) {
	t.Helper()
	m, err := Parse(words)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Interface()
	switch {
	case errPart != "":
		if err == nil || !strings.Contains(err.Error(), errPart) {
			t.Errorf("%s: %v; want an error with %q", name, err, errPart)
		}
		return got, false
	case err != nil:
		t.Errorf("%s: %v", name, err)
		return got, false
	}
	return got, true
}

func TestInterfaceOfHandMadeModules(t *testing.T) {
	set := func(id, s, b uint32) [][]uint32 {
		return [][]uint32{{opDecorate, id, decDescriptorSet, s}, {opDecorate, id, decBinding, b}}
	}
	at := func(s, b uint32, more ...[]uint32) [][]uint32 { return append(set(20, s, b), more...) }
	tests := []struct {
		name    string
		words   []uint32
		want    []Binding
		errPart string
	}{
		{"storage buffer", bufferModule(scStorageBuffer, decBlock, at(0, 0)...), []Binding{{0, 0, StorageBuffer, Read | Write}}, ""},
		{"NonWritable variable", bufferModule(scStorageBuffer, decBlock, at(0, 1, []uint32{opDecorate, 20, decNonWritable})...),
			[]Binding{{0, 1, StorageBuffer, Read}}, ""},
		{"NonReadable member", bufferModule(scStorageBuffer, decBlock, at(2, 3, []uint32{opMemberDecorate, tBlock, 0, decNonReadable})...),
			[]Binding{{2, 3, StorageBuffer, Write}}, ""},
		{"BufferBlock in Uniform", bufferModule(scUniform, decBufferBlock, at(0, 0)...), []Binding{{0, 0, StorageBuffer, Read | Write}}, ""},
		{"uniform buffer", bufferModule(scUniform, decBlock, at(0, 0, []uint32{opDecorate, 20, decNonWritable})...),
			[]Binding{{0, 0, UniformBuffer, Read}}, ""},
		{"no binding", bufferModule(scStorageBuffer, decBlock, []uint32{opDecorate, 20, decDescriptorSet, 0}), nil, "lacks a DescriptorSet or Binding"},
	}
	for _, tc := range tests {
		got, ok := interfaceOf(t, tc.name, tc.words, tc.errPart)
		if !ok {
			continue
		}
		if !reflect.DeepEqual(got.Bindings, tc.want) || got.PushBytes != 0 || len(got.SpecIDs) != 0 {
			t.Errorf("%s: %+v; want bindings %+v and nothing else", tc.name, got, tc.want)
		}
	}
}

// pushModule is a module whose push-constant block (type tPush) has the given
// member types at the given offsets, with the declarations in types.
func pushModule(members, offsets []uint32, types ...[]uint32) []uint32 {
	insts := [][]uint32{
		{opDecorate, tArr, decArrayStride, 16},
		{opMemberDecorate, tPush, 0, decMatrixStride, 16},
		{opDecorate, tPush, decBlock},
		{opDecorate, 30, decSpecID, 5},
		{opDecorate, 31, decSpecID, 2},
	}
	for i, off := range offsets {
		insts = append(insts, []uint32{opMemberDecorate, tPush, uint32(i), decOffset, off})
	}
	insts = append(insts,
		[]uint32{opTypeFloat, tFloat, 32},
		[]uint32{opTypeVector, tVec4, tFloat, 4},
		[]uint32{opTypeInt, tUint, 32, 0},
		[]uint32{opConstant, tUint, tLen, 3},
		[]uint32{opSpecConstant, tUint, 30, 1},
		[]uint32{opSpecConstant, tUint, 31, 1},
	)
	insts = append(insts, types...)
	insts = append(insts,
		append([]uint32{opTypeStruct, tPush}, members...),
		[]uint32{opTypePointer, tPushPtr, scPushConstant, tPush},
		[]uint32{opVariable, tPushPtr, 21, scPushConstant},
	)
	return spvWords(insts...)
}

func TestPushBlockSize(t *testing.T) {
	arr := []uint32{opTypeArray, tArr, tVec4, tLen}
	mat := []uint32{opTypeMatrix, tMat, tVec4, 2}
	tests := []struct {
		name    string
		words   []uint32
		want    uint32
		errPart string
	}{
		{"scalars", pushModule([]uint32{tUint, tFloat, tUint}, []uint32{0, 4, 8}), 12, ""},
		{"end of the last-ending member, not the last", pushModule([]uint32{tVec4, tFloat}, []uint32{8, 0}), 24, ""},
		{"array by its stride", pushModule([]uint32{tFloat, tArr}, []uint32{0, 16}, arr), 16 + 3*16, ""},
		{"matrix by its stride", pushModule([]uint32{tMat}, []uint32{0}, mat), 2 * 16, ""},
		{"member without an offset", pushModule([]uint32{tUint, tFloat}, []uint32{0}), 0, "member 1 of struct %10 has no Offset"},
	}
	for _, tc := range tests {
		got, ok := interfaceOf(t, tc.name, tc.words, tc.errPart)
		if !ok {
			continue
		}
		if got.PushBytes != tc.want || !reflect.DeepEqual(got.SpecIDs, []uint32{2, 5}) {
			t.Errorf("%s: %+v; want %d push bytes and spec ids [2 5]", tc.name, got, tc.want)
		}
	}
}
