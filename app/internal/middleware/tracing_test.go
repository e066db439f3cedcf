package middleware

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"
)

// With tracing off nothing is recorded, but the caller's trace context still
// reaches the access log and the exemplars, and probes stay out of it.
func TestTracingOffStillPropagatesTheCallersContext(t *testing.T) {
	f := newFixtureWith(t, slog.LevelDebug, testRouter(), noop.NewTracerProvider())
	f.do(http.MethodGet, "/api/v1/hello", http.Header{"Traceparent": {traceparent}})
	f.do(http.MethodGet, "/healthz", http.Header{"Traceparent": {traceparent}})

	lines := f.logs.lines(t)
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2: %v", len(lines), lines)
	}
	if lines[0]["trace_id"] != callerTraceID || lines[0]["span_id"] != callerSpanID {
		t.Errorf("API line %v: want the caller's trace and span id", lines[0])
	}
	if _, ok := lines[1]["trace_id"]; ok {
		t.Errorf("probe line %v carries a trace id; probes are not traced", lines[1])
	}
	if !strings.Contains(f.scrape(t), `# {trace_id="`+callerTraceID+`"}`) {
		t.Error("no exemplar with the caller's (sampled) trace id")
	}
}
