//go:build unix

package middleware

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/logging"
	"github.com/gantry-dev/gantry/app/internal/telemetry"
)

// discardExporter stands in for the OTLP exporter: spans go through the real
// batch processor, so the cost measured is the service's, not the network's.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// benchChain is the production chain: every request sampled and batched,
// counted, timed with an exemplar, and logged as JSON.
func benchChain(b *testing.B, traced bool) http.Handler {
	b.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	var tr *Tracing
	if traced {
		tp := telemetry.NewProvider(sdktrace.NewBatchSpanProcessor(discardExporter{}), nil,
			config.SamplerConfig{Name: config.SamplerAlwaysOn})
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		tr = NewTracing(tp, telemetry.Propagator())
	} else {
		tr = NewTracing(noop.NewTracerProvider(), telemetry.Propagator())
	}
	return Chain(testRouter(), tr, m, NewAccessLog(logging.New(io.Discard, slog.LevelInfo)))
}

// BenchmarkChain compares the bare router with the full middleware chain on
// the same request, in process: the difference in ns/op is what the
// instrumentation adds to each request.
func BenchmarkChain(b *testing.B) {
	cases := []struct {
		name string
		h    func(*testing.B) http.Handler
	}{
		{"bare", func(*testing.B) http.Handler { return testRouter() }},
		{"chain-traced", func(b *testing.B) http.Handler { return benchChain(b, true) }},
		{"chain-tracing-off", func(b *testing.B) http.Handler { return benchChain(b, false) }},
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

// BenchmarkLoopback serves each handler on 127.0.0.1 and drives it with
// concurrent keep-alive clients (b.RunParallel, GOMAXPROCS goroutines), so
// the figures include the real net/http server and client. Compare the
// req/s of bare and chain-traced from the same run.
func BenchmarkLoopback(b *testing.B) {
	cases := []struct {
		name string
		h    func(*testing.B) http.Handler
	}{
		{"bare", func(*testing.B) http.Handler { return testRouter() }},
		{"chain-traced", func(b *testing.B) http.Handler { return benchChain(b, true) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			srv := httptest.NewServer(c.h(b))
			defer srv.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
			url := srv.URL + "/api/v1/hello?name=bench"
			b.SetParallelism(4)
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("code %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			reportCPU(b, cpu)
		})
	}
}

// cpuTime is the CPU time (user + system) used so far by this process, all
// threads included: the handler, the GC, the span batcher and, in the
// loopback benchmark, the client. On a shared machine wall-clock ns/op moves
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
