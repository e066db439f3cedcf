package shutdown

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Step is one thing to stop, e.g. an *http.Server's Shutdown or a tracer
// provider's flush. Steps run in order, all under one deadline.
type Step struct {
	Name string
	Stop func(context.Context) error
}

// Sequence is the SIGTERM sequence.
type Sequence struct {
	Readiness  *Readiness
	DrainDelay time.Duration
	Timeout    time.Duration
	Steps      []Step
	Logger     *slog.Logger
	// Sleep waits for the drain delay; nil means a real timer. Tests replace
	// it to observe or shorten the wait.
	Sleep func(time.Duration)
}

// Run fails readiness, waits DrainDelay while the servers keep serving, then
// runs every step within Timeout. Every step runs even if an earlier one
// fails or the deadline passes (a step then gets an expired context and is
// expected to give up at once), so that telemetry is still flushed after a
// slow HTTP shutdown. The errors of all steps are returned joined.
func (s Sequence) Run() error {
	start := time.Now()
	s.Readiness.MarkDraining()
	s.Logger.Info("shutdown started: readiness failing, draining",
		slog.String("drain_delay", s.DrainDelay.String()), slog.String("timeout", s.Timeout.String()))

	sleep := s.Sleep
	if sleep == nil {
		sleep = time.Sleep
	}
	if s.DrainDelay > 0 {
		sleep(s.DrainDelay)
	}

	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	defer cancel()
	var errs []error
	for _, step := range s.Steps {
		stepStart := time.Now()
		if err := step.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", step.Name, err))
			s.Logger.Error("shutdown step failed", slog.String("step", step.Name), slog.Any("error", err))
			continue
		}
		s.Logger.Info("shutdown step done", slog.String("step", step.Name), slog.String("took", time.Since(stepStart).String()))
	}
	err := errors.Join(errs...)
	s.Logger.Info("shutdown finished", slog.String("took", time.Since(start).String()), slog.Bool("clean", err == nil))
	return err
}
