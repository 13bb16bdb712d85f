package serve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
)

// requestError is a client error: the status to answer and why.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// imageField is the multipart field preferred for the image.
const imageField = "image"

// bodyKind is how a /score body carries the image.
type bodyKind int

const (
	bodyRaw bodyKind = iota
	bodyMultipart
)

// classify checks a /score request's headers before anything is read: the
// Content-Type (raw image types, octet-stream, none, or multipart/form-data
// with a boundary) and a declared Content-Length against limit. It returns
// the body kind and the multipart boundary.
func classify(r *http.Request, limit int64) (bodyKind, string, *requestError) {
	if r.ContentLength > limit {
		return 0, "", &requestError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("body of %d bytes exceeds the limit of %d bytes", r.ContentLength, limit)}
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return bodyRaw, "", nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return 0, "", badRequest("malformed Content-Type %q: %v", ct, err)
	}
	switch mt {
	case "image/png", "image/jpeg", "application/octet-stream":
		return bodyRaw, "", nil
	case "multipart/form-data":
		b := params["boundary"]
		if b == "" {
			return 0, "", badRequest("multipart/form-data without a boundary")
		}
		return bodyMultipart, b, nil
	}
	return 0, "", &requestError{status: http.StatusUnsupportedMediaType,
		msg: fmt.Sprintf("unsupported Content-Type %q: send image/png, image/jpeg, application/octet-stream or multipart/form-data", mt)}
}

// readImage reads the encoded image from a /score body of the given kind,
// reading at most limit bytes of body. Errors are *requestError: 408 for a
// body that arrived too slowly, 503 when the server began shutting down.
func readImage(w http.ResponseWriter, r io.ReadCloser, kind bodyKind, boundary string, limit int64) ([]byte, *requestError) {
	// Only the server's own ResponseWriter learns from MaxBytesReader that
	// the limit was hit (and then closes the connection instead of reading
	// the rest of the body), so unwrap ours.
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	body := http.MaxBytesReader(w, r, limit)
	var (
		img []byte
		err error
	)
	if kind == bodyMultipart {
		img, err = readMultipart(body, boundary)
	} else {
		img, err = io.ReadAll(body)
	}
	var tooBig *http.MaxBytesError
	var reqErr *requestError
	switch {
	case errors.As(err, &tooBig):
		return nil, &requestError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("body exceeds the limit of %d bytes", tooBig.Limit)}
	case errors.As(err, &reqErr):
		return nil, reqErr
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, &requestError{status: http.StatusRequestTimeout, msg: "the body arrived too slowly"}
	case errors.Is(err, errReadAborted):
		return nil, &requestError{status: http.StatusServiceUnavailable, msg: err.Error()}
	case err != nil:
		return nil, badRequest("reading the body: %v", err)
	case len(img) == 0:
		return nil, badRequest("empty image")
	}
	return img, nil
}

// readMultipart returns the contents of the part named "image", or else of
// the first file part. Other parts are skipped.
func readMultipart(body io.Reader, boundary string) ([]byte, error) {
	mr := multipart.NewReader(body, boundary)
	var first []byte
	found := false
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malformed multipart body: %w", err)
		}
		name, file := p.FormName(), p.FileName()
		if name != imageField && (file == "" || found) {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, fmt.Errorf("malformed multipart body: %w", err)
			}
			continue
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(p); err != nil {
			return nil, fmt.Errorf("malformed multipart body: %w", err)
		}
		if name == imageField {
			return buf.Bytes(), nil
		}
		first, found = buf.Bytes(), true
	}
	if !found {
		return nil, badRequest("multipart body has no %q field and no file part", imageField)
	}
	return first, nil
}

// thresholdOverride parses the optional ?threshold= query: ok is false when
// it is absent.
func thresholdOverride(r *http.Request) (t float64, ok bool, rerr *requestError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return 0, false, badRequest("malformed query: %v", err)
	}
	vs, present := q["threshold"]
	if !present {
		return 0, false, nil
	}
	if len(vs) != 1 {
		return 0, false, badRequest("threshold given %d times", len(vs))
	}
	t, err = strconv.ParseFloat(vs[0], 64)
	if err != nil || math.IsNaN(t) || math.IsInf(t, 0) {
		return 0, false, badRequest("threshold %q is not a finite number", vs[0])
	}
	return t, true, nil
}
