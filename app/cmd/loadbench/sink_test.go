package main

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The sink counts what the service's own exporter sends, per setup, across
// batches.
func TestSinkCountsTheSpansTheOTLPExporterSends(t *testing.T) {
	s, err := startSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	ctx := context.Background()
	for setup, spans := range map[string]int{"one": 3, "two": 1200} {
		exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(s.addr), otlptracegrpc.WithInsecure())
		if err != nil {
			t.Fatal(err)
		}
		res := resource.NewSchemaless(attribute.String("service.name", "x"), attribute.String(setupAttr, setup))
		tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res),
			sdktrace.WithBatcher(exp, sdktrace.WithMaxExportBatchSize(512)))
		tr := tp.Tracer("t")
		for range spans {
			_, span := tr.Start(ctx, "GET /api/v1/hello")
			span.SetAttributes(attribute.String("url.path", "/api/v1/hello"), attribute.Int("http.response.status_code", 200))
			span.End()
		}
		if err := tp.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if got := s.received(setup); got != int64(spans) {
			t.Errorf("setup %s: %d spans received, want %d", setup, got, spans)
		}
	}
}

func TestCountSpansRejectsMalformedInput(t *testing.T) {
	if _, err := countSpans([]byte{0x0a, 0x05, 0x01}); err == nil {
		t.Fatal("a length past the end must be an error")
	}
}
