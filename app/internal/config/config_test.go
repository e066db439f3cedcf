package config

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsWhenNothingIsSet(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatalf("Load with empty environment: %v", err)
	}
	if cfg.HTTPAddr != ":8080" || cfg.LogLevel != slog.LevelInfo {
		t.Errorf("addr/level = %q/%v, want :8080/info", cfg.HTTPAddr, cfg.LogLevel)
	}
	if cfg.Shutdown.DrainDelay != 5*time.Second || cfg.Shutdown.Timeout != 20*time.Second {
		t.Errorf("shutdown = %+v, want 5s drain and 20s timeout", cfg.Shutdown)
	}
	if cfg.Pprof.Enabled {
		t.Error("pprof must be off by default")
	}
	if cfg.Tracing.Enabled {
		t.Error("tracing must be off when no OTLP endpoint is set")
	}
	if cfg.Server.ReadHeaderTimeout <= 0 || cfg.Server.MaxHeaderBytes <= 0 {
		t.Errorf("server limits must be set by default: %+v", cfg.Server)
	}
	if cfg.Runtime.GCPercent != 400 {
		t.Errorf("GC percent = %d, want the service's default 400, not the runtime's 100", cfg.Runtime.GCPercent)
	}
}

func TestParsesEverySetting(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		"HTTP_ADDR":                   "127.0.0.1:9000",
		"LOG_LEVEL":                   "DEBUG",
		"SHUTDOWN_DRAIN_DELAY":        "0s",
		"SHUTDOWN_TIMEOUT":            "3s",
		"PPROF_ENABLED":               "true",
		"PPROF_ADDR":                  "127.0.0.1:7000",
		"HTTP_READ_HEADER_TIMEOUT":    "2s",
		"HTTP_WRITE_TIMEOUT":          "1m",
		"HTTP_MAX_HEADER_BYTES":       "8192",
		"WORK_MAX_DURATION":           "45s",
		"OTEL_SERVICE_NAME":           "checkout",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://alloy.observability:4317",
		"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
		"OTEL_TRACES_SAMPLER":         "parentbased_traceidratio",
		"OTEL_TRACES_SAMPLER_ARG":     "0.25",
		"GOGC":                        "250",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.HTTPAddr != "127.0.0.1:9000" || cfg.LogLevel != slog.LevelDebug {
		t.Errorf("addr/level = %q/%v", cfg.HTTPAddr, cfg.LogLevel)
	}
	if cfg.Shutdown.DrainDelay != 0 || cfg.Shutdown.Timeout != 3*time.Second {
		t.Errorf("shutdown = %+v", cfg.Shutdown)
	}
	if !cfg.Pprof.Enabled || cfg.Pprof.Addr != "127.0.0.1:7000" {
		t.Errorf("pprof = %+v", cfg.Pprof)
	}
	if cfg.Server.ReadHeaderTimeout != 2*time.Second || cfg.Server.WriteTimeout != time.Minute || cfg.Server.MaxHeaderBytes != 8192 {
		t.Errorf("server = %+v", cfg.Server)
	}
	if cfg.Runtime.GCPercent != 250 {
		t.Errorf("GC percent = %d", cfg.Runtime.GCPercent)
	}
	if cfg.WorkMaxDuration != 45*time.Second {
		t.Errorf("work max = %v", cfg.WorkMaxDuration)
	}
	tr := cfg.Tracing
	if !tr.Enabled || tr.Protocol != ProtocolHTTPProtobuf || tr.ServiceName != "checkout" ||
		tr.Sampler.Name != SamplerParentBasedTraceIDRatio || tr.Sampler.Ratio != 0.25 {
		t.Errorf("tracing = %+v", tr)
	}
}

func TestTracesSpecificVariablesWin(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://a:4317",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/v1/traces",
		"OTEL_EXPORTER_OTLP_PROTOCOL":        "grpc",
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Tracing.Endpoint != "http://b:4318/v1/traces" || cfg.Tracing.Protocol != ProtocolHTTPProtobuf {
		t.Errorf("tracing = %+v, want the traces-specific endpoint and protocol", cfg.Tracing)
	}
}

func TestTracingSwitches(t *testing.T) {
	for name, m := range map[string]map[string]string{
		"sdk disabled":  {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4317", "OTEL_SDK_DISABLED": "true"},
		"exporter none": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4317", "OTEL_TRACES_EXPORTER": "none"},
		"no endpoint":   {"OTEL_TRACES_SAMPLER": "always_on"},
	} {
		cfg, err := Load(env(m))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.Tracing.Enabled {
			t.Errorf("%s: tracing enabled, want off", name)
		}
	}
}

// Every bad value must be rejected with an error that names its variable.
func TestBadValuesNameTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"HTTP_ADDR":                   {"HTTP_ADDR": "8080"},
		"PPROF_ADDR":                  {"PPROF_ADDR": "localhost:http-alt"},
		"LOG_LEVEL":                   {"LOG_LEVEL": "verbose"},
		"SHUTDOWN_DRAIN_DELAY":        {"SHUTDOWN_DRAIN_DELAY": "-1s"},
		"SHUTDOWN_TIMEOUT":            {"SHUTDOWN_TIMEOUT": "0s"},
		"HTTP_READ_HEADER_TIMEOUT":    {"HTTP_READ_HEADER_TIMEOUT": "5"},
		"HTTP_IDLE_TIMEOUT":           {"HTTP_IDLE_TIMEOUT": "soon"},
		"HTTP_MAX_HEADER_BYTES":       {"HTTP_MAX_HEADER_BYTES": "10"},
		"PPROF_ENABLED":               {"PPROF_ENABLED": "maybe"},
		"WORK_MAX_DURATION":           {"WORK_MAX_DURATION": "40s", "HTTP_WRITE_TIMEOUT": "30s"},
		"OTEL_EXPORTER_OTLP_ENDPOINT": {"OTEL_EXPORTER_OTLP_ENDPOINT": "alloy:4317"},
		"OTEL_EXPORTER_OTLP_PROTOCOL": {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
		"OTEL_TRACES_SAMPLER":         {"OTEL_TRACES_SAMPLER": "sometimes"},
		"OTEL_TRACES_SAMPLER_ARG":     {"OTEL_TRACES_SAMPLER_ARG": "1.5"},
		"OTEL_TRACES_EXPORTER":        {"OTEL_TRACES_EXPORTER": "zipkin"},
		"OTEL_SDK_DISABLED":           {"OTEL_SDK_DISABLED": "nope"},
		"GOGC":                        {"GOGC": "0"},
	}
	for want, m := range cases {
		t.Run(want, func(t *testing.T) {
			_, err := Load(env(m))
			if err == nil {
				t.Fatalf("Load(%v) succeeded, want an error naming %s", m, want)
			}
			var ve *VarError
			if !errors.As(err, &ve) || ve.Name != want {
				t.Fatalf("error %q: want a *VarError for %s", err, want)
			}
			if !strings.HasPrefix(err.Error(), want+"=") {
				t.Fatalf("message %q does not start with the variable name %s", err, want)
			}
		})
	}
}

func TestReportsEveryBadVariableAtOnce(t *testing.T) {
	_, err := Load(env(map[string]string{"LOG_LEVEL": "loud", "SHUTDOWN_TIMEOUT": "x", "OTEL_TRACES_SAMPLER_ARG": "NaN"}))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range []string{"LOG_LEVEL", "SHUTDOWN_TIMEOUT", "OTEL_TRACES_SAMPLER_ARG"} {
		if !strings.Contains(err.Error(), name+"=") {
			t.Errorf("error %q does not mention %s", err, name)
		}
	}
}

func TestGOGC(t *testing.T) {
	for v, want := range map[string]int{"200": 200, "off": -1, "OFF": -1, "1": 1} {
		cfg, err := Load(env(map[string]string{"GOGC": v, "GOMEMLIMIT": "115MiB"}))
		if err != nil || cfg.Runtime.GCPercent != want {
			t.Errorf("GOGC=%s: percent %d, err %v; want %d", v, cfg.Runtime.GCPercent, err, want)
		}
	}
	for _, v := range []string{"0", "-50", "12.5", "never"} {
		if _, err := Load(env(map[string]string{"GOGC": v})); err == nil || !strings.HasPrefix(err.Error(), "GOGC=") {
			t.Errorf("GOGC=%s: err %v, want GOGC refused", v, err)
		}
	}
}

func TestGOGCOffNeedsAMemoryLimit(t *testing.T) {
	_, err := Load(env(map[string]string{"GOGC": "off"}))
	var ve *VarError
	if !errors.As(err, &ve) || ve.Name != "GOGC" || !strings.Contains(err.Error(), "GOMEMLIMIT") {
		t.Fatalf("err = %v, want GOGC=off refused without GOMEMLIMIT", err)
	}
}

func TestPprofMustNotShareTheAPIListener(t *testing.T) {
	_, err := Load(env(map[string]string{"PPROF_ENABLED": "1", "HTTP_ADDR": ":9000", "PPROF_ADDR": ":9000"}))
	var ve *VarError
	if !errors.As(err, &ve) || ve.Name != "PPROF_ADDR" {
		t.Fatalf("err = %v, want PPROF_ADDR rejected", err)
	}
}
