// Command hello is the demonstration service that gantry deploys. It only
// wires: configuration from the environment, the JSON logger, the signal
// context, the listener; internal/app does the rest.
package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"go.opentelemetry.io/otel"

	"github.com/gantry-dev/gantry/app/internal/app"
	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/logging"
	"github.com/gantry-dev/gantry/app/internal/version"
)

func main() { os.Exit(run()) }

func run() int {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		logging.New(os.Stdout, slog.LevelInfo).Error("invalid configuration", slog.String("error", err.Error()))
		return 2
	}
	// Before anything allocates much: the collector's pacing
	// (config.RuntimeConfig says why the default is not the runtime's).
	debug.SetGCPercent(cfg.Runtime.GCPercent)
	// Lines are batched (logging.FlushInterval); warnings and errors, and
	// everything before them, are written at once, and the rest on return.
	logger, logs := logging.NewBuffered(os.Stdout, cfg.LogLevel)
	defer func() { _ = logs.Close() }()
	// Exporter errors (collector unreachable, ...) surface through the OTel
	// global error handler; route them into the JSON log.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("opentelemetry", slog.String("error", err.Error()))
	}))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// After the first signal, restore the default handling so that a
	// second one ends the process at once.
	context.AfterFunc(ctx, stop)

	a, err := app.New(ctx, cfg, version.Get(), logger, app.Options{})
	if err != nil {
		logger.Error("start-up failed", slog.String("error", err.Error()))
		return 1
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		logger.Error("listen failed", slog.String("addr", cfg.HTTPAddr), slog.String("error", err.Error()))
		return 1
	}
	if err := a.Run(ctx, ln); err != nil {
		logger.Error("stopped with errors", slog.String("error", err.Error()))
		return 1
	}
	return 0
}
