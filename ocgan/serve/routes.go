package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Endpoint paths.
const (
	pathScore   = "/score"
	pathHealthz = "/healthz"
	pathReadyz  = "/readyz"
	pathMetrics = "/metrics"
)

// route is one endpoint: its allowed methods, handler, and whether it is
// open without the token.
type route struct {
	methods []string
	handler http.Handler
	open    bool
}

// routes builds the server's handler: exact-path routing with 404 and 405
// (with Allow) as JSON errors, request counting and panic recovery.
func (s *Server) routes() http.Handler {
	metricsHandler := promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{
		ErrorLog:      promLogger{s.opts.Logf},
		ErrorHandling: promhttp.ContinueOnError,
	})
	table := map[string]route{
		pathScore:   {[]string{http.MethodPost}, http.HandlerFunc(s.serveScore), false},
		pathHealthz: {[]string{http.MethodGet, http.MethodHead}, http.HandlerFunc(s.serveHealthz), true},
		pathReadyz:  {[]string{http.MethodGet, http.MethodHead}, http.HandlerFunc(s.serveReadyz), true},
		pathMetrics: {[]string{http.MethodGet, http.MethodHead}, metricsHandler, false},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt, known := table[r.URL.Path]
		endpoint := "other"
		if known {
			endpoint = r.URL.Path
		}
		rw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.metrics.panics.WithLabelValues("handler").Inc()
				s.opts.Logf("serve: %s %s panicked: %v", r.Method, r.URL.Path, v)
				if !rw.wrote {
					writeError(rw, http.StatusInternalServerError, "internal error")
				}
			}
			s.metrics.request(endpoint, rw.code())
		}()
		switch {
		case !rt.open && !s.auth.allows(r):
			s.auth.refuse(rw, r)
		case !known:
			writeError(rw, http.StatusNotFound, "no such endpoint; try POST /score, GET /healthz, GET /readyz or GET /metrics")
		case !allowed(rt.methods, r.Method):
			rw.Header().Set("Allow", strings.Join(rt.methods, ", "))
			writeError(rw, http.StatusMethodNotAllowed, r.Method+" not allowed on "+r.URL.Path)
		default:
			rt.handler.ServeHTTP(rw, r)
		}
	})
}

func allowed(methods []string, m string) bool {
	for _, a := range methods {
		if a == m {
			return true
		}
	}
	return false
}

// statusWriter records the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// code is the status written, 200 if none was.
func (w *statusWriter) code() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.status
}

// errorBody is the JSON body of every error answer.
type errorBody struct {
	Error string `json:"error"`
}

// writeError answers with status and a JSON {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Error: "encoding the response: " + err.Error()})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// promLogger adapts Options.Logf to promhttp's logger.
type promLogger struct{ logf func(string, ...any) }

func (l promLogger) Println(v ...any) {
	l.logf("serve: metrics: %s", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}
