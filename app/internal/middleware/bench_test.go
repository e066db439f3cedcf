//go:build unix

package middleware

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/logging"
	"github.com/gantry-dev/gantry/app/internal/telemetry"
)

// discardExporter stands in for the OTLP exporter: spans go through the real
// batch processor, so the cost measured is the service's, not the network's.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// discardCodec lets the benchmark's OTLP receiver take each export without
// decoding it and answer with an empty response, so that the process's CPU
// is the exporter's, not a collector's.
type discardCodec struct{}

func (discardCodec) Marshal(any) ([]byte, error) { return nil, nil }
func (discardCodec) Unmarshal([]byte, any) error { return nil }
func (discardCodec) Name() string                { return "proto" }

// otlpExporter is the service's OTLP/gRPC exporter sending to a receiver on
// 127.0.0.1 that drops what it gets.
func otlpExporter(tb testing.TB) sdktrace.SpanExporter {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ForceServerCodec(discardCodec{}), grpc.UnknownServiceHandler(
		func(_ any, stream grpc.ServerStream) error {
			var req struct{}
			if err := stream.RecvMsg(&req); err != nil {
				return err
			}
			return stream.SendMsg(&req)
		}))
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(srv.Stop)
	exp, err := otlptracegrpc.New(context.Background(),
		otlptracegrpc.WithEndpoint(ln.Addr().String()), otlptracegrpc.WithInsecure())
	if err != nil {
		tb.Fatal(err)
	}
	return exp
}

// Sampling setups of the chain under test.
const (
	traceAllOTLP   = "traced-otlp" // every request sampled, exported over OTLP/gRPC
	traceAll       = "traced"      // endpoint set, every request sampled
	traceRatio     = "ratio10"     // endpoint set, parentbased_traceidratio 0.1
	traceUnsampled = "unsampled"   // endpoint set, always_off: no request sampled
	traceOff       = "tracing-off" // no endpoint: no-op provider
)

// benchChain is the production chain around router: spans batched to a
// discarding exporter (per the sampling setup), counted, timed with
// exemplars, and logged as JSON to log.
func benchChain(tb testing.TB, router http.Handler, tracing string, log io.Writer) http.Handler {
	tb.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		tb.Fatal(err)
	}
	tel := telemetry.Off()
	if tracing != traceOff {
		s := config.SamplerConfig{Name: config.SamplerAlwaysOn}
		switch tracing {
		case traceRatio:
			s = config.SamplerConfig{Name: config.SamplerParentBasedTraceIDRatio, Ratio: 0.1}
		case traceUnsampled:
			s = config.SamplerConfig{Name: config.SamplerAlwaysOff}
		}
		var exp sdktrace.SpanExporter = discardExporter{}
		var opts []sdktrace.BatchSpanProcessorOption
		if tracing == traceAllOTLP {
			// Blocking: a loop faster than the export would otherwise
			// fill the queue and have spans dropped, not exported.
			exp, opts = otlpExporter(tb), []sdktrace.BatchSpanProcessorOption{sdktrace.WithBlocking()}
		}
		tel = telemetry.New(sdktrace.NewBatchSpanProcessor(exp, opts...), nil, s)
		tb.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	}
	return Chain(router, NewTracing(tel), m, NewAccessLog(logging.New(log, slog.LevelInfo)))
}

// BenchmarkChain compares the bare router with the full middleware chain on
// the same request, in process: the difference in ns/op is what the
// instrumentation adds to each request. traced-otlp less traced is what the
// OTLP exporter adds to a sampled span (transform, protobuf, gRPC), traced
// less unsampled what the SDK's span costs. It runs at the service's GC
// pacing (config.RuntimeConfig). It is the profiling harness (-cpuprofile,
// -memprofile); the figures the READMEs quote come from the loopback
// benchmark, cmd/loadbench.
func BenchmarkChain(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(config.Defaults().Runtime.GCPercent))
	cases := []struct {
		name string
		h    func(*testing.B) http.Handler
	}{
		{"bare", func(*testing.B) http.Handler { return testRouter() }},
		{"chain-" + traceAllOTLP, func(b *testing.B) http.Handler {
			return benchChain(b, testRouter(), traceAllOTLP, io.Discard)
		}},
		{"chain-" + traceAll, func(b *testing.B) http.Handler { return benchChain(b, testRouter(), traceAll, io.Discard) }},
		{"chain-" + traceRatio, func(b *testing.B) http.Handler { return benchChain(b, testRouter(), traceRatio, io.Discard) }},
		{"chain-" + traceUnsampled, func(b *testing.B) http.Handler {
			return benchChain(b, testRouter(), traceUnsampled, io.Discard)
		}},
		{"chain-" + traceOff, func(b *testing.B) http.Handler { return benchChain(b, testRouter(), traceOff, io.Discard) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := c.h(b)
			req := httptest.NewRequest(http.MethodGet, "/api/v1/hello?name=bench", nil)
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req.Clone(req.Context()))
				if rec.Code != http.StatusOK {
					b.Fatalf("code %d", rec.Code)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// cpuTime is the CPU time (user + system) used so far by this process, all
// threads included: the handler, the GC and the span batcher. On a shared machine wall-clock ns/op moves
// with the neighbours' load; CPU per operation mostly does not, and on a
// dedicated machine throughput is cores / (CPU per request).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op, the process CPU time per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
