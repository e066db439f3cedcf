package httpapi

import "net/http"

// healthz is the liveness probe: the process is up and its HTTP server
// answers. It deliberately checks nothing else, so that a slow dependency
// never gets the pod restarted; readiness (/readyz) is where traffic is
// gated.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}
