// Package shutdown owns the service's readiness state and the SIGTERM
// sequence: fail readiness, keep serving through a drain delay so that
// Kubernetes stops routing new traffic here, then shut the servers down and
// flush telemetry within a deadline. Nothing here is global: main creates one
// Readiness and one Sequence and hands them to whoever needs them.
package shutdown

import (
	"net/http"
	"sync"
	"sync/atomic"
)

// Readiness is false until MarkReady and false again, for good, from the
// moment MarkDraining is called.
type Readiness struct {
	ready    atomic.Bool
	draining atomic.Bool
	once     sync.Once
	drained  chan struct{}
}

// NewReadiness returns a Readiness that is not ready.
func NewReadiness() *Readiness {
	return &Readiness{drained: make(chan struct{})}
}

// MarkReady makes the service ready, unless it is already draining.
func (r *Readiness) MarkReady() {
	if !r.draining.Load() {
		r.ready.Store(true)
	}
}

// MarkDraining makes the service unready for the rest of its life.
func (r *Readiness) MarkDraining() {
	r.once.Do(func() {
		r.draining.Store(true)
		r.ready.Store(false)
		close(r.drained)
	})
}

// Ready reports whether the service should receive traffic.
func (r *Readiness) Ready() bool { return r.ready.Load() && !r.draining.Load() }

// Draining returns a channel closed when MarkDraining is first called.
func (r *Readiness) Draining() <-chan struct{} { return r.drained }

// ServeHTTP answers readiness probes: 200 when ready, 503 otherwise.
func (r *Readiness) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if r.Ready() {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ready\n"))
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte("not ready\n"))
}
