// Package app assembles the service from its parts (configuration, logger,
// tracing, metrics, router, middleware, servers) and runs it until its
// context ends, then shuts it down in order. main only loads the
// configuration and calls it; tests run the very same assembly on 127.0.0.1.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/httpapi"
	"github.com/gantry-dev/gantry/app/internal/metrics"
	"github.com/gantry-dev/gantry/app/internal/middleware"
	"github.com/gantry-dev/gantry/app/internal/shutdown"
	"github.com/gantry-dev/gantry/app/internal/telemetry"
	"github.com/gantry-dev/gantry/app/internal/version"
)

// App is one assembled service.
type App struct {
	cfg       config.Config
	build     version.Info
	logger    *slog.Logger
	readiness *shutdown.Readiness
	tracing   *telemetry.Tracing
	handler   http.Handler
}

// Options are the parts a caller may supply instead of the defaults.
type Options struct {
	// Tracing replaces the tracing built from cfg.Tracing (tests pass an
	// in-memory exporter). Nil means telemetry.Setup.
	Tracing *telemetry.Tracing
}

// New builds the service; nothing listens yet and readiness is false.
func New(ctx context.Context, cfg config.Config, build version.Info, logger *slog.Logger, opts Options) (*App, error) {
	tr := opts.Tracing
	if tr == nil {
		var err error
		if tr, err = telemetry.Setup(ctx, cfg.Tracing, build); err != nil {
			return nil, err
		}
	}
	reg, err := metrics.NewRegistry(build)
	if err != nil {
		return nil, fmt.Errorf("metrics registry: %w", err)
	}
	reqMetrics, err := middleware.NewMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("request metrics: %w", err)
	}
	readiness := shutdown.NewReadiness()
	router := httpapi.NewRouter(httpapi.Deps{
		Readiness:       readiness,
		Metrics:         metrics.Handler(reg),
		WorkMaxDuration: cfg.WorkMaxDuration,
	})
	quiet := []string{httpapi.PathHealthz, httpapi.PathReadyz, httpapi.PathMetrics}
	handler := middleware.Chain(router,
		middleware.NewTracing(tr, quiet...),
		reqMetrics,
		middleware.NewAccessLog(logger, quiet...),
	)
	return &App{cfg: cfg, build: build, logger: logger, readiness: readiness, tracing: tr, handler: handler}, nil
}

// Handler is the full instrumented handler (router inside the middleware).
func (a *App) Handler() http.Handler { return a.handler }

// Readiness is the service's readiness state.
func (a *App) Readiness() *shutdown.Readiness { return a.readiness }

// Run serves the API on ln (and pprof on its own listener when enabled)
// until ctx ends, then runs the shutdown sequence: readiness fails, the
// drain delay passes while requests are still served, the servers shut down
// gracefully within the timeout, and buffered spans are flushed. It returns
// nil after a clean shutdown.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	a.logStartup(ln.Addr())
	api := newServer(a.handler, a.cfg.Server, a.logger)
	serveErr := make(chan error, 2)
	go func() { serveErr <- serve("api", api, ln) }()

	steps := []shutdown.Step{{Name: "http", Stop: stopServer(api)}}
	if a.cfg.Pprof.Enabled {
		pl, err := net.Listen("tcp", a.cfg.Pprof.Addr)
		if err != nil {
			_ = api.Close()
			return fmt.Errorf("pprof listener (PPROF_ADDR=%s): %w", a.cfg.Pprof.Addr, err)
		}
		ps := newPprofServer(a.cfg.Server, a.logger)
		go func() { serveErr <- serve("pprof", ps, pl) }()
		steps = append(steps, shutdown.Step{Name: "pprof", Stop: stopServer(ps)})
		a.logger.Warn("pprof enabled", slog.String("addr", pl.Addr().String()))
	}
	steps = append(steps, shutdown.Step{Name: "traces", Stop: a.tracing.Shutdown})

	a.readiness.MarkReady()
	a.logger.Info("ready", slog.String("addr", ln.Addr().String()))

	var runErr error
	select {
	case <-ctx.Done():
		a.logger.Info("stop signal received")
	case runErr = <-serveErr:
		a.logger.Error("server failed", slog.Any("error", runErr))
	}
	seq := shutdown.Sequence{
		Readiness:  a.readiness,
		DrainDelay: a.cfg.Shutdown.DrainDelay,
		Timeout:    a.cfg.Shutdown.Timeout,
		Steps:      steps,
		Logger:     a.logger,
	}
	if runErr != nil {
		seq.DrainDelay = 0 // nothing is being served any more
	}
	return errors.Join(runErr, seq.Run())
}

// serve returns nil when the server was shut down on purpose.
func serve(name string, s *http.Server, ln net.Listener) error {
	if err := s.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("%s server: %w", name, err)
	}
	return nil
}

// stopServer shuts s down gracefully; past the deadline it closes the
// remaining connections so that the process can exit.
func stopServer(s *http.Server) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := s.Shutdown(ctx); err != nil {
			_ = s.Close()
			return err
		}
		return nil
	}
}

func (a *App) logStartup(addr net.Addr) {
	tr := a.cfg.Tracing
	a.logger.Info("starting",
		slog.String("version", a.build.Version),
		slog.String("revision", a.build.Revision),
		slog.String("goversion", a.build.GoVersion),
		slog.String("addr", addr.String()),
		slog.Int("gomaxprocs", runtime.GOMAXPROCS(0)),
		// The runtime applies GOMEMLIMIT itself; -1 reads the effective
		// limit without changing it (math.MaxInt64 means no limit).
		slog.Int64("gomemlimit_bytes", debug.SetMemoryLimit(-1)),
		// GOGC as configured (cmd/hello applies it; -1 is off).
		slog.Int("gogc", a.cfg.Runtime.GCPercent),
		slog.Bool("tracing", tr.Enabled),
		slog.String("otlp_endpoint", tr.Endpoint),
		slog.String("otlp_protocol", tr.Protocol),
		slog.String("sampler", tr.Sampler.Name),
		slog.Float64("sampler_ratio", tr.Sampler.Ratio),
		slog.String("drain_delay", a.cfg.Shutdown.DrainDelay.String()),
		slog.String("shutdown_timeout", a.cfg.Shutdown.Timeout.String()),
	)
}
