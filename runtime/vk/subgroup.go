package vk

import (
	"fmt"
	"os"
	"strings"
)

// SubgroupOpsEnv names the environment variable that makes ocgan treat every
// device as reporting only some subgroup operation classes (a test hook: the
// kernels then pick the variants such a device gets). Its value is either the
// classes to keep, "basic,vote,shuffle", or the classes to remove, each with a
// leading "-": "-ballot,-arithmetic". "none" keeps no class. Empty or unset:
// the device's own report.
const SubgroupOpsEnv = "OCGAN_VK_SUBGROUP_OPS"

// subgroupClasses are the subgroup operation classes, bit i of VkSubgroupFeatureFlags.
var subgroupClasses = []string{"basic", "vote", "arithmetic", "ballot", "shuffle", "shuffle-relative", "clustered", "quad"}

// subgroupOpNames decodes VkSubgroupFeatureFlags.
func subgroupOpNames(ops uint32) []string {
	out := []string{}
	for i, n := range subgroupClasses {
		if ops&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// subgroupMask is the parsed SubgroupOpsEnv: a function from a device's
// reported classes to the classes ocgan uses, or nil for no masking.
type subgroupMask func(reported []string) []string

// subgroupMaskFromEnv parses $OCGAN_VK_SUBGROUP_OPS.
func subgroupMaskFromEnv() (subgroupMask, error) {
	m, err := parseSubgroupMask(os.Getenv(SubgroupOpsEnv))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SubgroupOpsEnv, err)
	}
	return m, nil
}

// parseSubgroupMask parses a SubgroupOpsEnv value.
func parseSubgroupMask(value string) (subgroupMask, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, nil
	}
	if value == "none" {
		return func([]string) []string { return []string{} }, nil
	}
	set := map[string]bool{}
	removing := strings.HasPrefix(value, "-")
	for _, f := range strings.Split(value, ",") {
		f = strings.TrimSpace(f)
		if strings.HasPrefix(f, "-") != removing {
			return nil, fmt.Errorf("%q mixes classes to keep and classes to remove (\"-name\"); use one kind", value)
		}
		name := strings.TrimPrefix(f, "-")
		if !knownSubgroupClass(name) {
			return nil, fmt.Errorf("unknown subgroup operation class %q in %q; want a comma-separated list of %s (or each with a leading \"-\" to remove it), or \"none\"",
				name, value, strings.Join(subgroupClasses, ", "))
		}
		set[name] = true
	}
	return func(reported []string) []string {
		out := []string{}
		for _, r := range reported {
			if set[r] != removing {
				out = append(out, r)
			}
		}
		return out
	}, nil
}

func knownSubgroupClass(name string) bool {
	for _, c := range subgroupClasses {
		if c == name {
			return true
		}
	}
	return false
}

// apply sets the effective classes of s, keeping the device's own in Reported.
func (m subgroupMask) apply(s *Subgroup) {
	if m == nil {
		return
	}
	s.Reported = s.Operations
	s.Operations = m(s.Operations)
}

// HasSubgroupOp reports whether ocgan may use the named subgroup operation class
// in compute shaders on the device: the device reports it for the compute stage
// and $OCGAN_VK_SUBGROUP_OPS does not mask it.
func (d DeviceInfo) HasSubgroupOp(op string) bool {
	if !d.Subgroup.InCompute {
		return false
	}
	for _, o := range d.Subgroup.Operations {
		if o == op {
			return true
		}
	}
	return false
}

// SPIR-V capabilities of the subgroup operation classes (OpCapability operands).
var capabilityClass = map[uint32]string{
	61: "basic",            // GroupNonUniform
	62: "vote",             // GroupNonUniformVote
	63: "arithmetic",       // GroupNonUniformArithmetic
	64: "ballot",           // GroupNonUniformBallot
	65: "shuffle",          // GroupNonUniformShuffle
	66: "shuffle-relative", // GroupNonUniformShuffleRelative
	67: "clustered",        // GroupNonUniformClustered
	68: "quad",             // GroupNonUniformQuad
}

var capabilityName = map[uint32]string{
	61: "GroupNonUniform", 62: "GroupNonUniformVote", 63: "GroupNonUniformArithmetic",
	64: "GroupNonUniformBallot", 65: "GroupNonUniformShuffle", 66: "GroupNonUniformShuffleRelative",
	67: "GroupNonUniformClustered", 68: "GroupNonUniformQuad",
}

// CapabilityError says that a kernel's SPIR-V declares a capability the device
// does not offer (or $OCGAN_VK_SUBGROUP_OPS masks).
type CapabilityError struct {
	Kernel     string // the shader, as built
	Family     string // the shader family: Kernel without its tier suffix
	Capability string // the SPIR-V name, "GroupNonUniformBallot"
	Class      string // the subgroup operation class it needs, "ballot"
	Device     string
}

func (e *CapabilityError) Error() string {
	return fmt.Sprintf("kernel %s: its SPIR-V declares capability %s (subgroup %s operations), which %s does not offer in compute shaders",
		e.Kernel, e.Capability, e.Class, e.Device)
}

// checkCapabilities refuses a module that declares a subgroup capability the
// device does not offer.
func checkCapabilities(name, family string, caps []uint32, info DeviceInfo) error {
	for _, c := range caps {
		class, ok := capabilityClass[c]
		if ok && !info.HasSubgroupOp(class) {
			return &CapabilityError{Kernel: name, Family: family, Capability: capabilityName[c], Class: class, Device: info.Name}
		}
	}
	return nil
}
