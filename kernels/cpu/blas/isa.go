package blas

import "fmt"

// oneDNN's dnnl_cpu_isa_t values, by major version: the two headers give
// some values different meanings (0xf is avx512_mic in 2.x, avx2_vnni in
// 3.x).
var dnnlISAs = map[int]map[int]string{
	2: {
		0x1: "sse41", 0x3: "avx", 0x7: "avx2",
		0xf: "avx512_mic", 0x1f: "avx512_mic_4ops",
		0x27: "avx512_core", 0x67: "avx512_core_vnni", 0xe7: "avx512_core_bf16",
		0x3e7: "avx512_core_amx", 0x407: "avx2_vnni",
	},
	3: {
		0x1: "sse41", 0x3: "avx", 0x7: "avx2",
		0xf: "avx2_vnni", 0x1f: "avx2_vnni_2",
		0x27: "avx512_core", 0x67: "avx512_core_vnni", 0xe7: "avx512_core_bf16",
		0x1ef: "avx512_core_fp16", 0x3e7: "avx512_core_amx", 0xfef: "avx512_core_amx_fp16",
	},
}

// dnnlISA names the instruction set that dnnl_get_effective_cpu_isa
// returned (value v) in oneDNN of the given major version; a value it does
// not know is given in hex as one word ("isa0x1ef"). It is "" for 0, what
// oneDNN returns on CPUs other than x86-64.
func dnnlISA(major, v int) string {
	if v == 0 {
		return ""
	}
	if name, ok := dnnlISAs[major][v]; ok {
		return name
	}
	return fmt.Sprintf("isa%#x", v)
}
