package serve

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzScoreRequest feeds arbitrary bodies, Content-Types (with multipart
// boundaries) and queries to POST /score on a model that rejects garbage
// with ErrBadImage. The answer must never be a 5xx, must be well-formed
// JSON, a 200 must carry a verdict consistent with its score and threshold,
// and every admission and slot must be given back.
func FuzzScoreRequest(f *testing.F) {
	png := grayPNG(f, 200, 4, 4)
	mp, mpCT := multipartBody(f, part{"image", "x.png", png})
	mp2, mp2CT := multipartBody(f, part{"a", "", []byte("x")}, part{"b", "b.jpg", grayJPEG(f, 9, 3, 3)})
	seeds := []struct {
		body        []byte
		contentType string
		query       string
	}{
		{png, "image/png", ""},
		{png, "", "threshold=0.9"},
		{png, "application/octet-stream", "threshold=-1e308"},
		{png[:20], "image/jpeg", ""},
		{mp, mpCT, ""},
		{mp2, mp2CT, "threshold=1"},
		{mp[:len(mp)/2], mpCT, ""},
		{[]byte("--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a\"\r\n\r\nzz\r\n--x--\r\n"), "multipart/form-data; boundary=x", ""},
		{nil, "multipart/form-data; boundary=\"\"", ""},
		{[]byte("hello"), "text/plain", "threshold=%"},
		{bytes.Repeat([]byte{0}, 5000), "image/png", ""},
	}
	for _, s := range seeds {
		f.Add(s.body, s.contentType, s.query)
	}
	src := newFakeSource("v1")
	s, err := New(src, Options{PollInterval: -1, MaxBodyBytes: 4096})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		if err := s.Close(); err != nil {
			f.Error(err)
		}
		for _, m := range src.models() {
			m.check(f)
		}
	})
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte, contentType, query string) {
		req := httptest.NewRequest(http.MethodPost, "/score", bytes.NewReader(body))
		req.URL.RawQuery = query
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if rec.Code == http.StatusOK {
			var r ScoreResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatalf("200 with body %q: %v", rec.Body, err)
			}
			if (r.Score >= r.Threshold) != (r.Verdict == verdictNovel) || r.Verdict == "" {
				t.Fatalf("score %v threshold %v verdict %q", r.Score, r.Threshold, r.Verdict)
			}
		} else {
			var e errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("status %d with body %q, want a JSON error", rec.Code, rec.Body)
			}
		}
		if a, sl := len(s.limit.admitted), len(s.limit.slots); a != 0 || sl != 0 {
			t.Fatalf("after the request: %d admitted, %d slots held", a, sl)
		}
	})
}
