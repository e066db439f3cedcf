// Package logging builds the service's slog logger: JSON on one writer, with
// the trace and span id of the record's context added to every line so that
// Loki can link a log line to its trace in Tempo.
package logging

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"

	"go.opentelemetry.io/otel/trace"
)

// New returns a JSON logger writing records at level and above to w.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(newHandler(&lockedWriter{w: w}, level))
}

// lockedWriter serialises writes to w: the JSON handler and the writers of
// the logger's Destination share it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newHandler(w io.Writer, level slog.Level) *TraceHandler {
	h := NewTraceHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
	h.dest = &Destination{Writer: w, Level: level}
	return h
}

// Destination is where a logger built by New or NewBuffered writes its
// JSON lines, and the level below which it drops them. Its Writer takes
// concurrent writes of whole lines. The access log
// writes its one fixed-shape line there directly, encoded the way the JSON
// handler would encode it (a test holds the two equal), because the
// handler's general machinery cost more per request than everything else
// the access log does.
type Destination struct {
	Writer io.Writer
	Level  slog.Level
}

// DestinationOf is the destination of a logger built by New or
// NewBuffered; false for any other logger, and for one derived with With or
// WithGroup, whose lines carry attributes of their own.
func DestinationOf(l *slog.Logger) (Destination, bool) {
	if h, ok := l.Handler().(*TraceHandler); ok && h.dest != nil {
		return *h.dest, true
	}
	return Destination{}, false
}

// NewBuffered is New through a BufferedWriter: lines reach w in batches,
// except that a record at warn level or above is written at once with
// everything before it. Close the writer before exiting.
func NewBuffered(w io.Writer, level slog.Level) (*slog.Logger, *BufferedWriter) {
	bw := NewBufferedWriter(w)
	h := newHandler(bw, level)
	h.flush = bw.Flush
	return slog.New(h), bw
}

// TraceHandler adds trace_id and span_id from the context of each record
// that carries a valid span context. Use the *Context logging methods
// (InfoContext, LogAttrs) for the ids to appear.
type TraceHandler struct {
	inner slog.Handler
	// flush, when set, is called after each record at warn level or above.
	flush func() error
	// dest is set on the handlers New and NewBuffered build, not on
	// derived ones.
	dest *Destination
}

// NewTraceHandler wraps inner.
func NewTraceHandler(inner slog.Handler) *TraceHandler { return &TraceHandler{inner: inner} }

// Enabled defers to the wrapped handler.
func (h *TraceHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle adds the ids, then defers to the wrapped handler.
func (h *TraceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(
			slog.String("trace_id", sc.TraceID().String()),
			slog.String("span_id", sc.SpanID().String()),
		)
	}
	err := h.inner.Handle(ctx, r)
	if h.flush != nil && r.Level >= slog.LevelWarn {
		err = errors.Join(err, h.flush())
	}
	return err
}

// WithAttrs keeps the trace handler on top of the derived handler.
func (h *TraceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &TraceHandler{inner: h.inner.WithAttrs(attrs), flush: h.flush}
}

// WithGroup keeps the trace handler on top of the derived handler.
func (h *TraceHandler) WithGroup(name string) slog.Handler {
	return &TraceHandler{inner: h.inner.WithGroup(name), flush: h.flush}
}
