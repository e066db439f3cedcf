package telemetry

import (
	"context"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/version"
)

func TestOffWithoutEndpoint(t *testing.T) {
	tr, err := Setup(context.Background(), config.TracingConfig{Enabled: false}, version.Info{})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Provider.Tracer("t").Start(context.Background(), "x")
	if span.IsRecording() || span.SpanContext().IsValid() {
		t.Fatal("tracing off must not record or mint spans")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSamplerFromConfig(t *testing.T) {
	cases := map[string]string{
		config.SamplerAlwaysOn:                "AlwaysOnSampler",
		config.SamplerAlwaysOff:               "AlwaysOffSampler",
		config.SamplerTraceIDRatio:            "TraceIDRatioBased{0.25}",
		config.SamplerParentBasedAlwaysOn:     "ParentBased{root:AlwaysOnSampler",
		config.SamplerParentBasedAlwaysOff:    "ParentBased{root:AlwaysOffSampler",
		config.SamplerParentBasedTraceIDRatio: "ParentBased{root:TraceIDRatioBased{0.25}",
	}
	for name, want := range cases {
		got := Sampler(config.SamplerConfig{Name: name, Ratio: 0.25}).Description()
		if !strings.HasPrefix(got, want) {
			t.Errorf("%s: sampler %q, want prefix %q", name, got, want)
		}
	}
}

// With an endpoint set, Setup builds a real exporter for either protocol
// without dialing, and Shutdown flushes and returns within its deadline
// even though nothing listens there.
func TestEnabledBuildsExporterWithoutDialing(t *testing.T) {
	for _, proto := range []string{config.ProtocolGRPC, config.ProtocolHTTPProtobuf} {
		t.Run(proto, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test")
			start := time.Now()
			tr, err := Setup(context.Background(), config.TracingConfig{
				Enabled: true, Protocol: proto, ServiceName: "hello",
				Sampler: config.SamplerConfig{Name: config.SamplerAlwaysOn},
			}, version.Info{Version: "1.0.0", Revision: "abc"})
			if err != nil {
				t.Fatal(err)
			}
			if time.Since(start) > 2*time.Second {
				t.Fatal("Setup blocked on the collector")
			}
			if _, ok := tr.Provider.(*sdktrace.TracerProvider); !ok {
				t.Fatalf("provider %T, want the SDK provider", tr.Provider)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			_ = tr.Shutdown(ctx) // the export may fail; it must not hang
			if time.Since(start) > 5*time.Second {
				t.Fatal("Shutdown did not respect its deadline")
			}
		})
	}
}

func TestResourceCarriesServiceAndEnvOverrides(t *testing.T) {
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=dev")
	res, err := newResource(context.Background(), "hello", version.Info{Version: "1.2.3", Revision: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range res.Attributes() {
		got[string(kv.Key)] = kv.Value.String()
	}
	for k, v := range map[string]string{
		"service.name": "hello", "service.version": "1.2.3",
		"vcs.ref.head.revision": "abc", "deployment.environment.name": "dev",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	exp := tracetest.NewInMemoryExporter()
	tr := New(sdktrace.NewSimpleSpanProcessor(exp), res, config.SamplerConfig{Name: config.SamplerAlwaysOn})
	_, span := tr.Provider.Tracer("t").Start(context.Background(), "op")
	span.End()
	if n := len(exp.GetSpans()); n != 1 {
		t.Fatalf("exported %d spans, want 1", n)
	}
}
