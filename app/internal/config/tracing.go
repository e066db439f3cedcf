package config

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// OTLP protocols the Go SDK ships exporters for.
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
)

// Sampler names from the OpenTelemetry SDK environment variable spec.
const (
	SamplerAlwaysOn                = "always_on"
	SamplerAlwaysOff               = "always_off"
	SamplerTraceIDRatio            = "traceidratio"
	SamplerParentBasedAlwaysOn     = "parentbased_always_on"
	SamplerParentBasedAlwaysOff    = "parentbased_always_off"
	SamplerParentBasedTraceIDRatio = "parentbased_traceidratio"
)

// TracingConfig is the part of the OTEL_* variables the service interprets
// itself. Endpoint, headers, TLS and timeouts are left to the OTLP exporter,
// which reads them from the same environment.
type TracingConfig struct {
	// Enabled is true when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT
	// or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), OTEL_SDK_DISABLED is not true and
	// OTEL_TRACES_EXPORTER is not "none". When false no exporter is created and
	// no span is recorded, but incoming trace context is still propagated.
	Enabled bool
	// Endpoint is the configured endpoint, kept for the start-up log line.
	Endpoint string
	// Protocol is grpc (default) or http/protobuf
	// (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL).
	Protocol string
	// ServiceName is OTEL_SERVICE_NAME, default "hello".
	ServiceName string
	// Sampler is OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG.
	Sampler SamplerConfig
}

// SamplerConfig names a sampler and, for the ratio samplers, its ratio.
type SamplerConfig struct {
	Name  string  // default parentbased_always_on
	Ratio float64 // OTEL_TRACES_SAMPLER_ARG for *traceidratio, default 1
}

func (r *reader) tracing(dst *TracingConfig) {
	if v, ok := r.lookup("OTEL_SERVICE_NAME"); ok {
		dst.ServiceName = v
	}

	disabled := false
	r.boolean("OTEL_SDK_DISABLED", &disabled)

	exporter := "otlp"
	if v, ok := r.lookup("OTEL_TRACES_EXPORTER"); ok {
		switch strings.ToLower(v) {
		case "otlp", "none":
			exporter = strings.ToLower(v)
		default:
			r.fail("OTEL_TRACES_EXPORTER", v, "want otlp or none")
		}
	}

	endpointVar := "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	endpoint, ok := r.lookup(endpointVar)
	if !ok {
		endpointVar = "OTEL_EXPORTER_OTLP_ENDPOINT"
		endpoint, _ = r.lookup(endpointVar)
	}
	if endpoint != "" {
		if err := ValidateEndpoint(endpoint); err != nil {
			r.fail(endpointVar, endpoint, err.Error())
		}
		dst.Endpoint = endpoint
	}

	protocolVar := "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	protocol, ok := r.lookup(protocolVar)
	if !ok {
		protocolVar = "OTEL_EXPORTER_OTLP_PROTOCOL"
		protocol, ok = r.lookup(protocolVar)
	}
	if ok {
		switch protocol {
		case ProtocolGRPC, ProtocolHTTPProtobuf:
			dst.Protocol = protocol
		default:
			r.fail(protocolVar, protocol, "want grpc or http/protobuf (the Go SDK has no http/json exporter)")
		}
	}

	r.sampler(&dst.Sampler)

	dst.Enabled = endpoint != "" && !disabled && exporter == "otlp"
}

// ValidateEndpoint accepts an absolute http or https URL with a host, the
// form both OTLP exporters take from the environment.
func ValidateEndpoint(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errEndpoint
	}
	return nil
}

var errEndpoint = errors.New(`want an http:// or https:// URL with a host, e.g. "http://alloy.observability:4317"`)

func (r *reader) sampler(dst *SamplerConfig) {
	if v, ok := r.lookup("OTEL_TRACES_SAMPLER"); ok {
		switch name := strings.ToLower(v); name {
		case SamplerAlwaysOn, SamplerAlwaysOff, SamplerTraceIDRatio,
			SamplerParentBasedAlwaysOn, SamplerParentBasedAlwaysOff, SamplerParentBasedTraceIDRatio:
			dst.Name = name
		default:
			r.fail("OTEL_TRACES_SAMPLER", v,
				"want always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio")
		}
	}
	arg, ok := r.lookup("OTEL_TRACES_SAMPLER_ARG")
	if !ok {
		return
	}
	ratio, err := ParseRatio(arg)
	if err != nil {
		r.fail("OTEL_TRACES_SAMPLER_ARG", arg, err.Error())
		return
	}
	dst.Ratio = ratio
}

// ParseRatio parses a probability from 0 to 1 inclusive; NaN and infinities
// are rejected because they would make every comparison false.
func ParseRatio(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !(f >= 0 && f <= 1) {
		return 0, errRatio
	}
	return f, nil
}

var errRatio = errors.New("want a number from 0 to 1")
