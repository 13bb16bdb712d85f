package serve

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Histogram buckets in seconds: latencyBuckets for whole /score requests
// (1 ms to 10 s), stageBuckets for single stages (100 µs to 10 s).
var (
	latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	stageBuckets   = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
)

// metrics are one server's Prometheus series, in its own registry.
type metrics struct {
	registry       *prometheus.Registry
	requests       *prometheus.CounterVec
	latency        prometheus.Histogram
	stages         *prometheus.HistogramVec
	inFlight       prometheus.Gauge
	waiting        prometheus.Gauge
	reading        prometheus.Gauge
	rejected       *prometheus.CounterVec
	verdicts       *prometheus.CounterVec
	panics         *prometheus.CounterVec
	reloads        prometheus.Counter
	reloadFailures prometheus.Counter
}

// newMetrics registers the server's series, the model info collector over
// current, and the Go runtime and process collectors in a new registry.
func newMetrics(current func() *ModelInfo) (*metrics, error) {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocgan_http_requests_total",
			Help: "HTTP requests by endpoint (/score, /healthz, /metrics or other) and status code.",
		}, []string{"endpoint", "code"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ocgan_score_duration_seconds",
			Help:    "Time to answer a successful /score request, from arrival to response, in seconds.",
			Buckets: latencyBuckets,
		}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ocgan_score_stage_duration_seconds",
			Help:    "Time of each stage of successful /score requests: read and queue (server), then the model's stages.",
			Buckets: stageBuckets,
		}, []string{"stage"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ocgan_score_in_flight",
			Help: "/score requests holding a scoring slot.",
		}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ocgan_score_waiting",
			Help: "/score requests admitted (body read) and waiting for a scoring slot.",
		}),
		reading: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ocgan_score_reading",
			Help: "/score requests whose body is arriving.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocgan_score_rejected_total",
			Help: "/score requests turned away with 503 or 429, by reason (reading_full, queue_full, queue_timeout, closing, client_limit).",
		}, []string{"reason"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocgan_score_verdicts_total",
			Help: "Successful /score requests by verdict (novel or normal).",
		}, []string{"verdict"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocgan_panics_total",
			Help: "Recovered panics by where they happened (model or handler).",
		}, []string{"where"}),
		reloads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ocgan_model_reloads_total",
			Help: "Models swapped in after the source named a new one.",
		}),
		reloadFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ocgan_model_reload_failures_total",
			Help: "Failed attempts to find or load a new model; the old model keeps serving.",
		}),
	}
	cs := []prometheus.Collector{
		m.requests, m.latency, m.stages, m.inFlight, m.waiting, m.reading, m.rejected, m.verdicts, m.panics,
		m.reloads, m.reloadFailures, infoCollector{current: current},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	for _, c := range cs {
		if err := m.registry.Register(c); err != nil {
			return nil, fmt.Errorf("serve: registering metrics: %w", err)
		}
	}
	// Zero series that tests and dashboards look for before the first event.
	for _, r := range []string{rejectReadingFull, rejectQueueFull, rejectQueueTimeout, rejectClosing, rejectClientLimit, rejectUnavailable} {
		m.rejected.WithLabelValues(r)
	}
	for _, v := range []string{verdictNovel, verdictNormal} {
		m.verdicts.WithLabelValues(v)
	}
	for _, w := range []string{"model", "handler"} {
		m.panics.WithLabelValues(w)
	}
	return m, nil
}

// request counts one answered request.
func (m *metrics) request(endpoint string, code int) {
	m.requests.WithLabelValues(endpoint, strconv.Itoa(code)).Inc()
}

// observeStage records one stage's duration.
func (m *metrics) observeStage(name string, d time.Duration) {
	m.stages.WithLabelValues(name).Observe(d.Seconds())
}

// infoCollector exports ocgan_model_info and ocgan_model_threshold for the
// current model at scrape time, so only the current model's labels are ever
// present.
type infoCollector struct {
	current func() *ModelInfo
}

var (
	infoDesc = prometheus.NewDesc("ocgan_model_info",
		"The model being served: always 1, with its version and bundle id as labels.",
		[]string{"version", "id"}, nil)
	thresholdDesc = prometheus.NewDesc("ocgan_model_threshold",
		"Decision threshold of the model being served.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c infoCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- infoDesc
	ch <- thresholdDesc
}

// Collect implements prometheus.Collector.
func (c infoCollector) Collect(ch chan<- prometheus.Metric) {
	info := c.current()
	if info == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(infoDesc, prometheus.GaugeValue, 1, info.Version, info.ID)
	ch <- prometheus.MustNewConstMetric(thresholdDesc, prometheus.GaugeValue, info.Threshold)
}
