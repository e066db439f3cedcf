package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gantry-dev/gantry/app/internal/config"
)

// StatusClientClosedRequest is recorded when the caller goes away before
// simulated work ends: not a server error, so it must not burn the error
// budget (the code nginx uses for the same case).
const StatusClientClosedRequest = 499

// WorkParams is a parsed /api/v1/work query.
type WorkParams struct {
	Duration    time.Duration
	FailureRate float64
}

type workHandler struct {
	max    time.Duration
	random func() float64
}

type workResponse struct {
	Duration string `json:"duration"`
}

// ServeHTTP answers GET /api/v1/work?duration=<go duration>&failure_rate=<0..1>:
// it waits for duration (or until the client goes away), then fails with 500
// with probability failure_rate. It exists so that latency and error-rate
// alerts can be exercised against a real deployment.
func (h workHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, err := ParseWorkParams(r.URL.Query(), h.max)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if p.Duration > 0 {
		t := time.NewTimer(p.Duration)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			w.WriteHeader(StatusClientClosedRequest)
			return
		}
	}
	if p.FailureRate > 0 && h.random() < p.FailureRate {
		writeError(w, http.StatusInternalServerError, "simulated failure")
		return
	}
	writeJSON(w, http.StatusOK, workResponse{Duration: p.Duration.String()})
}

// ParseWorkParams reads duration (default 0, at most max) and failure_rate
// (default 0, from 0 to 1).
func ParseWorkParams(q url.Values, max time.Duration) (WorkParams, error) {
	var p WorkParams
	if v := q.Get("duration"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return p, errors.New(`duration: want a Go duration such as "250ms"`)
		}
		if d < 0 || d > max {
			return p, fmt.Errorf("duration: must be from 0 to %s", max)
		}
		p.Duration = d
	}
	if v := q.Get("failure_rate"); v != "" {
		f, err := config.ParseRatio(v)
		if err != nil {
			return p, fmt.Errorf("failure_rate: %w", err)
		}
		p.FailureRate = f
	}
	return p, nil
}
