package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestWorkWaitsAndSucceeds(t *testing.T) {
	mux := newTestRouter()
	start := time.Now()
	rec := get(t, mux, "/api/v1/work?duration=30ms&failure_rate=0.4")
	if took := time.Since(start); took < 30*time.Millisecond {
		t.Errorf("returned after %v, want at least 30ms", took)
	}
	// Random returns 0.5 >= 0.4: success.
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"duration":"30ms"`) {
		t.Errorf("got %d %q", rec.Code, rec.Body)
	}
}

func TestWorkFailsAtTheGivenRate(t *testing.T) {
	mux := newTestRouter()
	// Random returns 0.5 < 0.6: failure.
	rec := get(t, mux, "/api/v1/work?failure_rate=0.6")
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "simulated failure") {
		t.Errorf("got %d %q", rec.Code, rec.Body)
	}
	if rec := get(t, mux, "/api/v1/work?failure_rate=1"); rec.Code != 500 {
		t.Errorf("failure_rate=1: %d", rec.Code)
	}
	if rec := get(t, mux, "/api/v1/work?failure_rate=0"); rec.Code != 200 {
		t.Errorf("failure_rate=0: %d", rec.Code)
	}
}

func TestWorkRejectsBadParameters(t *testing.T) {
	mux := newTestRouter()
	for q, want := range map[string]string{
		"duration=1s":                    "duration: must be from 0 to 200ms",
		"duration=-1ms":                  "duration: must be from 0",
		"duration=fast":                  "duration: want a Go duration",
		"failure_rate=2":                 "failure_rate: want a number from 0 to 1",
		"failure_rate=NaN":               "failure_rate: want a number from 0 to 1",
		"failure_rate=50%25":             "failure_rate: want a number from 0 to 1",
		"duration=1ms&failure_rate=-0.1": "failure_rate",
	} {
		rec := get(t, mux, "/api/v1/work?"+q)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: got %d %q, want 400 with %q", q, rec.Code, rec.Body, want)
		}
	}
}

func TestWorkStopsWhenTheClientLeaves(t *testing.T) {
	h := workHandler{max: time.Minute, random: func() float64 { return 1 }}
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodGet, "/api/v1/work?duration=30s", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { h.ServeHTTP(rec, req); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("handler kept waiting after the client left")
	}
	if rec.Code != StatusClientClosedRequest {
		t.Errorf("code %d, want %d", rec.Code, StatusClientClosedRequest)
	}
}

func TestParseWorkParamsDefaults(t *testing.T) {
	p, err := ParseWorkParams(url.Values{}, time.Second)
	if err != nil || p.Duration != 0 || p.FailureRate != 0 {
		t.Fatalf("got %+v, %v; want zero params", p, err)
	}
}
