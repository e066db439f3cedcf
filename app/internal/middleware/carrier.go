package middleware

import (
	"net/http"
	"net/textproto"

	"go.opentelemetry.io/otel/propagation"
)

// headerCarrier is propagation.HeaderCarrier without its per-request
// allocations: that one canonicalises the propagators' lowercase field
// names ("traceparent", "baggage") on every Get, which allocates a new
// string each time, on every request, whether or not the header is there.
type headerCarrier http.Header

var _ propagation.ValuesGetter = headerCarrier(nil)

// canonicalFields are the header keys of the W3C propagators' fields.
var canonicalFields = map[string]string{
	"traceparent": "Traceparent",
	"tracestate":  "Tracestate",
	"baggage":     "Baggage",
}

func canonicalKey(key string) string {
	if k, ok := canonicalFields[key]; ok {
		return k
	}
	return textproto.CanonicalMIMEHeaderKey(key)
}

func (hc headerCarrier) Get(key string) string {
	if v := hc[canonicalKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (hc headerCarrier) Values(key string) []string { return hc[canonicalKey(key)] }

func (hc headerCarrier) Set(key, value string) { hc[canonicalKey(key)] = []string{value} }

func (hc headerCarrier) Keys() []string { return propagation.HeaderCarrier(hc).Keys() }
