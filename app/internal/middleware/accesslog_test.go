package middleware

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/logging"
	"github.com/gantry-dev/gantry/app/internal/telemetry"
)

// viaHandler hides a logger's destination, so that the access log writes
// through the logger's handler: the JSON handler is the reference for the
// line the access log encodes itself.
type viaHandler struct{ slog.Handler }

// varying are the values that differ between two runs of one request: the
// time, the duration and, for a span started here, the ids.
var varying = regexp.MustCompile(`"time":"[^"]+"|"duration_us":\d+|"(trace|span)_id":"[0-9a-f]+"`)

// The line encoded directly is the JSON handler's line, byte for byte
// (keys, order, escaping), but for the values that vary per run, which must
// still have the handler's format.
func TestDirectAccessLineIsTheJSONHandlersLine(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tel := telemetry.New(sdktrace.NewSimpleSpanProcessor(spans), nil,
		config.SamplerConfig{Name: config.SamplerParentBasedTraceIDRatio, Ratio: 0})
	t.Cleanup(func() { _ = tel.Shutdown(t.Context()) })
	requests := []struct {
		method, target string
		header         http.Header
	}{
		{http.MethodGet, "/api/v1/hello", nil},                                                  // untraced root
		{http.MethodGet, "/api/v1/hello", http.Header{"Traceparent": {traceparent}}},            // sampled caller: a span
		{http.MethodGet, "/api/v1/fail", http.Header{"Traceparent": {traceparent[:53] + "00"}}}, // unsampled caller
		{http.MethodGet, "/healthz", nil},                                                       // quiet route, debug
		{"PURGE", "/a<b>&\"c", nil},                                                             // odd method, unmatched
	}
	run := func(direct bool) []byte {
		var out logBuffer
		logger := logging.New(&out, slog.LevelDebug)
		if !direct {
			logger = slog.New(viaHandler{logger.Handler()})
		}
		if _, ok := logging.DestinationOf(logger); ok != direct {
			t.Fatalf("destination found %v, want %v", ok, direct)
		}
		h := NewTracing(tel, "/healthz").Handler(NewAccessLog(logger, "/healthz").Handler(testRouter()))
		for _, r := range requests {
			req := httptest.NewRequest(r.method, r.target, nil)
			for k, v := range r.header {
				req.Header[k] = v
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
		return out.buf.Bytes()
	}
	direct, reference := run(true), run(false)
	if got, want := varying.ReplaceAll(direct, nil), varying.ReplaceAll(reference, nil); !bytes.Equal(got, want) {
		t.Fatalf("direct lines differ from the JSON handler's:\n%s\nwant\n%s", direct, reference)
	}
	if n := bytes.Count(direct, []byte("\n")); n != len(requests) {
		t.Fatalf("%d lines for %d requests:\n%s", n, len(requests), direct)
	}
	for _, lines := range [][]byte{direct, reference} {
		if got := len(regexp.MustCompile(`"trace_id":"[0-9a-f]{32}","span_id":"[0-9a-f]{16}"`).FindAll(lines, -1)); got != 2 {
			t.Errorf("%d lines carry trace and span ids, want 2:\n%s", got, lines)
		}
		for _, m := range regexp.MustCompile(`"time":"([^"]+)"`).FindAllSubmatch(lines, -1) {
			if _, err := time.Parse(time.RFC3339Nano, string(m[1])); err != nil {
				t.Errorf("time %q: %v", m[1], err)
			}
		}
	}
}

// Lines below the destination's level are not written.
func TestDirectAccessLogDropsLinesBelowTheLevel(t *testing.T) {
	var out logBuffer
	h := NewAccessLog(logging.New(&out, slog.LevelInfo), "/healthz").Handler(testRouter())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/v1/hello", nil))
	lines := out.lines(t)
	if len(lines) != 1 || lines[0]["route"] != "/api/v1/hello" || lines[0]["level"] != "INFO" {
		t.Fatalf("lines %v: want only the API request's, at INFO", lines)
	}
}
