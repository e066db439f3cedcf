package middleware

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"

	"github.com/gantry-dev/gantry/app/internal/telemetry"
)

func TestHeaderCarrierExtractsAsTheOTelOneDoes(t *testing.T) {
	h := http.Header{}
	h.Set("traceparent", traceparent)
	h.Set("tracestate", "vendor=1")
	h.Add("baggage", "a=1")
	h.Add("baggage", "b=2")
	ctx := telemetry.Propagator().Extract(context.Background(), headerCarrier(h))
	sc := trace.SpanContextFromContext(ctx)
	if sc.TraceID().String() != callerTraceID || sc.TraceState().Get("vendor") != "1" || !sc.IsRemote() {
		t.Fatalf("span context %+v", sc)
	}
	bag := baggage.FromContext(ctx)
	if bag.Member("a").Value() != "1" || bag.Member("b").Value() != "2" {
		t.Fatalf("baggage %v, want both headers' members", bag)
	}
	if headerCarrier(h).Get("x-missing") != "" {
		t.Fatal("a missing header must read as empty")
	}
}

func TestExtractWithoutTraceHeadersDoesNotAllocate(t *testing.T) {
	p := telemetry.Propagator()
	h := http.Header{"User-Agent": {"x"}}
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _ = p.Extract(ctx, headerCarrier(h)) }); n != 0 {
		t.Fatalf("%v allocations per extract", n)
	}
}
