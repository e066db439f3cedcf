package config

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary values to the parsed variables: Load must never
// panic, must either succeed or name a variable it was given, and what it
// accepts must satisfy the documented bounds.
func FuzzLoad(f *testing.F) {
	f.Add("5s", "info", ":8080", "0.5", "grpc")
	f.Add("-1ns", "DEBUG", "[::1]:0", "1e-3", "http/protobuf")
	f.Add("9223372036854775807ns", "warn", "host:65536", "NaN", "http/json")
	f.Add("", "", "", "", "")
	f.Add("1h1m1s", "error", "a:b:c", "-0", "GRPC")
	f.Fuzz(func(t *testing.T, dur, level, addr, ratio, protocol string) {
		vars := map[string]string{
			"SHUTDOWN_DRAIN_DELAY":        dur,
			"LOG_LEVEL":                   level,
			"HTTP_ADDR":                   addr,
			"OTEL_TRACES_SAMPLER_ARG":     ratio,
			"OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
		}
		cfg, err := Load(env(vars))
		if err != nil {
			var ve *VarError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a *VarError", err)
			}
			if _, given := vars[ve.Name]; !given && ve.Name != "WORK_MAX_DURATION" {
				t.Fatalf("error names %s, which the test did not set", ve.Name)
			}
			return
		}
		if cfg.Shutdown.DrainDelay < 0 {
			t.Fatalf("accepted negative drain delay %v", cfg.Shutdown.DrainDelay)
		}
		r := cfg.Tracing.Sampler.Ratio
		if math.IsNaN(r) || r < 0 || r > 1 {
			t.Fatalf("accepted sampler ratio %v", r)
		}
		if p := cfg.Tracing.Protocol; p != ProtocolGRPC && p != ProtocolHTTPProtobuf {
			t.Fatalf("accepted protocol %q", p)
		}
		if strings.TrimSpace(addr) != "" && ValidateAddr(cfg.HTTPAddr) != nil {
			t.Fatalf("accepted address %q", cfg.HTTPAddr)
		}
	})
}
