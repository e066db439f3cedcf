package middleware

import (
	"log/slog"
	"net/http"
	"time"
)

// AccessLog writes one JSON line per request: msg "request" with method,
// route, status, bytes and duration_ms; the logger's handler adds trace_id
// and span_id from the request context.
type AccessLog struct {
	logger *slog.Logger
	quiet  map[string]bool
}

// NewAccessLog logs through logger. Requests to the quiet routes (probes,
// scrapes) are logged at debug level so that they stay out of production
// logs unless asked for.
func NewAccessLog(logger *slog.Logger, quiet ...string) *AccessLog {
	a := &AccessLog{logger: logger, quiet: map[string]bool{}}
	for _, p := range quiet {
		a.quiet[p] = true
	}
	return a
}

// Handler wraps next.
func (a *AccessLog) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := wrapRecorder(w)

		next.ServeHTTP(rec, r)

		route := Route(r)
		level := slog.LevelInfo
		if a.quiet[route] {
			level = slog.LevelDebug
		}
		ctx := r.Context()
		if !a.logger.Enabled(ctx, level) {
			return
		}
		a.logger.LogAttrs(ctx, level, "request",
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		)
	})
}
