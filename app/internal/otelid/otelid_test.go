package otelid

import (
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func TestMatchesTheTraceAPI(t *testing.T) {
	tid := trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	sid := trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
	for _, c := range []struct{ got, want string }{
		{TraceID(tid), tid.String()},
		{TraceID(trace.TraceID{}), trace.TraceID{}.String()},
		{SpanID(sid), sid.String()},
		{SpanID(trace.SpanID{}), trace.SpanID{}.String()},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if TraceID(tid) != "4bf92f3577b34da6a3ce929d0e0e4736" || SpanID(sid) != "00f067aa0ba902b7" {
		t.Errorf("unexpected encoding %s/%s", TraceID(tid), SpanID(sid))
	}
}

func TestOneAllocation(t *testing.T) {
	tid := trace.TraceID{1, 2, 3}
	sid := trace.SpanID{4, 5, 6}
	var sink string
	if n := testing.AllocsPerRun(100, func() { sink = TraceID(tid) }); n != 1 {
		t.Errorf("TraceID: %v allocs, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { sink = SpanID(sid) }); n != 1 {
		t.Errorf("SpanID: %v allocs, want 1", n)
	}
	_ = sink
}
