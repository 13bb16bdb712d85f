package serve

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// auth checks the bearer token of requests; the zero value allows all.
type auth struct {
	digest [sha256.Size]byte
	on     bool
}

func newAuth(token string) auth {
	if token == "" {
		return auth{}
	}
	return auth{digest: sha256.Sum256([]byte(token)), on: true}
}

// allows reports whether r carries the token (or no token is needed). The
// digests are compared in constant time, so neither the token's contents
// nor its length leak through timing.
func (a auth) allows(r *http.Request) bool {
	if !a.on {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	d := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(d[:], a.digest[:]) == 1 && ok
}

// refuse answers 401 without reading the body.
func (a auth) refuse(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="ocgan"`)
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
}
