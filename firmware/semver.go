package firmware

import (
	"fmt"
	"strconv"
	"strings"
)

// semver is a parsed Semantic Versioning 2.0.0 version; build metadata is
// kept out, as it does not take part in precedence.
type semver struct {
	major, minor, patch uint64
	pre                 []string
}

// parseSemver parses "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]" strictly (no
// "v" prefix, no leading zeros in numbers).
func parseSemver(s string) (semver, error) {
	var v semver
	core := s
	if i := strings.IndexByte(core, '+'); i >= 0 {
		if err := checkIdents(core[i+1:], false); err != nil {
			return v, fmt.Errorf("version %q: build metadata: %v", s, err)
		}
		core = core[:i]
	}
	if i := strings.IndexByte(core, '-'); i >= 0 {
		if err := checkIdents(core[i+1:], true); err != nil {
			return v, fmt.Errorf("version %q: pre-release: %v", s, err)
		}
		v.pre = strings.Split(core[i+1:], ".")
		core = core[:i]
	}
	nums := strings.Split(core, ".")
	if len(nums) != 3 {
		return v, fmt.Errorf("version %q: want MAJOR.MINOR.PATCH", s)
	}
	dst := []*uint64{&v.major, &v.minor, &v.patch}
	for i, n := range nums {
		if !numeric(n) {
			return v, fmt.Errorf("version %q: %q is not a number without leading zeros", s, n)
		}
		x, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			return v, fmt.Errorf("version %q: %v", s, err)
		}
		*dst[i] = x
	}
	return v, nil
}

// checkIdents checks dot-separated identifiers of [0-9A-Za-z-]; numeric
// pre-release identifiers may not have leading zeros.
func checkIdents(s string, pre bool) error {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return fmt.Errorf("empty identifier")
		}
		digits := true
		for _, c := range id {
			switch {
			case '0' <= c && c <= '9':
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '-':
				digits = false
			default:
				return fmt.Errorf("identifier %q has a character outside [0-9A-Za-z-]", id)
			}
		}
		if pre && digits && !numeric(id) {
			return fmt.Errorf("numeric identifier %q has a leading zero", id)
		}
	}
	return nil
}

// numeric reports whether s is a decimal number without leading zeros.
func numeric(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// compare returns -1, 0 or +1 as v has lower, equal or higher precedence
// than w.
func (v semver) compare(w semver) int {
	for _, p := range [][2]uint64{{v.major, w.major}, {v.minor, w.minor}, {v.patch, w.patch}} {
		if p[0] != p[1] {
			return cmp3(p[0] < p[1])
		}
	}
	switch {
	case len(v.pre) == 0 && len(w.pre) == 0:
		return 0
	case len(v.pre) == 0:
		return 1
	case len(w.pre) == 0:
		return -1
	}
	for i := 0; i < len(v.pre) && i < len(w.pre); i++ {
		a, b := v.pre[i], w.pre[i]
		if a == b {
			continue
		}
		an, bn := numeric(a), numeric(b)
		switch {
		case an && bn:
			if len(a) != len(b) {
				return cmp3(len(a) < len(b))
			}
			return cmp3(a < b)
		case an:
			return -1
		case bn:
			return 1
		}
		return cmp3(a < b)
	}
	if len(v.pre) == len(w.pre) {
		return 0
	}
	return cmp3(len(v.pre) < len(w.pre))
}

func cmp3(less bool) int {
	if less {
		return -1
	}
	return 1
}

// CompareVersions compares two semantic versions by precedence (build
// metadata ignored): -1 if a < b, 0 if equal, +1 if a > b.
func CompareVersions(a, b string) (int, error) {
	va, err := parseSemver(a)
	if err != nil {
		return 0, err
	}
	vb, err := parseSemver(b)
	if err != nil {
		return 0, err
	}
	return va.compare(vb), nil
}
