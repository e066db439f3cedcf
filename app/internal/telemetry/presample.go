package telemetry

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"sync/atomic"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Presampler takes a server request's sampling decision before any span
// exists, with the sampler the provider uses, so that a request whose span
// would not be recorded costs no span at all: no ID generation by the SDK,
// no attribute sets, no writer wrapper, no allocation. Only sampled requests
// go on to start a span, and the provider then reaches the same decision
// from the same inputs (see Sample).
type Presampler struct {
	sampler sdktrace.Sampler
}

// presampled is the trace ID a sampled root request was decided on, handed
// to the provider's ID generator through the context. It is taken once, by
// the request's server span; any later root span in the same context gets
// fresh IDs.
type presampled struct {
	id    trace.TraceID
	taken atomic.Bool
}

type presampledKey struct{}

// Sample reports whether the server span of a request would be sampled.
// ctx carries the caller's extracted span context, if any; name is the
// span's start name. The decision is the sampler's, on the inputs the
// service's samplers (config.Sampler*) read: the parent span context and
// the trace ID (its own for a root, the parent's otherwise). When sampled,
// the returned context carries the root trace ID, so that the span started
// in it gets that ID and the sampler, run again by the SDK, decides the
// same way.
func (p *Presampler) Sample(ctx context.Context, name string) (context.Context, bool) {
	tid := trace.SpanContextFromContext(ctx).TraceID()
	root := !tid.IsValid()
	if root {
		tid = newTraceID()
	}
	res := p.sampler.ShouldSample(sdktrace.SamplingParameters{
		ParentContext: ctx,
		TraceID:       tid,
		Name:          name,
		Kind:          trace.SpanKindServer,
	})
	if res.Decision == sdktrace.Drop {
		return ctx, false
	}
	if root {
		ctx = context.WithValue(ctx, presampledKey{}, &presampled{id: tid})
	}
	return ctx, true
}

// idGenerator is the SDK's random ID generator, except that a root span
// started in a presampled context gets the trace ID it was sampled on.
type idGenerator struct{}

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if p, ok := ctx.Value(presampledKey{}).(*presampled); ok && p.taken.CompareAndSwap(false, true) {
		return p.id, newSpanID()
	}
	return newTraceID(), newSpanID()
}

func (idGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return newSpanID() }

// newTraceID and newSpanID draw from math/rand/v2's per-thread ChaCha8
// source, as the SDK's default generator does; zero IDs are invalid.
func newTraceID() trace.TraceID {
	var tid trace.TraceID
	for !tid.IsValid() {
		binary.NativeEndian.PutUint64(tid[:8], rand.Uint64())
		binary.NativeEndian.PutUint64(tid[8:], rand.Uint64())
	}
	return tid
}

func newSpanID() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		binary.NativeEndian.PutUint64(sid[:], rand.Uint64())
	}
	return sid
}
