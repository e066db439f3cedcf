package telemetry

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gantry-dev/gantry/app/internal/config"
)

func newTestTracing(t *testing.T, s config.SamplerConfig) (*Tracing, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tr := New(sdktrace.NewSimpleSpanProcessor(exp), nil, s)
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr, exp
}

// A presampled root request's span is sampled by the provider too and
// carries the trace ID it was decided on; the ratio holds.
func TestPresampledRootsAreSampledByTheProviderWithTheirTraceID(t *testing.T) {
	tr, exp := newTestTracing(t, config.SamplerConfig{Name: config.SamplerParentBasedTraceIDRatio, Ratio: 0.25})
	const n = 4000
	sampled := 0
	for range n {
		ctx, ok := tr.Presampler.Sample(context.Background(), "GET")
		if !ok {
			continue
		}
		sampled++
		want := ctx.Value(presampledKey{}).(*presampled).id
		_, span := tr.Provider.Tracer("t").Start(ctx, "GET", trace.WithSpanKind(trace.SpanKindServer))
		sc := span.SpanContext()
		span.End()
		if !sc.IsSampled() || sc.TraceID() != want {
			t.Fatalf("presampled %s, provider gave %s sampled=%v", want, sc.TraceID(), sc.IsSampled())
		}
	}
	if got := float64(sampled) / n; got < 0.21 || got > 0.29 {
		t.Errorf("sampled %.3f of roots, want about 0.25", got)
	}
	if len(exp.GetSpans()) != sampled {
		t.Errorf("%d spans exported, want %d", len(exp.GetSpans()), sampled)
	}
}

// The presampled trace ID is given to one span only.
func TestPresampledTraceIDIsTakenOnce(t *testing.T) {
	tr, _ := newTestTracing(t, config.SamplerConfig{Name: config.SamplerAlwaysOn})
	ctx, ok := tr.Presampler.Sample(context.Background(), "GET")
	if !ok {
		t.Fatal("always_on dropped a request")
	}
	_, first := tr.Provider.Tracer("t").Start(ctx, "a")
	_, second := tr.Provider.Tracer("t").Start(ctx, "b", trace.WithNewRoot())
	if first.SpanContext().TraceID() == second.SpanContext().TraceID() {
		t.Fatal("two root spans share the presampled trace ID")
	}
}

func TestPresamplerFollowsTheCallerAndTheSampler(t *testing.T) {
	parent := func(flags trace.TraceFlags) context.Context {
		return trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
			TraceID:    trace.TraceID{1, 2, 3},
			SpanID:     trace.SpanID{4, 5, 6},
			TraceFlags: flags,
			Remote:     true,
		}))
	}
	cases := []struct {
		name    string
		sampler string
		ctx     context.Context
		want    bool
	}{
		{"parent sampled, parent-based ratio 0", config.SamplerParentBasedTraceIDRatio, parent(trace.FlagsSampled), true},
		{"parent not sampled, parent-based always on", config.SamplerParentBasedAlwaysOn, parent(0), false},
		{"root, always off", config.SamplerAlwaysOff, context.Background(), false},
		{"parent sampled, always off", config.SamplerAlwaysOff, parent(trace.FlagsSampled), false},
		{"root, always on", config.SamplerAlwaysOn, context.Background(), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, _ := newTestTracing(t, config.SamplerConfig{Name: c.sampler, Ratio: 0})
			ctx, got := tr.Presampler.Sample(c.ctx, "GET")
			if got != c.want {
				t.Fatalf("Sample = %v, want %v", got, c.want)
			}
			_, span := tr.Provider.Tracer("t").Start(ctx, "GET")
			defer span.End()
			if span.SpanContext().IsSampled() != c.want {
				t.Fatalf("provider sampled %v, presampler %v", span.SpanContext().IsSampled(), c.want)
			}
			if p := trace.SpanContextFromContext(c.ctx); p.IsValid() && span.SpanContext().TraceID() != p.TraceID() {
				t.Error("span does not continue the caller's trace")
			}
		})
	}
}

// Deciding a request that is not sampled allocates nothing.
func TestUnsampledDecisionDoesNotAllocate(t *testing.T) {
	tr, _ := newTestTracing(t, config.SamplerConfig{Name: config.SamplerAlwaysOff})
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _, _ = tr.Presampler.Sample(ctx, "GET") }); n != 0 {
		t.Fatalf("%v allocations per unsampled decision", n)
	}
}
