package middleware

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/gantry-dev/gantry/app/internal/logging"
)

// AccessLog writes one JSON line per request: msg "request" with method,
// route, status, bytes and duration_us, and trace_id and span_id from the
// request context when it carries a span context.
//
// The duration is whole microseconds, an integer: slog's JSON handler
// formats a float through encoding/json, which cost more than the rest of
// the line together.
//
// With a logger built by logging.New or NewBuffered, the line is encoded
// here and written straight to the logger's destination: the same bytes the
// JSON handler would write (a test compares the two on every field), at a
// fraction of the JSON handler's cost per request. With any other logger it
// goes through the logger's handler.
type AccessLog struct {
	handler slog.Handler
	// direct is the logger's destination, when it has one.
	direct  *logging.Destination
	quiet   map[string]bool
	routes  *cache[logKey, routeLog]
	buffers sync.Pool
}

// logKey is one route and standard method; their attributes are encoded
// once, instead of on every line.
type logKey struct {
	pattern string
	method  string
}

// routeLog is what a route's lines share: the level they are logged at,
// the handler carrying the method and route attributes (slog path), and
// the encoded level, message, method and route (direct path).
type routeLog struct {
	handler slog.Handler
	level   slog.Level
	head    []byte
}

// NewAccessLog logs through logger. Requests to the quiet routes (probes,
// scrapes) are logged at debug level so that they stay out of production
// logs unless asked for.
func NewAccessLog(logger *slog.Logger, quiet ...string) *AccessLog {
	a := &AccessLog{handler: logger.Handler(), quiet: map[string]bool{}}
	if d, ok := logging.DestinationOf(logger); ok {
		a.direct = &d
	}
	for _, p := range quiet {
		a.quiet[p] = true
	}
	a.routes = newCache(func(k logKey) routeLog {
		return a.routeLog(k.method, Route(&http.Request{Pattern: k.pattern}))
	})
	a.buffers.New = func() any { b := make([]byte, 0, 512); return &b }
	return a
}

func (a *AccessLog) routeLog(method, route string) routeLog {
	level := slog.LevelInfo
	if a.quiet[route] {
		level = slog.LevelDebug
	}
	head := append([]byte(`"level":`), jsonString(level.String())...)
	head = append(head, `,"msg":"request","method":`...)
	head = append(head, jsonString(method)...)
	head = append(head, `,"route":`...)
	head = append(head, jsonString(route)...)
	return routeLog{
		handler: a.handler.WithAttrs([]slog.Attr{slog.String("method", method), slog.String("route", route)}),
		level:   level,
		head:    head,
	}
}

// jsonString is s as the JSON handler writes a string (no HTML escaping).
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// Handler wraps next.
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
		if a.direct != nil {
			if rl.level >= a.direct.Level {
				a.writeDirect(ctx, rl, rec)
			}
			return
		}
		if rl.handler.Enabled(ctx, rl.level) {
			a.writeRecord(ctx, rl, rec)
		}
	})
}

// writeRecord hands the line to the logger's handler, the way slog.Logger
// would, minus the caller lookup (the JSON handler does not add the
// source) and with the end time read once for the line's time and its
// duration.
func (a *AccessLog) writeRecord(ctx context.Context, rl routeLog, rec *recorder) {
	end := rec.finish()
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

// writeDirect encodes the line as the JSON handler and logging's trace
// handler would, in their key order, and writes it with one Write.
func (a *AccessLog) writeDirect(ctx context.Context, rl routeLog, rec *recorder) {
	end := rec.finish()
	bp := a.buffers.Get().(*[]byte)
	b := append((*bp)[:0], `{"time":"`...)
	b = end.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `",`...)
	b = append(b, rl.head...)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(rec.status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, rec.bytes, 10)
	b = append(b, `,"duration_us":`...)
	b = strconv.AppendInt(b, end.Sub(rec.start).Microseconds(), 10)
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		tid, sid := sc.TraceID(), sc.SpanID()
		b = append(b, `,"trace_id":"`...)
		b = hex.AppendEncode(b, tid[:])
		b = append(b, `","span_id":"`...)
		b = hex.AppendEncode(b, sid[:])
		b = append(b, '"')
	}
	b = append(b, "}\n"...)
	_, _ = a.direct.Writer.Write(b) // as above: nowhere better to report it
	*bp = b
	a.buffers.Put(bp)
}
