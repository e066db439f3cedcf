package main

import (
	"context"
	"net"
	"sync"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// sink is an OTLP/gRPC trace receiver on 127.0.0.1 that counts the spans it
// is sent and drops them, so that the service exports over the protocol it
// uses in production (the export's CPU is the service's) and the count
// shows what share of requests was sampled.
type sink struct {
	coltrace.UnimplementedTraceServiceServer
	addr string
	srv  *grpc.Server
	mu   sync.Mutex
	// spans counts by the value of the resource attribute setupAttr.
	spans map[string]int64
}

// setupAttr is the resource attribute each service process is started
// with (OTEL_RESOURCE_ATTRIBUTES), so that the sink can tell them apart.
const setupAttr = "loadbench.setup"

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{addr: ln.Addr().String(), srv: grpc.NewServer(), spans: map[string]int64{}}
	coltrace.RegisterTraceServiceServer(s.srv, s)
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *sink) Export(_ context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		setup := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == setupAttr {
				setup = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			s.spans[setup] += int64(len(ss.GetSpans()))
		}
	}
	return &coltrace.ExportTraceServiceResponse{}, nil
}

// received is the number of spans the setup's server has exported so far.
func (s *sink) received(setup string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spans[setup]
}

func (s *sink) stop() { s.srv.Stop() }
