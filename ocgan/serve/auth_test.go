package serve

import (
	"bytes"
	"net/http"
	"testing"
)

// TestToken checks the bearer token: /score and /metrics answer 401 with
// WWW-Authenticate without it or with a wrong one (also one that is a
// prefix or an extension of it), and work with it; /healthz and /readyz
// stay open for probes.
func TestToken(t *testing.T) {
	const token = "s3cret-t0ken"
	_, ts := startServer(t, newFakeSource("v1"), Options{Token: token})
	img := grayPNG(t, 0, 4, 4)
	req := func(method, path, auth string) reply {
		t.Helper()
		r, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(img))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "image/png")
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		resp, err := ts.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return reply{status: resp.StatusCode, header: resp.Header}
	}
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong", "Bearer " + token[:5], "Bearer " + token + "x", "Basic " + token, token} {
		for _, c := range []struct{ method, path string }{{http.MethodPost, pathScore}, {http.MethodGet, pathMetrics}} {
			r := req(c.method, c.path, auth)
			if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with Authorization %q: status %d, want 401 with WWW-Authenticate", c.method, c.path, auth, r.status)
			}
		}
	}
	if r := req(http.MethodPost, pathScore, "Bearer "+token); r.status != http.StatusOK {
		t.Errorf("/score with the token: status %d, want 200", r.status)
	}
	if r := req(http.MethodGet, pathMetrics, "Bearer "+token); r.status != http.StatusOK {
		t.Errorf("/metrics with the token: status %d, want 200", r.status)
	}
	for _, p := range []string{pathHealthz, pathReadyz} {
		if r := req(http.MethodGet, p, ""); r.status != http.StatusOK {
			t.Errorf("%s without the token: status %d, want 200", p, r.status)
		}
	}
}
