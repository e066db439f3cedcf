package main

import (
	"errors"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protowire"
)

// sink is an OTLP/gRPC trace receiver on 127.0.0.1 that counts the spans it
// is sent and drops them, so that the service exports over the protocol it
// uses in production (the export's CPU is the service's) and the count
// shows what share of requests was sampled.
//
// It runs on the load generator's core, so it must cost little there: it
// takes each request as raw bytes and counts spans by walking the protobuf
// wire format, without decoding the spans into messages.
type sink struct {
	addr string
	srv  *grpc.Server
	mu   sync.Mutex
	// spans counts by the value of the resource attribute setupAttr.
	spans map[string]int64
}

// setupAttr is the resource attribute each service process is started
// with (OTEL_RESOURCE_ATTRIBUTES), so that the sink can tell them apart.
const setupAttr = "loadbench.setup"

// exportMethod is the one method the sink serves.
const exportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{addr: ln.Addr().String(), spans: map[string]int64{}}
	s.srv = grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(s.serve))
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// serve answers Export with an empty ExportTraceServiceResponse (zero
// bytes on the wire: no partial success) after counting the request's
// spans.
func (s *sink) serve(_ any, stream grpc.ServerStream) error {
	if m, _ := grpc.MethodFromServerStream(stream); m != exportMethod {
		return fmt.Errorf("sink serves %s only, not %s", exportMethod, m)
	}
	var req []byte
	if err := stream.RecvMsg(&req); err != nil {
		return err
	}
	counts, err := countSpans(req)
	if err != nil {
		return err
	}
	s.mu.Lock()
	for setup, n := range counts {
		s.spans[setup] += n
	}
	s.mu.Unlock()
	empty := []byte{}
	return stream.SendMsg(&empty)
}

// received is the number of spans the setup's server has exported so far.
func (s *sink) received(setup string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spans[setup]
}

func (s *sink) stop() { s.srv.Stop() }

// rawCodec passes messages through as bytes, under the name of the codec
// OTLP clients use.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }

func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append((*v.(*[]byte))[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// Field numbers of the OTLP messages the count walks through
// (opentelemetry/proto/collector/trace/v1 and trace/v1, resource/v1,
// common/v1).
const (
	requestResourceSpans = 1 // ExportTraceServiceRequest.resource_spans
	resourceSpansRes     = 1 // ResourceSpans.resource
	resourceSpansScope   = 2 // ResourceSpans.scope_spans
	resourceAttributes   = 1 // Resource.attributes
	scopeSpansSpans      = 2 // ScopeSpans.spans
	keyValueKey          = 1 // KeyValue.key
	keyValueValue        = 2 // KeyValue.value
	anyValueString       = 1 // AnyValue.string_value
)

var errWire = errors.New("malformed OTLP request")

// countSpans counts the spans of an ExportTraceServiceRequest by the value
// of each resource's setupAttr.
func countSpans(req []byte) (map[string]int64, error) {
	counts := map[string]int64{}
	err := eachField(req, func(num protowire.Number, rs []byte) error {
		if num != requestResourceSpans {
			return nil
		}
		var setup string
		var n int64
		err := eachField(rs, func(num protowire.Number, b []byte) error {
			switch num {
			case resourceSpansRes:
				return eachField(b, func(num protowire.Number, kv []byte) error {
					if num != resourceAttributes {
						return nil
					}
					key, value, err := stringAttribute(kv)
					if key == setupAttr {
						setup = value
					}
					return err
				})
			case resourceSpansScope:
				return eachField(b, func(num protowire.Number, _ []byte) error {
					if num == scopeSpansSpans {
						n++
					}
					return nil
				})
			}
			return nil
		})
		counts[setup] += n
		return err
	})
	return counts, err
}

// stringAttribute is a KeyValue's key and its string value ("" for
// another type).
func stringAttribute(kv []byte) (key, value string, err error) {
	err = eachField(kv, func(num protowire.Number, b []byte) error {
		switch num {
		case keyValueKey:
			key = string(b)
		case keyValueValue:
			return eachField(b, func(num protowire.Number, s []byte) error {
				if num == anyValueString {
					value = string(s)
				}
				return nil
			})
		}
		return nil
	})
	return key, value, err
}

// eachField calls f with each length-delimited field of msg (messages,
// strings, bytes); other wire types are skipped.
func eachField(msg []byte, f func(protowire.Number, []byte) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return errWire
		}
		msg = msg[n:]
		if typ != protowire.BytesType {
			if n = protowire.ConsumeFieldValue(num, typ, msg); n < 0 {
				return errWire
			}
			msg = msg[n:]
			continue
		}
		b, n := protowire.ConsumeBytes(msg)
		if n < 0 {
			return errWire
		}
		if err := f(num, b); err != nil {
			return err
		}
		msg = msg[n:]
	}
	return nil
}
