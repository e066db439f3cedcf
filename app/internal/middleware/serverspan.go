package middleware

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the server spans.
const ScopeName = "github.com/gantry-dev/gantry/app/internal/middleware"

// The server span follows the OpenTelemetry HTTP server conventions
// (semconv v1.43, the version otelhttp v0.70 records) and carries the same
// name and attributes as otelhttp's span, which a test checks on the same
// request, plus http.route. It is started here rather than by otelhttp
// because otelhttp builds the attribute set of its own request metrics on
// every request even with a no-op meter, and the service's request metrics
// are client_golang's; the extra attribute set cost more than the span.

// requestAttributes appends the span's attributes that the request alone
// determines.
func requestAttributes(attrs []attribute.KeyValue, r *http.Request) []attribute.KeyValue {
	host, port := splitHostPort(r.Host)
	attrs = append(attrs, semconv.ServerAddress(host))
	attrs = appendMethod(attrs, r.Method)
	tls := r.TLS != nil
	if tls {
		attrs = append(attrs, semconv.URLSchemeKey.String("https"))
	} else {
		attrs = append(attrs, semconv.URLSchemeKey.String("http"))
	}
	if port > 0 && !(tls && port == 443) && !(!tls && port == 80) {
		attrs = append(attrs, semconv.ServerPort(port))
	}
	peer, peerPort := splitHostPort(r.RemoteAddr)
	if peer != "" {
		attrs = append(attrs, semconv.NetworkPeerAddress(peer))
		if peerPort > 0 {
			attrs = append(attrs, semconv.NetworkPeerPort(peerPort))
		}
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, semconv.UserAgentOriginal(ua))
	}
	// The client is the first X-Forwarded-For hop when a proxy sent one.
	client, _, _ := strings.Cut(r.Header.Get("X-Forwarded-For"), ",")
	if client == "" {
		client = peer
	}
	if client != "" {
		attrs = append(attrs, semconv.ClientAddress(client))
	}
	if r.URL != nil && r.URL.Path != "" {
		attrs = append(attrs, semconv.URLPath(r.URL.Path))
	}
	// network.protocol.name only when it is not http, the default.
	name, version, _ := strings.Cut(r.Proto, "/")
	if name != "" && !strings.EqualFold(name, "http") {
		attrs = append(attrs, semconv.NetworkProtocolName(strings.ToLower(name)))
	}
	if version != "" {
		attrs = append(attrs, semconv.NetworkProtocolVersion(version))
	}
	return attrs
}

// appendMethod appends http.request.method, bounded to the known methods,
// and the method as sent when it is not one of them (or not upper case).
func appendMethod(attrs []attribute.KeyValue, m string) []attribute.KeyValue {
	switch upper := strings.ToUpper(m); {
	case m == "":
		return append(attrs, semconv.HTTPRequestMethodOther)
	case Method(m) == m:
		return append(attrs, semconv.HTTPRequestMethodKey.String(m))
	case Method(upper) == upper:
		return append(attrs, semconv.HTTPRequestMethodKey.String(upper), semconv.HTTPRequestMethodOriginal(m))
	default:
		return append(attrs, semconv.HTTPRequestMethodOther, semconv.HTTPRequestMethodOriginal(m))
	}
}

// splitHostPort splits "host:port", "[v6]:port" or a bare host; port is -1
// when absent or invalid.
func splitHostPort(hostport string) (string, int) {
	if hostport == "" {
		return "", -1
	}
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		// No port: the whole value is the host, brackets removed.
		return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), -1
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return host, -1
	}
	return host, int(port)
}

// endServerSpan sets the span's attributes, the request's and what the
// handler did (route, status, sizes), renames it after the route, marks a
// 5xx an error (a 4xx is the client's error, not the server's) and ends it.
func endServerSpan(span trace.Span, r *http.Request, rec *recorder, body *countingBody) {
	attrs := requestAttributes(make([]attribute.KeyValue, 0, 16), r)
	if r.Pattern != "" {
		span.SetName(spanName(r))
		attrs = append(attrs, semconv.HTTPRoute(Route(r)))
	}
	if body != nil && body.n > 0 {
		attrs = append(attrs, semconv.HTTPRequestBodySize(int(body.n)))
	}
	if rec.bytes > 0 {
		attrs = append(attrs, semconv.HTTPResponseBodySize(int(rec.bytes)))
	}
	attrs = append(attrs, semconv.HTTPResponseStatusCode(rec.status))
	span.SetAttributes(attrs...)
	if rec.status >= 500 {
		span.SetStatus(codes.Error, "")
	}
	span.End()
}

// countingBody counts the request body bytes the handler read.
type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}
