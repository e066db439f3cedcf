package middleware

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/logging"
	"github.com/gantry-dev/gantry/app/internal/metrics"
	"github.com/gantry-dev/gantry/app/internal/telemetry"
	"github.com/gantry-dev/gantry/app/internal/version"
)

const (
	callerTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpanID  = "00f067aa0ba902b7"
	traceparent   = "00-" + callerTraceID + "-" + callerSpanID + "-01"
)

// fixture is the real chain around a small router, with spans kept in
// memory, logs in a buffer and metrics in their own registry.
type fixture struct {
	handler http.Handler
	reg     *prometheus.Registry
	spans   *tracetest.InMemoryExporter
	logs    *logBuffer
}

// logBuffer holds what the logger wrote; logging.New serialises the writes,
// and the tests read it once the requests are done.
type logBuffer struct{ buf bytes.Buffer }

func (b *logBuffer) Write(p []byte) (int, error) { return b.buf.Write(p) }

func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func newFixture(t testing.TB, level slog.Level, router http.Handler) *fixture {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	tel := telemetry.New(sdktrace.NewSimpleSpanProcessor(spans), nil,
		config.SamplerConfig{Name: config.SamplerParentBasedAlwaysOn})
	t.Cleanup(func() { _ = tel.Shutdown(t.Context()) })
	f := newFixtureWith(t, level, router, tel)
	f.spans = spans
	return f
}

// newFixtureWith builds the chain around tel; spans is left nil.
func newFixtureWith(t testing.TB, level slog.Level, router http.Handler, tel *telemetry.Tracing) *fixture {
	t.Helper()
	reg, err := metrics.NewRegistry(version.Info{Version: "t", Revision: "r", GoVersion: "go"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	h := Chain(router,
		NewTracing(tel, "/healthz"),
		m,
		NewAccessLog(logging.New(logs, level), "/healthz"),
	)
	return &fixture{handler: h, reg: reg, logs: logs}
}

func testRouter() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/hello", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello")
	})
	mux.HandleFunc("GET /api/v1/fail", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	return mux
}

func (f *fixture) do(method, target string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) scrape(t *testing.T) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
	rec := httptest.NewRecorder()
	metrics.Handler(f.reg).ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Fatalf("scrape content type %q, want OpenMetrics", ct)
	}
	return rec.Body.String()
}

func TestExemplarCarriesTheTraceIDOfATracedRequest(t *testing.T) {
	f := newFixture(t, slog.LevelInfo, testRouter())
	rec := f.do(http.MethodGet, "/api/v1/hello", http.Header{"Traceparent": {traceparent}})
	if rec.Code != 200 {
		t.Fatalf("code %d", rec.Code)
	}
	spans := f.spans.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	span := spans[0]
	if span.SpanContext.TraceID().String() != callerTraceID || span.Parent.SpanID().String() != callerSpanID {
		t.Fatalf("span %s/%s does not continue the caller's trace", span.SpanContext.TraceID(), span.Parent.SpanID())
	}
	if span.Name != "GET /api/v1/hello" {
		t.Errorf("span name %q, want the route pattern", span.Name)
	}

	body := f.scrape(t)
	var bucket, counter bool
	for _, line := range strings.Split(body, "\n") {
		if !strings.Contains(line, `route="/api/v1/hello"`) || !strings.Contains(line, `# {trace_id="`+callerTraceID+`"}`) {
			continue
		}
		bucket = bucket || strings.HasPrefix(line, "http_request_duration_seconds_bucket{")
		counter = counter || strings.HasPrefix(line, "http_requests_total{")
	}
	if !bucket || !counter {
		t.Fatalf("no exemplar with trace_id %s on the histogram (%v) and counter (%v):\n%s", callerTraceID, bucket, counter, body)
	}
	if !strings.Contains(body, `app_build_info{goversion="go",revision="r",version="t"} 1`) {
		t.Errorf("build info missing:\n%s", body)
	}
	for _, family := range []string{"go_goroutines", "process_cpu_seconds_total", "http_requests_in_flight"} {
		if !strings.Contains(body, family) {
			t.Errorf("%s missing from the scrape", family)
		}
	}
}

func TestAccessLogCarriesTheTraceIDOfATracedRequest(t *testing.T) {
	f := newFixture(t, slog.LevelInfo, testRouter())
	f.do(http.MethodGet, "/api/v1/hello?name=x", http.Header{"Traceparent": {traceparent}})
	lines := f.logs.lines(t)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %v", len(lines), lines)
	}
	l := lines[0]
	span := f.spans.GetSpans()[0]
	want := map[string]any{
		"msg": "request", "level": "INFO", "method": "GET", "route": "/api/v1/hello",
		"status": float64(200), "bytes": float64(5),
		"trace_id": callerTraceID, "span_id": span.SpanContext.SpanID().String(),
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %v, want %v (line %v)", k, l[k], v, l)
		}
	}
	if d, ok := l["duration_us"].(float64); !ok || d < 0 || d != float64(int64(d)) {
		t.Errorf("duration_us = %v, want whole microseconds", l["duration_us"])
	}
	if _, ok := l["time"]; !ok {
		t.Error("no time key")
	}
}

func TestLabelsStatusAndUnmatchedRoutes(t *testing.T) {
	f := newFixture(t, slog.LevelInfo, testRouter())
	f.do(http.MethodGet, "/api/v1/fail", nil)
	f.do(http.MethodGet, "/no/such/path/123", nil)
	f.do(http.MethodPost, "/api/v1/hello", nil)
	f.do("BREW", "/api/v1/hello", nil)
	for _, c := range []struct{ route, method, code string }{
		{"/api/v1/fail", "GET", "500"},
		{RouteUnmatched, "GET", "404"},
		{RouteUnmatched, "POST", "405"},
		{RouteUnmatched, "OTHER", "405"},
	} {
		if got := counterValue(t, f.reg, c.route, c.method, c.code); got != 1 {
			t.Errorf("http_requests_total{route=%q,method=%q,code=%q} = %v, want 1", c.route, c.method, c.code, got)
		}
	}
	// Untraced requests still count, without exemplars.
	if len(f.spans.GetSpans()) != 4 {
		t.Errorf("%d spans, want one per API request", len(f.spans.GetSpans()))
	}
}

func TestProbesAreUntracedAndLoggedAtDebug(t *testing.T) {
	f := newFixture(t, slog.LevelInfo, testRouter())
	f.do(http.MethodGet, "/healthz", http.Header{"Traceparent": {traceparent}})
	if n := len(f.spans.GetSpans()); n != 0 {
		t.Errorf("probe produced %d spans", n)
	}
	if n := len(f.logs.lines(t)); n != 0 {
		t.Errorf("probe logged %d lines at info level", n)
	}
	f = newFixture(t, slog.LevelDebug, testRouter())
	f.do(http.MethodGet, "/healthz", nil)
	lines := f.logs.lines(t)
	if len(lines) != 1 || lines[0]["level"] != "DEBUG" || lines[0]["route"] != "/healthz" {
		t.Errorf("debug level: lines %v, want one DEBUG line", lines)
	}
}

func TestInFlightGauge(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slow", func(http.ResponseWriter, *http.Request) { close(entered); <-release })
	f := newFixture(t, slog.LevelError, mux)
	done := make(chan struct{})
	go func() { f.do(http.MethodGet, "/slow", nil); close(done) }()
	<-entered
	if v := gaugeValue(t, f.reg, "http_requests_in_flight"); v != 1 {
		t.Errorf("in flight during request = %v, want 1", v)
	}
	close(release)
	<-done
	if v := gaugeValue(t, f.reg, "http_requests_in_flight"); v != 0 {
		t.Errorf("in flight after request = %v, want 0", v)
	}
}

func TestDurationIsAlsoANativeHistogram(t *testing.T) {
	f := newFixture(t, slog.LevelError, testRouter())
	f.do(http.MethodGet, "/api/v1/hello", nil)
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "http_request_duration_seconds" {
			continue
		}
		h := mf.GetMetric()[0].GetHistogram()
		if len(h.GetBucket()) != len(DurationBuckets) {
			t.Errorf("%d classic buckets, want %d", len(h.GetBucket()), len(DurationBuckets))
		}
		if h.Schema == nil || len(h.GetPositiveSpan()) == 0 {
			t.Errorf("no native histogram data: schema %v, spans %v", h.Schema, h.GetPositiveSpan())
		}
		return
	}
	t.Fatal("http_request_duration_seconds not gathered")
}

// flushWriter is a bare ResponseWriter; httptest.ResponseRecorder treats a
// 1xx status as final, which a real connection does not.
type flushWriter struct {
	header  http.Header
	codes   []int
	body    bytes.Buffer
	flushed bool
}

func (w *flushWriter) Header() http.Header         { return w.header }
func (w *flushWriter) WriteHeader(code int)        { w.codes = append(w.codes, code) }
func (w *flushWriter) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *flushWriter) Flush()                      { w.flushed = true }

func TestRecorderKeepsFirstFinalStatus(t *testing.T) {
	inner := &flushWriter{header: http.Header{}}
	rec := wrapRecorder(inner)
	if wrapRecorder(rec) != rec {
		t.Fatal("a recorder must be reused, not wrapped twice")
	}
	rec.WriteHeader(http.StatusContinue)
	rec.WriteHeader(http.StatusAccepted)
	_, _ = rec.Write([]byte("abc"))
	if rec.status != http.StatusAccepted || rec.bytes != 3 {
		t.Fatalf("status %d bytes %d, want 202 and 3", rec.status, rec.bytes)
	}
	rec.WriteHeader(http.StatusTeapot) // superfluous: must not change the recorded status
	if rec.status != http.StatusAccepted {
		t.Fatalf("status changed to %d by a superfluous WriteHeader", rec.status)
	}
	if http.NewResponseController(rec).Flush() != nil || !inner.flushed {
		t.Fatal("Flush through ResponseController did not reach the connection's writer")
	}
}

func TestRoute(t *testing.T) {
	for pattern, want := range map[string]string{
		"GET /api/v1/hello": "/api/v1/hello", "/x": "/x", "": RouteUnmatched, "POST  /a/{id}": "/a/{id}",
	} {
		if got := Route(&http.Request{Pattern: pattern}); got != want {
			t.Errorf("Route(%q) = %q, want %q", pattern, got, want)
		}
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, route, method, code string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["route"] == route && labels["method"] == method && labels["code"] == code {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no http_requests_total{route=%q,method=%q,code=%q}", route, method, code)
	return 0
}

func gaugeValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("%s not gathered", name)
	return 0
}

// The access line and the histogram time the request from the same two
// clock readings, so a slow request is the same slow request in both.
func TestAccessLogAndHistogramReportOneDuration(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slow", func(http.ResponseWriter, *http.Request) { time.Sleep(3 * time.Millisecond) })
	f := newFixture(t, slog.LevelInfo, mux)
	f.do(http.MethodGet, "/slow", nil)
	lines := f.logs.lines(t)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1", len(lines))
	}
	logged, _ := lines[0]["duration_us"].(float64)
	sum := regexp.MustCompile(`(?m)^http_request_duration_seconds_sum\{[^}]*route="/slow"[^}]*\} (\S+)`).FindStringSubmatch(f.scrape(t))
	if sum == nil {
		t.Fatal("no histogram sum for /slow")
	}
	seconds, err := strconv.ParseFloat(sum[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	if logged < 3000 || math.Floor(seconds*1e6+1e-3) != logged { // 1e-3: float rounding of ns/1e9
		t.Errorf("access line %v us, histogram %v s: want one duration of at least 3 ms", logged, seconds)
	}
}
