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
var DurationBuckets = durationBounds[:]

// durationBounds is an array so that per-bucket state can be sized by it.
var durationBounds = [...]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics records the RED metrics of every request.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	series   *cache[seriesKey, *series]
	// epoch is the monotonic origin of the exemplar clocks.
	epoch time.Time
}

// seriesKey identifies one labelled series: the mux pattern (from which the
// route label is derived), the bounded method and the status code.
type seriesKey struct {
	pattern string
	method  string
	code    int
}

// series is the counter and histogram of one label set, looked up once so
// that a request neither hashes label values nor formats the status code,
// with the clocks that pace its exemplars.
type series struct {
	requests   prometheus.Counter
	requestsEx prometheus.ExemplarAdder
	duration   prometheus.Observer
	durationEx prometheus.ExemplarObserver
	exemplars  exemplarClocks
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
	m.epoch = time.Now()
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) newSeries(k seriesKey) *series {
	route := Route(&http.Request{Pattern: k.pattern})
	code := strconv.Itoa(k.code)
	c := m.requests.WithLabelValues(route, k.method, code)
	o := m.duration.WithLabelValues(route, k.method, code)
	// client_golang's counters and histograms implement the exemplar
	// interfaces; asserting once here keeps the assertion off the hot path.
	return &series{
		requests:   c,
		requestsEx: c.(prometheus.ExemplarAdder),
		duration:   o,
		durationEx: o.(prometheus.ExemplarObserver),
	}
}

// Handler observes next. When the request's span is sampled, the trace id is
// attached as an exemplar so that Grafana can jump from a latency bucket to
// the trace, at most once per ExemplarInterval per series and bucket (see
// exemplarClocks).
func (m *Metrics) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		rec := wrapRecorder(w)

		next.ServeHTTP(rec, r)

		now := rec.finish()
		elapsed := now.Sub(rec.start).Seconds()
		s := m.series.get(seriesKey{pattern: r.Pattern, method: Method(r.Method), code: rec.status})
		sc := trace.SpanContextFromContext(r.Context())
		if !sc.IsSampled() {
			s.requests.Inc()
			s.duration.Observe(elapsed)
			return
		}
		var ex prometheus.Labels
		at := now.Sub(m.epoch)
		if s.exemplars.claimCounter(at) {
			ex = exemplarLabels(sc)
			s.requestsEx.AddWithExemplar(1, ex)
		} else {
			s.requests.Inc()
		}
		if s.exemplars.claimBucket(elapsed, at) {
			if ex == nil {
				ex = exemplarLabels(sc)
			}
			s.durationEx.ObserveWithExemplar(elapsed, ex)
		} else {
			s.duration.Observe(elapsed)
		}
	})
}

func exemplarLabels(sc trace.SpanContext) prometheus.Labels {
	return prometheus.Labels{"trace_id": sc.TraceID().String()}
}
