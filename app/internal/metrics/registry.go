// Package metrics builds the service's own Prometheus registry (never the
// global default one) with the process-wide collectors, and its /metrics
// handler.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gantry-dev/gantry/app/internal/version"
)

// NewRegistry returns a registry holding the Go runtime and process
// collectors and app_build_info{version,revision,goversion} = 1.
func NewRegistry(build version.Info) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "app_build_info",
		Help: "Build of the running service; always 1.",
		ConstLabels: prometheus.Labels{
			"version":   build.Version,
			"revision":  build.Revision,
			"goversion": build.GoVersion,
		},
	})
	buildInfo.Set(1)
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo,
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// Handler serves reg. OpenMetrics is offered so that exemplars are exposed
// (the classic text format cannot carry them); Prometheus negotiates it, or
// protobuf when it scrapes native histograms.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		Registry:          reg,
		ErrorHandling:     promhttp.ContinueOnError,
	})
}
