// Package shaders holds the project's compute shaders: GLSL 450 sources (*.comp) and
// hand-written SPIR-V assembly (*.spvasm), and the SPIR-V that `make shaders` builds
// from them (*.spv, committed), embedded in the binary. A shader that uses subgroup
// operations beyond the basic class also has a basic-tier variant (BasicTier),
// built from the same source with -DTIER_BASIC.
package shaders

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.spv
var spirv embed.FS

// Load returns the SPIR-V module of the named shader ("axpy" for axpy.spv).
func Load(name string) ([]byte, error) {
	b, err := spirv.ReadFile(name + ".spv")
	if err != nil {
		return nil, fmt.Errorf("shader %q is not embedded (run `make shaders`): %w", name, err)
	}
	return b, nil
}

// basicSuffix ends the names of the basic-tier variants.
const basicSuffix = "_basic"

// BasicTier is the name of the basic-tier variant of the named shader
// ("reduce_group_basic"): the same computation with no subgroup operations.
func BasicTier(name string) string { return name + basicSuffix }

// Family is the shader family of a variant's name: the name without its
// basic-tier suffix ("reduce_group" for "reduce_group_basic"), which errors
// carry so that callers compare one name whatever tier the device took.
func Family(name string) string { return strings.TrimSuffix(name, basicSuffix) }

// Names lists the embedded shaders, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(spirv, ".")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".spv"))
	}
	sort.Strings(out)
	return out
}
