// Package telemetry sets up OpenTelemetry tracing from the validated
// configuration. With no OTLP endpoint it returns a no-op tracer provider
// (nothing recorded, nothing exported, no connection attempted) while W3C
// trace context is still propagated, so logs keep the caller's trace id.
package telemetry

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/version"
)

// Tracing is what the HTTP layer needs: a provider, a propagator, the
// presampler, and a Shutdown that flushes buffered spans (a no-op when
// tracing is off).
type Tracing struct {
	Provider   trace.TracerProvider
	Propagator propagation.TextMapPropagator
	// Presampler decides a request's sampling before its span starts; nil
	// when tracing is off, where nothing is ever recorded.
	Presampler *Presampler
	Shutdown   func(context.Context) error
}

// Propagator is W3C trace context plus baggage, the OpenTelemetry default.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// Setup builds tracing. The OTLP exporter reads the endpoint, headers, TLS
// and timeout settings from the standard OTEL_EXPORTER_OTLP_* variables
// itself; creating it does not dial, so start-up never waits for the
// collector.
func Setup(ctx context.Context, cfg config.TracingConfig, build version.Info) (*Tracing, error) {
	if !cfg.Enabled {
		return Off(), nil
	}
	exp, err := newExporter(ctx, cfg.Protocol)
	if err != nil {
		return nil, fmt.Errorf("otlp trace exporter (%s): %w", cfg.Protocol, err)
	}
	res, err := newResource(ctx, cfg.ServiceName, build)
	if err != nil {
		return nil, err
	}
	return New(sdktrace.NewBatchSpanProcessor(exp), res, cfg.Sampler), nil
}

// Off is tracing with no endpoint: a no-op provider, no presampler, and the
// W3C propagator so that the caller's trace context still reaches logs and
// exemplars.
func Off() *Tracing {
	return &Tracing{
		Provider:   noop.NewTracerProvider(),
		Propagator: Propagator(),
		Shutdown:   func(context.Context) error { return nil },
	}
}

// New is tracing on: an SDK tracer provider around one span processor
// (tests pass an in-memory exporter) and a presampler with the same
// sampler, whose decisions the provider's ID generator keeps.
func New(sp sdktrace.SpanProcessor, res *resource.Resource, s config.SamplerConfig) *Tracing {
	sampler := Sampler(s)
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sampler),
		sdktrace.WithIDGenerator(idGenerator{}),
	)
	return &Tracing{
		Provider:   tp,
		Propagator: Propagator(),
		Presampler: &Presampler{sampler: sampler},
		Shutdown:   tp.Shutdown,
	}
}

func newExporter(ctx context.Context, protocol string) (sdktrace.SpanExporter, error) {
	switch protocol {
	case config.ProtocolHTTPProtobuf:
		return otlptracehttp.New(ctx)
	default:
		return otlptracegrpc.New(ctx)
	}
}

// newResource starts from the service's own defaults and lets
// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override them, as the spec
// asks.
func newResource(ctx context.Context, serviceName string, build version.Info) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(
			semconv.ServiceName(serviceName),
			semconv.ServiceVersion(build.Version),
			semconv.VCSRefHeadRevision(build.Revision),
		),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, fmt.Errorf("otel resource: %w", err)
	}
	return res, nil
}

// Sampler maps an OTEL_TRACES_SAMPLER name to the SDK sampler; unknown names
// cannot reach here because config rejects them.
func Sampler(s config.SamplerConfig) sdktrace.Sampler {
	switch s.Name {
	case config.SamplerAlwaysOn:
		return sdktrace.AlwaysSample()
	case config.SamplerAlwaysOff:
		return sdktrace.NeverSample()
	case config.SamplerTraceIDRatio:
		return sdktrace.TraceIDRatioBased(s.Ratio)
	case config.SamplerParentBasedAlwaysOff:
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case config.SamplerParentBasedTraceIDRatio:
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(s.Ratio))
	default:
		return sdktrace.ParentBased(sdktrace.AlwaysSample())
	}
}
