package serve

import (
	"net/http"
	"time"
)

// HealthResponse is the JSON body of /healthz.
type HealthResponse struct {
	// Status is "ok" while a model is being served, "unavailable" once the
	// server is closing (with status code 503).
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
	// ReloadError is the last failed reload attempt, while the old model
	// keeps serving; absent when the last attempt succeeded.
	ReloadError string `json:"reload_error,omitempty"`
	// Error says why the status is not "ok", like every error answer.
	Error string `json:"error,omitempty"`
}

// serveHealthz answers GET and HEAD /healthz.
func (s *Server) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	up := time.Since(s.start)
	resp := HealthResponse{Status: "ok", Uptime: up.Round(time.Second).String(), UptimeSeconds: up.Seconds()}
	if err := s.LastReloadError(); err != nil {
		resp.ReloadError = err.Error()
	}
	s.mu.RLock()
	h := s.cur
	s.mu.RUnlock()
	if h == nil {
		resp.Status, resp.Error = "unavailable", "server is shutting down"
		writeJSON(w, http.StatusServiceUnavailable, resp)
		return
	}
	resp.ModelVersion, resp.ModelID, resp.Threshold, resp.Device = h.info.Version, h.info.ID, h.info.Threshold, h.info.Device
	resp.SourceID, resp.ModelLoadedAt = h.sourceID, h.loadedAt
	writeJSON(w, http.StatusOK, resp)
}
