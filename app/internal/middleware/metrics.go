package middleware

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
)

// DurationBuckets are the classic histogram buckets, in seconds. They are
// kept next to the native histogram so that dashboards and recording rules
// work whether or not Prometheus scrapes native histograms.
var DurationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics records the RED metrics of every request.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewMetrics creates and registers the request metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route pattern, method and status code.",
			Buckets: DurationBuckets,
			// Native histogram: ~10% relative bucket width, bounded size,
			// reset at most hourly when the bound is hit.
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramMaxBucketNumber:  160,
			NativeHistogramMinResetDuration: time.Hour,
			NativeHistogramMaxExemplars:     10,
			NativeHistogramExemplarTTL:      5 * time.Minute,
		}, []string{"route", "method", "code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Handler observes next. When the request's span is sampled, the trace id is
// attached as an exemplar so that Grafana can jump from a latency bucket to
// the trace.
func (m *Metrics) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		rec := wrapRecorder(w)

		next.ServeHTTP(rec, r)

		elapsed := time.Since(start).Seconds()
		labels := []string{Route(r), Method(r.Method), strconv.Itoa(rec.status)}
		counter := m.requests.WithLabelValues(labels...)
		observer := m.duration.WithLabelValues(labels...)
		if sc := trace.SpanContextFromContext(r.Context()); sc.IsSampled() {
			ex := prometheus.Labels{"trace_id": sc.TraceID().String()}
			counter.(prometheus.ExemplarAdder).AddWithExemplar(1, ex)
			observer.(prometheus.ExemplarObserver).ObserveWithExemplar(elapsed, ex)
			return
		}
		counter.Inc()
		observer.Observe(elapsed)
	})
}
