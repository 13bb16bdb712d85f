package firmware

import "testing"

// TestCompareVersions checks semantic-version precedence, including the
// examples of the SemVer 2.0.0 specification.
func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.0.0", "1.0.0", 0},
		{"1.0.0", "2.0.0", -1},
		{"2.0.0", "2.1.0", -1},
		{"2.1.0", "2.1.1", -1},
		{"1.10.0", "1.9.0", 1},
		{"1.0.0-alpha", "1.0.0", -1},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{"1.0.0-alpha.beta", "1.0.0-beta", -1},
		{"1.0.0-beta", "1.0.0-beta.2", -1},
		{"1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"1.0.0-beta.11", "1.0.0-rc.1", -1},
		{"1.0.0-rc.1", "1.0.0", -1},
		{"0.1.0-dev", "0.1.0", -1},
		{"1.0.0+mnist-c1-2026-11-28", "1.0.0+other", 0},
		{"1.0.1+a", "1.0.0+b", 1},
		{"18446744073709551615.0.0", "1.0.0", 1},
	} {
		got, err := CompareVersions(c.a, c.b)
		if err != nil || got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, %v; want %d", c.a, c.b, got, err, c.want)
		}
		if back, _ := CompareVersions(c.b, c.a); back != -c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.b, c.a, back, -c.want)
		}
	}
}

// TestParseSemverRejects checks that malformed versions are refused.
func TestParseSemverRejects(t *testing.T) {
	for _, s := range []string{
		"", "1", "1.0", "1.0.0.0", "v1.0.0", "01.0.0", "1.00.0", "1.0.0-", "1.0.0+",
		"1.0.0-01", "1.0.0-a..b", "1.0.0-a_b", "1.0.0+a/b", "mnist-c1-2026-11-28",
		"1.0.-1", "1.0.x", "18446744073709551616.0.0",
	} {
		if _, err := parseSemver(s); err == nil {
			t.Errorf("parseSemver(%q) accepted", s)
		}
	}
}
