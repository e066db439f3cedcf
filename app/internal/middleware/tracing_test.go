package middleware

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/telemetry"
)

// With tracing off nothing is recorded, but the caller's trace context still
// reaches the access log and the exemplars, and probes stay out of it.
func TestTracingOffStillPropagatesTheCallersContext(t *testing.T) {
	f := newFixtureWith(t, slog.LevelDebug, testRouter(), telemetry.Off())
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

// A request the sampler drops gets no span; the caller's context still
// reaches the log line and, because the caller sampled it, the exemplar. A
// dropped request without a caller carries no trace id at all.
func TestUnsampledRequestsPropagateOnly(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tel := telemetry.New(sdktrace.NewSimpleSpanProcessor(spans), nil, config.SamplerConfig{Name: config.SamplerAlwaysOff})
	t.Cleanup(func() { _ = tel.Shutdown(t.Context()) })
	f := newFixtureWith(t, slog.LevelInfo, testRouter(), tel)
	f.do(http.MethodGet, "/api/v1/hello", http.Header{"Traceparent": {traceparent}})
	f.do(http.MethodGet, "/api/v1/fail", nil)

	if n := len(spans.GetSpans()); n != 0 {
		t.Fatalf("%d spans recorded with always_off", n)
	}
	lines := f.logs.lines(t)
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2", len(lines))
	}
	if lines[0]["trace_id"] != callerTraceID || lines[0]["span_id"] != callerSpanID {
		t.Errorf("line %v: want the caller's trace and span id", lines[0])
	}
	if _, ok := lines[1]["trace_id"]; ok {
		t.Errorf("line %v: a dropped root request has no trace to point at", lines[1])
	}
	body := f.scrape(t)
	if !strings.Contains(body, `# {trace_id="`+callerTraceID+`"}`) {
		t.Error("no exemplar with the caller's sampled trace id")
	}
	if strings.Count(body, "# {trace_id=") != 2 {
		t.Errorf("want exemplars (counter and bucket) for the caller's request only:\n%s", body)
	}
}

// A sampled root request: the span otelhttp records has the route name and
// its HTTP attributes, and the log line and exemplar carry its trace id.
func TestSampledRootRequestIsTracedLoggedAndExemplified(t *testing.T) {
	f := newFixture(t, slog.LevelInfo, testRouter())
	f.do(http.MethodGet, "/api/v1/hello?name=x", nil)
	got := f.spans.GetSpans()
	if len(got) != 1 {
		t.Fatalf("%d spans, want 1", len(got))
	}
	span := got[0]
	if span.Name != "GET /api/v1/hello" || span.SpanKind != trace.SpanKindServer {
		t.Errorf("span %q kind %v, want the route pattern and server kind", span.Name, span.SpanKind)
	}
	attrs := map[string]string{}
	for _, kv := range span.Attributes {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	for k, v := range map[string]string{
		"http.request.method": "GET", "url.path": "/api/v1/hello", "http.response.status_code": "200",
	} {
		if attrs[k] != v {
			t.Errorf("span attribute %s = %q, want %q (all: %v)", k, attrs[k], v, attrs)
		}
	}
	id := span.SpanContext.TraceID().String()
	if l := f.logs.lines(t)[0]; l["trace_id"] != id || l["span_id"] != span.SpanContext.SpanID().String() {
		t.Errorf("log line %v does not carry span %s", l, id)
	}
	if !strings.Contains(f.scrape(t), `# {trace_id="`+id+`"}`) {
		t.Error("no exemplar with the span's trace id")
	}
}
