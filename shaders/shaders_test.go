package shaders

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sources maps each shader name to its source file in this directory; a
// basic-tier variant maps to the source of its shader.
func sources(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	defer func() {
		for _, n := range Names() {
			if base, ok := strings.CutSuffix(n, basicSuffix); ok && strings.HasSuffix(out[base], ".comp") {
				out[n] = out[base]
			}
		}
	}()
	for _, pat := range []string{"*.comp", "*.spvasm"} {
		files, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := strings.TrimSuffix(f, filepath.Ext(f))
			if prev, dup := out[name]; dup {
				t.Fatalf("shader %s has two sources: %s and %s", name, prev, f)
			}
			out[name] = f
		}
	}
	return out
}

func TestEverySourceIsEmbeddedAndViceVersa(t *testing.T) {
	src := sources(t)
	names := Names()
	if len(names) == 0 {
		t.Fatal("no shaders embedded")
	}
	for _, n := range names {
		if _, ok := src[n]; !ok {
			t.Errorf("%s.spv has no source (.comp or .spvasm)", n)
		}
		code, err := Load(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(code) < 20 || code[0] != 0x03 || code[1] != 0x02 || code[2] != 0x23 || code[3] != 0x07 {
			t.Errorf("%s.spv does not start with the SPIR-V magic", n)
		}
	}
	for n, f := range src {
		if _, err := Load(n); err != nil {
			t.Errorf("%s has no committed %s.spv: %v", f, n, err)
		}
	}
	if _, err := Load("no-such-shader"); err == nil {
		t.Error("Load of a missing shader succeeded")
	}
}

func requireTool(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s not installed (Debian: apt-get install glslang-tools spirv-tools); skipping", tool)
	}
	return p
}

func TestSPIRVValidates(t *testing.T) {
	val := requireTool(t, "spirv-val")
	for _, n := range Names() {
		out, err := exec.Command(val, "--target-env", "vulkan1.1", n+".spv").CombinedOutput()
		if err != nil {
			t.Errorf("spirv-val %s.spv: %v\n%s", n, err, out)
		}
	}
}

// TestCommittedSPIRVMatchesSources rebuilds every shader the way `make shaders` does
// and requires the committed bytes.
func TestCommittedSPIRVMatchesSources(t *testing.T) {
	glslang := requireTool(t, "glslangValidator")
	as := requireTool(t, "spirv-as")
	dir := t.TempDir()
	for name, src := range sources(t) {
		out := filepath.Join(dir, name+".spv")
		var cmd *exec.Cmd
		switch {
		case strings.HasSuffix(name, basicSuffix):
			cmd = exec.Command(glslang, "-V", "--target-env", "vulkan1.1", "-DTIER_BASIC", "-o", out, src)
		case strings.HasSuffix(src, ".comp"):
			cmd = exec.Command(glslang, "-V", "--target-env", "vulkan1.1", "-o", out, src)
		default:
			cmd = exec.Command(as, "--target-env", "vulkan1.1", "-o", out, src)
		}
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("compiling %s: %v\n%s", src, err, msg)
			continue
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		committed, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, committed) {
			t.Errorf("%s.spv is stale: rebuilding %s gives %d bytes, the committed file has %d; run `make shaders`",
				name, src, len(got), len(committed))
		}
	}
}

// capabilities lists the OpCapability names of a committed shader.
func capabilities(t *testing.T, dis, name string) []string {
	t.Helper()
	out, err := exec.Command(dis, name+".spv").CombinedOutput()
	if err != nil {
		t.Fatalf("spirv-dis %s.spv: %v\n%s", name, err, out)
	}
	var caps []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "OpCapability" {
			caps = append(caps, f[1])
		}
	}
	return caps
}

// TestBasicTierCoversSubgroupShaders requires a basic-tier variant for every
// shader that declares a subgroup capability beyond GroupNonUniform, and no
// subgroup capability at all in the variants.
func TestBasicTierCoversSubgroupShaders(t *testing.T) {
	dis := requireTool(t, "spirv-dis")
	embedded := map[string]bool{}
	for _, n := range Names() {
		embedded[n] = true
	}
	for _, n := range Names() {
		if strings.HasSuffix(n, basicSuffix) {
			if !embedded[strings.TrimSuffix(n, basicSuffix)] {
				t.Errorf("%s.spv is a basic-tier variant of no shader", n)
			}
			for _, c := range capabilities(t, dis, n) {
				if strings.HasPrefix(c, "GroupNonUniform") {
					t.Errorf("basic-tier %s.spv declares %s", n, c)
				}
			}
			continue
		}
		for _, c := range capabilities(t, dis, n) {
			if strings.HasPrefix(c, "GroupNonUniform") && c != "GroupNonUniform" && !embedded[BasicTier(n)] {
				t.Errorf("%s.spv declares %s but has no basic-tier variant %s.spv (add it to BASIC_TIER in the Makefile)", n, c, BasicTier(n))
			}
		}
	}
}
