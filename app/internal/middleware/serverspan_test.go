package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/telemetry"
)

// parityRouter has a route that reads a body, one that fails, and one
// that answers.
func parityRouter() *http.ServeMux {
	mux := testRouter()
	mux.HandleFunc("POST /api/v1/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	})
	return mux
}

// spanOf serves one request through h and returns the one span recorded.
func spanOf(t *testing.T, h http.Handler, spans *tracetest.InMemoryExporter, req *http.Request) tracetest.SpanStub {
	t.Helper()
	spans.Reset()
	h.ServeHTTP(httptest.NewRecorder(), req)
	got := spans.GetSpans()
	if len(got) != 1 {
		t.Fatalf("%s %s: %d spans, want 1", req.Method, req.URL, len(got))
	}
	return got[0]
}

func attributeMap(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// The server span is otelhttp's, attribute for attribute, on the same
// requests (otelhttp is the reference implementation of the HTTP server
// conventions; it is not used in the service because it builds the
// attributes of its own request metrics on every request), plus http.route,
// which otelhttp cannot set when it wraps the mux from outside.
func TestServerSpanMatchesOtelhttp(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tel := telemetry.New(sdktrace.NewSimpleSpanProcessor(spans), nil,
		config.SamplerConfig{Name: config.SamplerAlwaysOn})
	t.Cleanup(func() { _ = tel.Shutdown(t.Context()) })

	ours := NewTracing(tel).Handler(parityRouter())
	reference := otelhttp.NewHandler(parityRouter(), "http.server",
		otelhttp.WithTracerProvider(tel.Provider),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return spanName(r) }),
	)

	requests := []struct {
		name  string
		build func() *http.Request
		route string
	}{
		{"get with user agent and port", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "http://svc.example:8080/api/v1/hello?name=x", nil)
			r.Header.Set("User-Agent", "probe/1.0")
			return r
		}, "/api/v1/hello"},
		{"forwarded client, default port", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "http://svc.example/api/v1/hello", nil)
			r.Header.Set("X-Forwarded-For", "203.0.113.7, 10.0.0.1")
			return r
		}, "/api/v1/hello"},
		{"body read", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/api/v1/echo", strings.NewReader("twelve bytes"))
		}, "/api/v1/echo"},
		{"server error", func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/api/v1/fail", nil)
		}, "/api/v1/fail"},
		{"unmatched, odd method", func() *http.Request {
			return httptest.NewRequest("get", "/nowhere", nil)
		}, ""},
		{"ipv6 peer, https", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "https://[2001:db8::1]:8443/api/v1/hello", nil)
			r.RemoteAddr = "[2001:db8::2]:40000"
			return r
		}, "/api/v1/hello"},
	}
	for _, tc := range requests {
		t.Run(tc.name, func(t *testing.T) {
			want := spanOf(t, reference, spans, tc.build())
			got := spanOf(t, ours, spans, tc.build())
			if got.Name != want.Name || got.SpanKind != want.SpanKind || got.Status != want.Status {
				t.Errorf("span %q kind %v status %v, otelhttp's %q %v %v",
					got.Name, got.SpanKind, got.Status, want.Name, want.SpanKind, want.Status)
			}
			wantAttrs := attributeMap(want.Attributes)
			if tc.route != "" {
				wantAttrs["http.route"] = tc.route
			}
			gotAttrs := attributeMap(got.Attributes)
			for k, v := range wantAttrs {
				if gotAttrs[k] != v {
					t.Errorf("%s = %q, otelhttp's %q", k, gotAttrs[k], v)
				}
			}
			for k, v := range gotAttrs {
				if _, ok := wantAttrs[k]; !ok {
					t.Errorf("extra attribute %s = %q", k, v)
				}
			}
		})
	}
}
