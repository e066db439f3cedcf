package app

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/version"
)

// TestSpansAreExportedAndFlushedOnShutdown runs the real OTLP/HTTP exporter
// against a receiver on 127.0.0.1: the span of a request made just before
// shutdown must arrive, with the caller's trace id, by the time Run returns.
func TestSpansAreExportedAndFlushedOnShutdown(t *testing.T) {
	var mu sync.Mutex
	traceIDs := map[string]string{} // trace id -> span name
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					traceIDs[hex.EncodeToString(s.GetTraceId())] = s.GetName()
				}
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		_, _ = w.Write(out)
	}))
	defer receiver.Close()

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.URL)
	// A long batch delay: the span can only arrive through the shutdown flush.
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "60000")
	cfg := testConfig()
	cfg.Shutdown.DrainDelay = 0
	cfg.Tracing = config.TracingConfig{
		Enabled: true, Endpoint: receiver.URL, Protocol: config.ProtocolHTTPProtobuf, ServiceName: "hello",
		Sampler: config.SamplerConfig{Name: config.SamplerParentBasedAlwaysOn, Ratio: 1},
	}
	a, err := New(t.Context(), cfg, version.Get(), quietLogger(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	base, done := started(t, ctx, a)

	const traceID = "0af7651916cd43dd8448eb211c80319c"
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/hello", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-b7ad6b7169203331-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	mu.Lock()
	early := len(traceIDs)
	mu.Unlock()
	if early != 0 {
		t.Fatalf("spans exported before shutdown despite the 60s batch delay: %v", traceIDs)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	mu.Lock()
	defer mu.Unlock()
	if name, ok := traceIDs[traceID]; !ok || name != "GET /api/v1/hello" {
		t.Fatalf("received %v, want a span %q in trace %s", traceIDs, "GET /api/v1/hello", traceID)
	}
}
