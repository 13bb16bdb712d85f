package serve

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestBadRequests sends every kind of malformed request and checks the 4xx
// status, the Allow header on 405, and that the server still scores a good
// image after each.
func TestBadRequests(t *testing.T) {
	const limit = 4096
	src := newFakeSource("v1")
	_, ts := startServer(t, src, Options{MaxBodyBytes: limit})
	good := grayPNG(t, 0, 4, 4)
	big := bytes.Repeat([]byte{0x89}, limit+1)
	noFile, noFileCT := multipartBody(t, part{"note", "", []byte("hi")})
	bigPart, bigPartCT := multipartBody(t, part{"image", "x.png", big})
	emptyPart, emptyPartCT := multipartBody(t, part{"image", "x.png", nil})
	garbagePart, garbagePartCT := multipartBody(t, part{"image", "x.png", []byte("not a png")})
	truncated := good[:len(good)/2]
	tests := []struct {
		name, method, path, contentType string
		body                            io.Reader
		chunked                         bool // hide the length, so the limit trips while reading
		want                            int
		wantAllow                       string
	}{
		{"GET /score", http.MethodGet, "/score", "", nil, false, 405, "POST"},
		{"PUT /score", http.MethodPut, "/score", "image/png", bytes.NewReader(good), false, 405, "POST"},
		{"POST /healthz", http.MethodPost, "/healthz", "", nil, false, 405, "GET, HEAD"},
		{"DELETE /metrics", http.MethodDelete, "/metrics", "", nil, false, 405, "GET, HEAD"},
		{"unknown path", http.MethodGet, "/nope", "", nil, false, 404, ""},
		{"trailing slash", http.MethodPost, "/score/", "image/png", bytes.NewReader(good), false, 404, ""},
		{"root", http.MethodGet, "/", "", nil, false, 404, ""},
		{"empty body", http.MethodPost, "/score", "image/png", nil, false, 400, ""},
		{"not an image", http.MethodPost, "/score", "image/png", strings.NewReader("hello"), false, 400, ""},
		{"truncated PNG", http.MethodPost, "/score", "image/png", bytes.NewReader(truncated), false, 400, ""},
		{"image too large for the model", http.MethodPost, "/score", "image/png", bytes.NewReader(grayPNG(t, 0, 65, 2)), false, 400, ""},
		{"text/plain", http.MethodPost, "/score", "text/plain", bytes.NewReader(good), false, 415, ""},
		{"form-urlencoded", http.MethodPost, "/score", "application/x-www-form-urlencoded", bytes.NewReader(good), false, 415, ""},
		{"malformed Content-Type", http.MethodPost, "/score", "image/png; =x", bytes.NewReader(good), false, 400, ""},
		{"multipart without boundary", http.MethodPost, "/score", "multipart/form-data", bytes.NewReader(good), false, 400, ""},
		{"multipart garbage", http.MethodPost, "/score", "multipart/form-data; boundary=xyz", strings.NewReader("garbage"), false, 400, ""},
		{"multipart wrong boundary", http.MethodPost, "/score", "multipart/form-data; boundary=other", bytes.NewReader(noFile), false, 400, ""},
		{"multipart truncated", http.MethodPost, "/score", garbagePartCT, bytes.NewReader(garbagePart[:len(garbagePart)-10]), false, 400, ""},
		{"multipart without file", http.MethodPost, "/score", noFileCT, bytes.NewReader(noFile), false, 400, ""},
		{"multipart empty image", http.MethodPost, "/score", emptyPartCT, bytes.NewReader(emptyPart), false, 400, ""},
		{"multipart not an image", http.MethodPost, "/score", garbagePartCT, bytes.NewReader(garbagePart), false, 400, ""},
		{"too large, declared", http.MethodPost, "/score", "image/png", bytes.NewReader(big), false, 413, ""},
		{"too large, chunked", http.MethodPost, "/score", "image/png", bytes.NewReader(big), true, 413, ""},
		{"multipart too large, chunked", http.MethodPost, "/score", bigPartCT, bytes.NewReader(bigPart), true, 413, ""},
		{"threshold not a number", http.MethodPost, "/score?threshold=abc", "image/png", bytes.NewReader(good), false, 400, ""},
		{"threshold empty", http.MethodPost, "/score?threshold=", "image/png", bytes.NewReader(good), false, 400, ""},
		{"threshold NaN", http.MethodPost, "/score?threshold=NaN", "image/png", bytes.NewReader(good), false, 400, ""},
		{"threshold Inf", http.MethodPost, "/score?threshold=-Inf", "image/png", bytes.NewReader(good), false, 400, ""},
		{"threshold twice", http.MethodPost, "/score?threshold=1&threshold=2", "image/png", bytes.NewReader(good), false, 400, ""},
		{"malformed query", http.MethodPost, "/score?threshold=%zz", "image/png", bytes.NewReader(good), false, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if tc.chunked {
				body = io.MultiReader(body) // unknown length: sent chunked
			}
			r := do(t, ts.Client(), tc.method, ts.URL+tc.path, tc.contentType, body)
			if r.status != tc.want {
				t.Fatalf("status %d (%s), want %d", r.status, r.body, tc.want)
			}
			if tc.want == http.StatusRequestEntityTooLarge && !r.connClose {
				t.Error("413 without Connection: close; the server would read the rest of the body")
			}
			if got := r.header.Get("Allow"); got != tc.wantAllow {
				t.Errorf("Allow %q, want %q", got, tc.wantAllow)
			}
			if after := postImage(t, ts, "", good); after.status != http.StatusOK {
				t.Fatalf("good request after it: status %d (%s)", after.status, after.body)
			}
		})
	}
}
