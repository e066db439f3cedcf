package app

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/gantry-dev/gantry/app/internal/config"
)

// newServer applies every limit from the configuration: a client can hold a
// connection only as long as the timeouts allow and send at most
// MaxHeaderBytes of headers. Server-internal errors (bad TLS, broken
// connections) go to the JSON log at warn level.
func newServer(h http.Handler, c config.ServerConfig, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    c.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// pprofWriteTimeout leaves room for /debug/pprof/profile?seconds=60.
const pprofWriteTimeout = 90 * time.Second

// newPprofServer serves net/http/pprof on its own mux; the package's
// handlers are mounted explicitly rather than through http.DefaultServeMux.
func newPprofServer(c config.ServerConfig, logger *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	c.WriteTimeout = pprofWriteTimeout
	return newServer(mux, c, logger)
}
