package sysmem

import (
	"io/fs"
	"testing"
)

func TestAvailable(t *testing.T) {
	const meminfo = "MemTotal:       32000000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n"
	tests := []struct {
		name  string
		files map[string]string
		want  uint64
		ok    bool
	}{
		{"nothing known", nil, 0, false},
		{"meminfo", map[string]string{"/proc/meminfo": meminfo}, 20000000 << 10, true},
		{"meminfo without MemAvailable", map[string]string{"/proc/meminfo": "MemTotal: 1 kB\n"}, 0, false},
		{"meminfo in other units", map[string]string{"/proc/meminfo": "MemAvailable: 5 MB\n"}, 0, false},
		{"cgroup v2 tighter", map[string]string{"/proc/meminfo": meminfo,
			"/sys/fs/cgroup/memory.max": "4294967296\n", "/sys/fs/cgroup/memory.current": "1073741824\n"}, 3 << 30, true},
		{"cgroup v2 without limit", map[string]string{"/proc/meminfo": meminfo,
			"/sys/fs/cgroup/memory.max": "max\n", "/sys/fs/cgroup/memory.current": "1073741824\n"}, 20000000 << 10, true},
		{"cgroup v2 over its limit", map[string]string{
			"/sys/fs/cgroup/memory.max": "100\n", "/sys/fs/cgroup/memory.current": "200\n"}, 0, true},
		{"cgroup v1", map[string]string{"/proc/meminfo": meminfo,
			"/sys/fs/cgroup/memory/memory.limit_in_bytes": "2147483648", "/sys/fs/cgroup/memory/memory.usage_in_bytes": "1073741824"}, 1 << 30, true},
		{"cgroup v1 without limit", map[string]string{"/proc/meminfo": meminfo,
			"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712", "/sys/fs/cgroup/memory/memory.usage_in_bytes": "1"}, 20000000 << 10, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			read := func(p string) ([]byte, error) {
				if s, ok := tc.files[p]; ok {
					return []byte(s), nil
				}
				return nil, fs.ErrNotExist
			}
			got, ok := available(read)
			if got != tc.want || ok != tc.ok {
				t.Errorf("available = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestAvailableOnThisMachine(t *testing.T) {
	n, ok := Available()
	t.Logf("available: %d bytes (known: %v)", n, ok)
	if ok && n == 0 {
		t.Error("known, but no memory available at all")
	}
}
