// Package httpapi is the service's HTTP surface: the API handlers, one file
// per group, and the one place where routes are registered.
package httpapi

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// Paths that probes and scrapers call; the middleware keeps them out of
// traces and logs them at debug level.
const (
	PathHealthz = "/healthz"
	PathReadyz  = "/readyz"
	PathMetrics = "/metrics"
)

// Deps is what the handlers need from the rest of the service.
type Deps struct {
	// Readiness answers /readyz (see shutdown.Readiness).
	Readiness http.Handler
	// Metrics answers /metrics.
	Metrics http.Handler
	// WorkMaxDuration caps /api/v1/work?duration=.
	WorkMaxDuration time.Duration
	// Random returns a float in [0, 1) for simulated failures; nil means
	// math/rand/v2.Float64. Tests pin it.
	Random func() float64
}

// NewRouter registers every route on a new ServeMux. Patterns carry their
// method, so the mux answers 405 for a wrong method, and the path part of
// each pattern becomes the route label of metrics and logs.
func NewRouter(d Deps) *http.ServeMux {
	if d.Random == nil {
		d.Random = rand.Float64
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/hello", helloHandler{})
	mux.Handle("GET /api/v1/work", workHandler{max: d.WorkMaxDuration, random: d.Random})
	mux.Handle("GET "+PathHealthz, http.HandlerFunc(healthz))
	mux.Handle("GET "+PathReadyz, d.Readiness)
	mux.Handle("GET "+PathMetrics, d.Metrics)
	return mux
}
