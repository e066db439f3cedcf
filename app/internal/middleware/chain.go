package middleware

import "net/http"

// Chain wraps the router in tracing, then metrics, then the access log:
//
//	tracing -> metrics -> access log -> router
//
// Tracing is outermost so that metrics (exemplars) and the access log
// (trace_id) see the span in the request context. Metrics and the access
// log pass the request on unchanged, so the route pattern the router sets
// on it is visible to both once the handler returns.
func Chain(router http.Handler, t *Tracing, m *Metrics, a *AccessLog) http.Handler {
	return t.Handler(m.Handler(a.Handler(router)))
}
