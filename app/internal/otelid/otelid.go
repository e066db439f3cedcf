// Package otelid formats trace and span ids for logs and exemplars. The
// trace API's String methods allocate twice (a byte slice, then the string);
// these allocate only the string, which matters on every request.
package otelid

import (
	"encoding/hex"

	"go.opentelemetry.io/otel/trace"
)

// TraceID returns id as 32 lowercase hex digits, like id.String().
func TraceID(id trace.TraceID) string {
	var buf [2 * len(id)]byte
	hex.Encode(buf[:], id[:])
	return string(buf[:])
}

// SpanID returns id as 16 lowercase hex digits, like id.String().
func SpanID(id trace.SpanID) string {
	var buf [2 * len(id)]byte
	hex.Encode(buf[:], id[:])
	return string(buf[:])
}
