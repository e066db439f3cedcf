package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not one JSON object: %q: %v", b, err)
	}
	return m
}

func TestAddsTraceAndSpanIDFromContext(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelInfo).With("component", "test")
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	log.InfoContext(ctx, "hello")
	m := decode(t, buf.Bytes())
	if m["trace_id"] != tid.String() || m["span_id"] != sid.String() {
		t.Fatalf("line %v lacks the ids", m)
	}
	for _, k := range []string{"time", "level", "msg", "component"} {
		if _, ok := m[k]; !ok {
			t.Errorf("line %v lacks %q", m, k)
		}
	}
}

func TestNoIDsWithoutSpanAndLevelFilter(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelWarn)
	log.InfoContext(context.Background(), "dropped")
	if buf.Len() != 0 {
		t.Fatalf("info written at warn level: %q", buf.String())
	}
	log.WarnContext(context.Background(), "kept")
	m := decode(t, buf.Bytes())
	if _, ok := m["trace_id"]; ok {
		t.Fatalf("trace_id added without a span: %v", m)
	}
}
