package middleware

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Tracing starts a server span per request with otelhttp, continuing the
// caller's W3C trace context.
type Tracing struct {
	provider   trace.TracerProvider
	propagator propagation.TextMapPropagator
	untraced   map[string]bool
}

// NewTracing traces with provider and propagator; requests whose path is in
// untraced (probes, scrapes) get no span, since thousands of identical
// health-check traces help nobody.
func NewTracing(provider trace.TracerProvider, propagator propagation.TextMapPropagator, untraced ...string) *Tracing {
	t := &Tracing{provider: provider, propagator: propagator, untraced: map[string]bool{}}
	for _, p := range untraced {
		t.untraced[p] = true
	}
	return t
}

// Handler wraps next. The span is named after the matched route pattern
// (e.g. "GET /api/v1/hello"), which otelhttp reads from the request once the
// mux has run; request metrics come from the Metrics middleware, so otelhttp
// gets a no-op meter provider.
//
// With tracing off (the no-op provider) otelhttp would still build its span
// and metric attribute sets and wrap the writer for nothing, about half of
// the chain's cost; only the caller's trace context is of use then, so the
// handler extracts it and nothing else.
func (t *Tracing) Handler(next http.Handler) http.Handler {
	if _, off := t.provider.(noop.TracerProvider); off {
		return t.propagateOnly(next)
	}
	return otelhttp.NewHandler(next, "http.server",
		otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithPropagators(t.propagator),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithFilter(t.traced),
		otelhttp.WithSpanNameFormatter(spanName),
	)
}

func (t *Tracing) traced(r *http.Request) bool { return !t.untraced[r.URL.Path] }

// propagateOnly puts the caller's W3C trace context (and baggage) in the
// request context, as otelhttp does before starting its span, so that logs
// and exemplars still point at the caller's trace.
func (t *Tracing) propagateOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !t.traced(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx := t.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func spanName(_ string, r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return Method(r.Method)
}
