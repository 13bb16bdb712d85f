package serve

import (
	"net/http"
	"time"
)

// HealthResponse is the JSON body of /healthz.
type HealthResponse struct {
	// Status is "ok" while a model is being served, "unavailable" (with
	// status code 503) once the server is closing or the model can no
	// longer score (its device was lost; Error says why).
	Status       string  `json:"status"`
	ModelVersion string  `json:"model_version,omitempty"`
	ModelID      string  `json:"model_id,omitempty"`
	Threshold    float64 `json:"threshold"`
	Device       string  `json:"device,omitempty"`
	// SourceID is the Source's identifier of the model (e.g. the install
	// directory the current symlink resolves to).
	SourceID string `json:"source_id,omitempty"`
	// ModelLoadedAt is when the model was loaded (RFC 3339).
	ModelLoadedAt time.Time `json:"model_loaded_at,omitzero"`
	// Uptime is the server's age as a Go duration ("1h2m3s"); UptimeSeconds
	// the same in seconds.
	Uptime        string  `json:"uptime"`
	UptimeSeconds float64 `json:"uptime_seconds"`
	// Saturated is true while a new /score request would be turned away
	// with 503 for want of room (every reading or admission place taken);
	// Load says how full each stage is.
	Saturated bool `json:"saturated"`
	Load      Load `json:"load"`
	// ReloadError is the last failed reload attempt, while the old model
	// keeps serving; absent when the last attempt succeeded.
	ReloadError string `json:"reload_error,omitempty"`
	// Error says why the status is not "ok", like every error answer.
	Error string `json:"error,omitempty"`
}

// Load is how full the server's stages are, in requests (connections for
// the last pair; 0 when served through Handler alone).
type Load struct {
	Reading        int   `json:"reading"`
	MaxReading     int   `json:"max_reading"`
	Admitted       int   `json:"admitted"`
	MaxAdmitted    int   `json:"max_admitted"`
	Scoring        int   `json:"scoring"`
	MaxScoring     int   `json:"max_scoring"`
	Connections    int64 `json:"connections"`
	MaxConnections int   `json:"max_connections"`
}

// occupancy is the server's Load now.
func (s *Server) occupancy() Load {
	l := s.limit
	return Load{
		Reading: len(l.reading), MaxReading: cap(l.reading),
		Admitted: len(l.admitted), MaxAdmitted: cap(l.admitted),
		Scoring: len(l.slots), MaxScoring: cap(l.slots),
		Connections: s.conns.n.Load(), MaxConnections: s.opts.MaxConns,
	}
}

// serveHealthz answers GET and HEAD /healthz.
func (s *Server) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	up := time.Since(s.start)
	resp := HealthResponse{Status: "ok", Uptime: up.Round(time.Second).String(), UptimeSeconds: up.Seconds(),
		Saturated: s.limit.saturated(), Load: s.occupancy()}
	if err := s.LastReloadError(); err != nil {
		resp.ReloadError = err.Error()
	}
	h := s.acquire()
	if h == nil {
		resp.Status, resp.Error = "unavailable", "server is shutting down"
		writeJSON(w, http.StatusServiceUnavailable, resp)
		return
	}
	defer h.release()
	resp.ModelVersion, resp.ModelID, resp.Threshold, resp.Device = h.info.Version, h.info.ID, h.info.Threshold, h.info.Device
	resp.SourceID, resp.ModelLoadedAt = h.sourceID, h.loadedAt
	if err := h.check(); err != nil {
		resp.Status, resp.Error = "unavailable", err.Error()
		writeJSON(w, http.StatusServiceUnavailable, resp)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// ReadyResponse is the JSON body of /readyz.
type ReadyResponse struct {
	// Ready is true while a model is loaded and the server takes requests.
	Ready        bool   `json:"ready"`
	ModelVersion string `json:"model_version,omitempty"`
	ModelID      string `json:"model_id,omitempty"`
	// Error says why the server is not ready, like every error answer.
	Error string `json:"error,omitempty"`
}

// serveReadyz answers GET and HEAD /readyz: 200 while a model is loaded
// and can score, 503 once the server is shutting down or the model can no
// longer score.
func (s *Server) serveReadyz(w http.ResponseWriter, _ *http.Request) {
	h := s.acquire()
	if h == nil || s.readers.isClosing() {
		if h != nil {
			h.release()
		}
		writeJSON(w, http.StatusServiceUnavailable, ReadyResponse{Error: "server is shutting down"})
		return
	}
	defer h.release()
	if err := h.check(); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, ReadyResponse{ModelVersion: h.info.Version, ModelID: h.info.ID, Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, ReadyResponse{Ready: true, ModelVersion: h.info.Version, ModelID: h.info.ID})
}
