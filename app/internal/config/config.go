// Package config reads the service's settings from environment variables
// once, at start-up, and rejects bad values with an error that names the
// variable, so that a misconfigured Deployment fails fast and says why.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config is every setting the service reads. It is built by Load and never
// changed afterwards.
type Config struct {
	// HTTPAddr is the API listener address (HTTP_ADDR, default ":8080").
	HTTPAddr string
	// LogLevel is the minimum level written (LOG_LEVEL, default info).
	LogLevel slog.Level
	// Server holds the net/http server limits.
	Server ServerConfig
	// Shutdown holds the SIGTERM sequence timings.
	Shutdown ShutdownConfig
	// Pprof is the optional profiling listener.
	Pprof PprofConfig
	// WorkMaxDuration caps /api/v1/work?duration= (WORK_MAX_DURATION,
	// default 10s); it must stay below the server's write timeout.
	WorkMaxDuration time.Duration
	// Tracing is the OpenTelemetry trace export setup.
	Tracing TracingConfig
	// Runtime tunes the Go runtime; main applies it.
	Runtime RuntimeConfig
}

// RuntimeConfig paces the garbage collector. The service's live heap is a
// few MiB, so at the runtime's own default (GOGC=100) the collector starts
// a cycle every few MiB allocated, many times a second under load: about
// 7 us of the 45 us a sampled request added in the loopback benchmark
// (app/README.md, "Against the goals"). At 400 the heap may grow to five
// times the live heap before a cycle; GOMEMLIMIT, which the Deployment sets
// from the container's memory limit, still makes the collector run sooner
// when memory is short.
type RuntimeConfig struct {
	// GCPercent is GOGC (default 400); -1 is "off", allowed only with
	// GOMEMLIMIT set, since nothing else would bound the heap then.
	GCPercent int
}

// ServerConfig bounds what one client can make the server hold on to.
type ServerConfig struct {
	ReadHeaderTimeout time.Duration // HTTP_READ_HEADER_TIMEOUT, default 5s
	ReadTimeout       time.Duration // HTTP_READ_TIMEOUT, default 15s
	WriteTimeout      time.Duration // HTTP_WRITE_TIMEOUT, default 30s
	IdleTimeout       time.Duration // HTTP_IDLE_TIMEOUT, default 120s
	MaxHeaderBytes    int           // HTTP_MAX_HEADER_BYTES, default 65536
}

// ShutdownConfig times the SIGTERM sequence: readiness fails at once, the
// service keeps serving for DrainDelay so that endpoints controllers and load
// balancers stop sending it traffic, then in-flight requests get Timeout to
// finish. terminationGracePeriodSeconds must exceed DrainDelay + Timeout.
type ShutdownConfig struct {
	DrainDelay time.Duration // SHUTDOWN_DRAIN_DELAY, default 5s
	Timeout    time.Duration // SHUTDOWN_TIMEOUT, default 20s
}

// PprofConfig enables net/http/pprof on its own listener, never on the API
// port, so that profiles cannot be reached through the Service.
type PprofConfig struct {
	Enabled bool   // PPROF_ENABLED, default false
	Addr    string // PPROF_ADDR, default "127.0.0.1:6060" (reach it with kubectl port-forward)
}

// Defaults are the values used for variables that are unset or empty.
func Defaults() Config {
	return Config{
		HTTPAddr: ":8080",
		LogLevel: slog.LevelInfo,
		Server: ServerConfig{
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       15 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    64 << 10,
		},
		Shutdown:        ShutdownConfig{DrainDelay: 5 * time.Second, Timeout: 20 * time.Second},
		Pprof:           PprofConfig{Addr: "127.0.0.1:6060"},
		WorkMaxDuration: 10 * time.Second,
		Tracing: TracingConfig{
			ServiceName: "hello",
			Protocol:    ProtocolGRPC,
			Sampler:     SamplerConfig{Name: SamplerParentBasedAlwaysOn, Ratio: 1},
		},
		Runtime: RuntimeConfig{GCPercent: 400},
	}
}

// VarError is a rejected environment variable.
type VarError struct {
	Name   string
	Value  string
	Reason string
}

func (e *VarError) Error() string {
	return fmt.Sprintf("%s=%q: %s", e.Name, e.Value, e.Reason)
}

// Load reads the configuration through getenv (os.Getenv in production, a
// map in tests). Every bad variable is reported, not just the first.
func Load(getenv func(string) string) (Config, error) {
	cfg := Defaults()
	r := reader{getenv: getenv}

	r.addr("HTTP_ADDR", &cfg.HTTPAddr)
	r.level("LOG_LEVEL", &cfg.LogLevel)

	r.positiveDuration("HTTP_READ_HEADER_TIMEOUT", &cfg.Server.ReadHeaderTimeout)
	r.positiveDuration("HTTP_READ_TIMEOUT", &cfg.Server.ReadTimeout)
	r.positiveDuration("HTTP_WRITE_TIMEOUT", &cfg.Server.WriteTimeout)
	r.positiveDuration("HTTP_IDLE_TIMEOUT", &cfg.Server.IdleTimeout)
	r.intRange("HTTP_MAX_HEADER_BYTES", &cfg.Server.MaxHeaderBytes, 4<<10, 1<<20)

	r.nonNegativeDuration("SHUTDOWN_DRAIN_DELAY", &cfg.Shutdown.DrainDelay)
	r.positiveDuration("SHUTDOWN_TIMEOUT", &cfg.Shutdown.Timeout)

	r.boolean("PPROF_ENABLED", &cfg.Pprof.Enabled)
	r.addr("PPROF_ADDR", &cfg.Pprof.Addr)

	r.positiveDuration("WORK_MAX_DURATION", &cfg.WorkMaxDuration)

	r.tracing(&cfg.Tracing)

	r.gcPercent("GOGC", &cfg.Runtime.GCPercent)

	// Cross-field rules, checked only when both inputs parsed.
	if !r.failed("WORK_MAX_DURATION") && !r.failed("HTTP_WRITE_TIMEOUT") &&
		cfg.WorkMaxDuration >= cfg.Server.WriteTimeout {
		r.fail("WORK_MAX_DURATION", cfg.WorkMaxDuration.String(),
			fmt.Sprintf("must be shorter than HTTP_WRITE_TIMEOUT (%s), or slow responses are cut off", cfg.Server.WriteTimeout))
	}
	if cfg.Pprof.Enabled && !r.failed("PPROF_ADDR") && !r.failed("HTTP_ADDR") && cfg.Pprof.Addr == cfg.HTTPAddr {
		r.fail("PPROF_ADDR", cfg.Pprof.Addr, "must differ from HTTP_ADDR: pprof never shares the API listener")
	}

	if _, limited := r.lookup("GOMEMLIMIT"); cfg.Runtime.GCPercent < 0 && !limited {
		r.fail("GOGC", "off", "needs GOMEMLIMIT: with the collector off only a memory limit bounds the heap")
	}

	if err := errors.Join(r.errs...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
