package middleware

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// AccessLog writes one JSON line per request: msg "request" with method,
// route, status, bytes and duration_us; the logger's handler adds trace_id
// and span_id from the request context.
//
// The duration is whole microseconds, an integer: slog's JSON handler
// formats a float through encoding/json, which cost more than the rest of
// the line together.
type AccessLog struct {
	handler slog.Handler
	quiet   map[string]bool
	routes  *cache[logKey, routeLog]
}

// logKey is one route and standard method; their attributes are encoded
// once, by the handler's WithAttrs, instead of on every line.
type logKey struct {
	pattern string
	method  string
}

// routeLog is the handler carrying a route's method and route attributes,
// and the level its lines are logged at.
type routeLog struct {
	handler slog.Handler
	level   slog.Level
}

// NewAccessLog logs through logger. Requests to the quiet routes (probes,
// scrapes) are logged at debug level so that they stay out of production
// logs unless asked for.
func NewAccessLog(logger *slog.Logger, quiet ...string) *AccessLog {
	a := &AccessLog{handler: logger.Handler(), quiet: map[string]bool{}}
	for _, p := range quiet {
		a.quiet[p] = true
	}
	a.routes = newCache(func(k logKey) routeLog {
		return a.routeLog(k.method, Route(&http.Request{Pattern: k.pattern}))
	})
	return a
}

func (a *AccessLog) routeLog(method, route string) routeLog {
	level := slog.LevelInfo
	if a.quiet[route] {
		level = slog.LevelDebug
	}
	return routeLog{
		handler: a.handler.WithAttrs([]slog.Attr{slog.String("method", method), slog.String("route", route)}),
		level:   level,
	}
}

// Handler wraps next. The record goes straight to the handler, the way
// slog.Logger would pass it, minus the caller lookup (the JSON handler does
// not add the source) and with the end time read once for both the line's
// time and its duration.
func (a *AccessLog) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := wrapRecorder(w)

		next.ServeHTTP(rec, r)

		var rl routeLog
		if m := Method(r.Method); m == r.Method {
			rl = a.routes.get(logKey{pattern: r.Pattern, method: m})
		} else {
			// Any token is a valid method; logging it as sent is useful,
			// caching it would let clients grow the cache.
			rl = a.routeLog(r.Method, Route(r))
		}
		ctx := r.Context()
		if !rl.handler.Enabled(ctx, rl.level) {
			return
		}
		a.write(ctx, rl, rec)
	})
}

func (a *AccessLog) write(ctx context.Context, rl routeLog, rec *recorder) {
	end := time.Now()
	line := slog.NewRecord(end, rl.level, "request", 0)
	line.AddAttrs(
		slog.Int("status", rec.status),
		slog.Int64("bytes", rec.bytes),
		slog.Int64("duration_us", end.Sub(rec.start).Microseconds()),
	)
	// A failed write has nowhere better to be reported; slog.Logger drops
	// the error the same way.
	_ = rl.handler.Handle(ctx, line)
}
