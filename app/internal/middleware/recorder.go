// Package middleware holds the HTTP instrumentation, one concern per file:
// tracing (the server span), Prometheus metrics, and the access log. Each is built
// with NewX(...) and applied with .Handler(next); Chain puts them in the one
// order that lets them see each other's work.
package middleware

import (
	"net/http"
	"strings"
	"time"
)

// recorder remembers the status and size of a response. The metrics and
// access-log middleware share one per request: the outer one creates it and
// the inner one finds it by type.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	// start is when the outermost of our middleware saw the request; the
	// others reuse it rather than reading the clock again.
	start time.Time
	// end is when the innermost of them saw the handler return (finish).
	end time.Time
}

// finish is the time the handler returned, read once: the access line and
// the duration histogram report the same duration.
func (r *recorder) finish() time.Time {
	if r.end.IsZero() {
		r.end = time.Now()
	}
	return r.end
}

// wrapRecorder returns w itself when it already is a recorder.
func wrapRecorder(w http.ResponseWriter) *recorder {
	if rec, ok := w.(*recorder); ok {
		return rec
	}
	return &recorder{ResponseWriter: w, status: http.StatusOK, start: time.Now()}
}

func (r *recorder) WriteHeader(code int) {
	// 1xx responses are informational; the final status comes later.
	if !r.wroteHeader && code >= 200 {
		r.status = code
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush keeps streaming handlers working through the wrapper.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's own writer
// (deadlines, hijacking).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// RouteUnmatched is the route label of requests no pattern matched (404 and
// 405 from the mux), one value so that scanners cannot grow label
// cardinality.
const RouteUnmatched = "unmatched"

// Route returns the path part of the ServeMux pattern that served r
// ("GET /api/v1/hello" gives "/api/v1/hello"). The mux sets r.Pattern on the
// request it is given, so callers read it after the handler has run and
// nothing between them and the mux may copy the request.
func Route(r *http.Request) string {
	p := r.Pattern
	if p == "" {
		return RouteUnmatched
	}
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = strings.TrimLeft(p[i+1:], " \t")
	}
	return p
}

// Method bounds the method label to the standard methods.
func Method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	default:
		return "OTHER"
	}
}
