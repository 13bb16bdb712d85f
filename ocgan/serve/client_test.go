package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	body   []byte
	score  ScoreResponse
	err    string
	// connClose: the server announced it closes the connection.
	connClose bool
}

// do sends one request and decodes its JSON answer; any transport or
// decoding error fails the test.
func do(t testing.TB, client *http.Client, method, url, contentType string, body io.Reader) reply {
	t.Helper()
	r, err := send(client, method, url, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send sends one request and decodes its JSON answer (ScoreResponse for
// 200s of /score, errorBody for errors, which must have one). It is safe in
// any goroutine.
func send(client *http.Client, method, url, contentType string, body io.Reader) (reply, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return reply{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: reading the answer: %w", method, url, err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: b, connClose: resp.Close}
	if method == http.MethodHead || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return r, nil
	}
	switch {
	case resp.StatusCode == http.StatusOK && req.URL.Path == pathScore:
		if err := json.Unmarshal(b, &r.score); err != nil {
			return r, fmt.Errorf("%s %s: decoding %q: %w", method, url, b, err)
		}
	case resp.StatusCode != http.StatusOK:
		var e errorBody
		if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
			return r, fmt.Errorf("%s %s: status %d with body %q, want a JSON error", method, url, resp.StatusCode, b)
		}
		r.err = e.Error
	}
	return r, nil
}

// postImage posts a raw PNG/JPEG body to /score.
func postImage(t testing.TB, ts *httptest.Server, query string, img []byte) reply {
	t.Helper()
	return do(t, ts.Client(), http.MethodPost, ts.URL+pathScore+query, "image/png", bytes.NewReader(img))
}

// postAsync posts a raw PNG body to /score from any goroutine, reporting a
// transport error with t.Error and a zero reply.
func postAsync(t testing.TB, ts *httptest.Server, img []byte) reply {
	r, err := send(ts.Client(), http.MethodPost, ts.URL+pathScore, "image/png", bytes.NewReader(img))
	if err != nil {
		t.Error(err)
	}
	return r
}
