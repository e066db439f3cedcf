package middleware

import (
	"net/http"
	"strconv"
	"sync"
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
	series   *cache[seriesKey, series]
}

// seriesKey identifies one labelled series: the mux pattern (from which the
// route label is derived), the bounded method and the status code.
type seriesKey struct {
	pattern string
	method  string
	code    int
}

// series is the counter and histogram of one label set, looked up once so
// that a request neither hashes label values nor formats the status code.
type series struct {
	requests   prometheus.ExemplarAdder
	requestsOK prometheus.Counter
	duration   prometheus.ExemplarObserver
	durationOK prometheus.Observer
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
	m.series = newCache(m.newSeries)
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) newSeries(k seriesKey) series {
	route := Route(&http.Request{Pattern: k.pattern})
	code := strconv.Itoa(k.code)
	c := m.requests.WithLabelValues(route, k.method, code)
	o := m.duration.WithLabelValues(route, k.method, code)
	// client_golang's counters and histograms implement the exemplar
	// interfaces; asserting once here keeps the assertion off the hot path.
	return series{
		requests:   c.(prometheus.ExemplarAdder),
		requestsOK: c,
		duration:   o.(prometheus.ExemplarObserver),
		durationOK: o,
	}
}

// exemplarLabels recycles the one-entry label maps of exemplars; the client
// copies the labels into the exemplar it stores, so a map is free again as
// soon as the call returns.
var exemplarLabels = sync.Pool{New: func() any { return prometheus.Labels{"trace_id": ""} }}

// Handler observes next. When the request's span is sampled, the trace id is
// attached as an exemplar so that Grafana can jump from a latency bucket to
// the trace.
func (m *Metrics) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		rec := wrapRecorder(w)

		next.ServeHTTP(rec, r)

		elapsed := time.Since(rec.start).Seconds()
		s := m.series.get(seriesKey{pattern: r.Pattern, method: Method(r.Method), code: rec.status})
		if sc := trace.SpanContextFromContext(r.Context()); sc.IsSampled() {
			ex := exemplarLabels.Get().(prometheus.Labels)
			ex["trace_id"] = sc.TraceID().String()
			s.requests.AddWithExemplar(1, ex)
			s.duration.ObserveWithExemplar(elapsed, ex)
			exemplarLabels.Put(ex)
			return
		}
		s.requestsOK.Inc()
		s.durationOK.Observe(elapsed)
	})
}
