package middleware

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClaimPacesExemplars(t *testing.T) {
	var c exemplarClocks
	if !c.claimCounter(5 * time.Second) {
		t.Fatal("the first exemplar must be taken")
	}
	if c.claimCounter(5*time.Second + ExemplarInterval - 1) {
		t.Error("a second exemplar within the interval was taken")
	}
	if !c.claimCounter(5*time.Second + ExemplarInterval) {
		t.Error("no exemplar once the interval had passed")
	}
}

func TestBucketsArePacedApart(t *testing.T) {
	var c exemplarClocks
	now := time.Minute
	// Upper bounds are inclusive (le): .005 is in the first bucket, just
	// above it in the second, past the last bound in +Inf.
	for _, s := range []float64{0.001, 0.0051, 11} {
		if !c.claimBucket(s, now) {
			t.Errorf("%vs: first exemplar of its bucket refused", s)
		}
	}
	for _, s := range []float64{0.005, 0.01, 60} {
		if c.claimBucket(s, now) {
			t.Errorf("%vs: bucket already had an exemplar this interval", s)
		}
	}
	if !c.claimBucket(0.2, now) {
		t.Error("an untouched bucket refused its exemplar")
	}
}

// In a burst of sampled requests on one series the counter gets one
// exemplar per interval, while a slow request, landing in a
// bucket nothing else used, still gets its own: the outlier is the one a
// dashboard user clicks on.
func TestSlowRequestKeepsItsExemplarDuringABurst(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/sleep", func(_ http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("slow") != "" {
			time.Sleep(60 * time.Millisecond)
		}
	})
	f := newFixture(t, 0, mux)
	const first, second, slow = "11111111111111111111111111111111",
		"22222222222222222222222222222222", "33333333333333333333333333333333"
	for _, c := range []struct{ id, query string }{{first, ""}, {second, ""}, {slow, "?slow=1"}} {
		f.do(http.MethodGet, "/api/v1/sleep"+c.query, http.Header{"Traceparent": {"00-" + c.id + "-" + callerSpanID + "-01"}})
	}

	body := f.scrape(t)
	exemplar := func(prefix, id string) bool {
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, prefix) && strings.Contains(line, `# {trace_id="`+id+`"}`) {
				return true
			}
		}
		return false
	}
	if !exemplar("http_requests_total{", first) || exemplar("http_requests_total{", second) {
		t.Errorf("counter: want the first request's exemplar, the next ones paced:\n%s", body)
	}
	if !exemplar("http_request_duration_seconds_bucket{", slow) {
		t.Errorf("the slow request's bucket has no exemplar of it:\n%s", body)
	}
}
