package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/app/internal/version"
)

func scrape(t *testing.T, accept string) (string, string) {
	t.Helper()
	reg, err := NewRegistry(version.Info{Version: "1.0.0", Revision: "abc", GoVersion: "go1.26.8"})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("code %d", rec.Code)
	}
	return rec.Header().Get("Content-Type"), rec.Body.String()
}

func TestNegotiatesOpenMetricsAndKeepsTextForOthers(t *testing.T) {
	ct, body := scrape(t, "application/openmetrics-text; version=1.0.0")
	if !strings.HasPrefix(ct, "application/openmetrics-text") || !strings.HasSuffix(strings.TrimSpace(body), "# EOF") {
		t.Errorf("OpenMetrics not served when asked for: %q", ct)
	}
	if !strings.Contains(body, `app_build_info{goversion="go1.26.8",revision="abc",version="1.0.0"} 1`) {
		t.Errorf("build info missing:\n%s", body)
	}
	ct, body = scrape(t, "")
	if !strings.HasPrefix(ct, "text/plain") || strings.Contains(body, "# EOF") {
		t.Errorf("plain scrape got %q", ct)
	}
	for _, family := range []string{"go_memstats_alloc_bytes", "go_gc_duration_seconds", "process_resident_memory_bytes"} {
		if !strings.Contains(body, family) {
			t.Errorf("%s missing", family)
		}
	}
}
