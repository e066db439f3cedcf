package middleware

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/trace"

	"github.com/gantry-dev/gantry/app/internal/telemetry"
	"github.com/gantry-dev/gantry/app/internal/version"
)

// Tracing continues the caller's W3C trace context on every request and
// starts a server span on the requests that are sampled.
type Tracing struct {
	tel      *telemetry.Tracing
	tracer   trace.Tracer
	untraced map[string]bool
}

// NewTracing traces with tel; requests whose path is in untraced (probes,
// scrapes) get no span and no trace context, since thousands of identical
// health-check traces help nobody.
func NewTracing(tel *telemetry.Tracing, untraced ...string) *Tracing {
	t := &Tracing{tel: tel, untraced: map[string]bool{}}
	if tel.Presampler != nil {
		t.tracer = tel.Provider.Tracer(ScopeName, trace.WithInstrumentationVersion(version.Get().Version))
	}
	for _, p := range untraced {
		t.untraced[p] = true
	}
	return t
}

// Handler wraps next. The caller's trace context (and baggage) is extracted
// into the request context first, so that logs and exemplars point at the
// caller's trace whatever happens next. Then the presampler decides: a
// request whose span would not be recorded (tracing off, or not sampled)
// goes straight to next, paying for no span, attribute or writer wrapper;
// a sampled one gets a server span (serverspan.go), named after the matched
// route pattern (e.g. "GET /api/v1/hello") once the mux has run.
func (t *Tracing) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t.untraced[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		ctx := t.tel.Propagator.Extract(r.Context(), headerCarrier(r.Header))
		if t.tracer != nil {
			if sctx, ok := t.tel.Presampler.Sample(ctx, spanName(r)); ok {
				t.serveSampled(sctx, w, r, next)
				return
			}
		}
		if ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// serveSampled serves r inside its server span. The span ends even when
// next panics (net/http recovers handler panics), with what was written.
func (t *Tracing) serveSampled(ctx context.Context, w http.ResponseWriter, r *http.Request, next http.Handler) {
	// The attributes are set once, at the end (endServerSpan): the SDK
	// copies start attributes and appends later ones separately, and the
	// service's samplers decide on the trace ID and parent alone.
	ctx, span := t.tracer.Start(ctx, spanName(r), trace.WithSpanKind(trace.SpanKindServer))
	// The copy gets the counting body; the server's own request keeps the
	// body it made, whose type it checks after the handler returns.
	r = r.WithContext(ctx)
	var body *countingBody
	if r.Body != nil && r.Body != http.NoBody {
		body = &countingBody{ReadCloser: r.Body}
		r.Body = body
	}
	rec := wrapRecorder(w)
	defer endServerSpan(span, r, rec, body)
	next.ServeHTTP(rec, r)
}

// spanName is the matched route pattern ("GET /api/v1/hello"), or the
// bounded method before the mux has run or when no pattern matched.
func spanName(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return Method(r.Method)
}
