package shutdown

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func probe(t *testing.T, r *Readiness) int {
	t.Helper()
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	return rec.Code
}

func TestReadinessLifecycle(t *testing.T) {
	r := NewReadiness()
	if r.Ready() || probe(t, r) != http.StatusServiceUnavailable {
		t.Fatal("must not be ready before start-up completes")
	}
	r.MarkReady()
	if !r.Ready() || probe(t, r) != http.StatusOK {
		t.Fatal("must be ready after MarkReady")
	}
	r.MarkDraining()
	select {
	case <-r.Draining():
	default:
		t.Fatal("Draining channel not closed")
	}
	r.MarkReady() // a late start-up signal must not undo draining
	if r.Ready() || probe(t, r) != http.StatusServiceUnavailable {
		t.Fatal("must stay unready once draining")
	}
	r.MarkDraining() // idempotent
}

func TestSequenceOrderAndDeadline(t *testing.T) {
	r := NewReadiness()
	r.MarkReady()
	var events []string
	seq := Sequence{
		Readiness:  r,
		DrainDelay: 42 * time.Millisecond,
		Timeout:    time.Second,
		Logger:     discard(),
		Sleep: func(d time.Duration) {
			if r.Ready() {
				t.Error("drain started while still ready")
			}
			events = append(events, "drain "+d.String())
		},
		Steps: []Step{
			{Name: "http", Stop: func(ctx context.Context) error {
				dl, ok := ctx.Deadline()
				if !ok || time.Until(dl) > time.Second {
					t.Errorf("step context has no deadline within Timeout: %v %v", dl, ok)
				}
				events = append(events, "http")
				return errors.New("boom")
			}},
			{Name: "traces", Stop: func(context.Context) error { events = append(events, "traces"); return nil }},
		},
	}
	err := seq.Run()
	if got := strings.Join(events, ","); got != "drain 42ms,http,traces" {
		t.Fatalf("events = %s, want drain then every step in order", got)
	}
	if err == nil || !strings.Contains(err.Error(), "http: boom") {
		t.Fatalf("err = %v, want the failing step named", err)
	}
}

func TestSequenceSkipsSleepWithoutDrainDelay(t *testing.T) {
	seq := Sequence{Readiness: NewReadiness(), Timeout: time.Second, Logger: discard(),
		Sleep: func(time.Duration) { t.Error("slept with zero drain delay") }}
	if err := seq.Run(); err != nil {
		t.Fatal(err)
	}
}
