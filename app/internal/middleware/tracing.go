package middleware

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"

	"github.com/gantry-dev/gantry/app/internal/telemetry"
)

// Tracing continues the caller's W3C trace context on every request and
// starts a server span, with otelhttp, on the requests that are sampled.
type Tracing struct {
	tel      *telemetry.Tracing
	untraced map[string]bool
}

// NewTracing traces with tel; requests whose path is in untraced (probes,
// scrapes) get no span and no trace context, since thousands of identical
// health-check traces help nobody.
func NewTracing(tel *telemetry.Tracing, untraced ...string) *Tracing {
	t := &Tracing{tel: tel, untraced: map[string]bool{}}
	for _, p := range untraced {
		t.untraced[p] = true
	}
	return t
}

// Handler wraps next. The caller's trace context (and baggage) is extracted
// into the request context first, so that logs and exemplars point at the
// caller's trace whatever happens next. Then the presampler decides: a
// request whose span would not be recorded (tracing off, or not sampled)
// goes straight to next, paying for no span, attribute set or writer
// wrapper; a sampled one goes through otelhttp, whose span is named after
// the matched route pattern (e.g. "GET /api/v1/hello") once the mux has run.
//
// otelhttp gets no propagator (the context is already extracted) and a
// no-op meter provider: request metrics come from the Metrics middleware.
func (t *Tracing) Handler(next http.Handler) http.Handler {
	var sampled http.Handler
	if t.tel.Presampler != nil {
		sampled = otelhttp.NewHandler(next, "http.server",
			otelhttp.WithTracerProvider(t.tel.Provider),
			otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()),
			otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
			otelhttp.WithSpanNameFormatter(spanName),
		)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t.untraced[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		ctx := t.tel.Propagator.Extract(r.Context(), headerCarrier(r.Header))
		if sampled != nil {
			if sctx, ok := t.tel.Presampler.Sample(ctx, spanName("", r)); ok {
				sampled.ServeHTTP(w, r.WithContext(sctx))
				return
			}
		}
		if ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

func spanName(_ string, r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return Method(r.Method)
}
