package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func newTestRouter() *http.ServeMux {
	return NewRouter(Deps{
		Readiness:       http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }),
		Metrics:         http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("m")) }),
		WorkMaxDuration: 200e6, // 200ms
		Random:          func() float64 { return 0.5 },
	})
}

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func TestHello(t *testing.T) {
	mux := newTestRouter()
	cases := []struct {
		query, want string
		code        int
	}{
		{"", "hello, world", 200},
		{"?name=Ada", "hello, Ada", 200},
		{"?name=" + url.QueryEscape("Zoë 🚀"), "hello, Zoë 🚀", 200},
		{"?name=" + strings.Repeat("a", 65), "name: at most 64 characters", 400},
		{"?name=%00", "name: only printable characters", 400},
		{"?name=%ff", "name: must be valid UTF-8", 400},
	}
	for _, c := range cases {
		rec := get(t, mux, "/api/v1/hello"+c.query)
		if rec.Code != c.code {
			t.Errorf("%s: code %d, want %d", c.query, rec.Code, c.code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: content type %q", c.query, ct)
		}
		var body map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: body %q: %v", c.query, rec.Body, err)
		}
		got := body["message"]
		if c.code != 200 {
			got = body["error"]
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.query, got, c.want)
		}
	}
}

func TestRoutesAndMethods(t *testing.T) {
	mux := newTestRouter()
	if rec := get(t, mux, "/healthz"); rec.Code != 200 || rec.Body.String() != "ok\n" {
		t.Errorf("/healthz: %d %q", rec.Code, rec.Body)
	}
	if rec := get(t, mux, "/readyz"); rec.Code != http.StatusTeapot {
		t.Errorf("/readyz not served by the readiness handler: %d", rec.Code)
	}
	if rec := get(t, mux, "/metrics"); rec.Body.String() != "m" {
		t.Errorf("/metrics not served by the metrics handler: %q", rec.Body)
	}
	if rec := get(t, mux, "/nope"); rec.Code != http.StatusNotFound {
		t.Errorf("/nope: %d, want 404", rec.Code)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/hello", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /api/v1/hello: %d, want 405", rec.Code)
	}
}

// The default greeting, encoded once, is byte for byte what the encoder
// writes for any other name.
func TestHelloDefaultBodyIsTheEncodedGreeting(t *testing.T) {
	mux := newTestRouter()
	for _, target := range []string{"/api/v1/hello", "/api/v1/hello?name=", "/api/v1/hello?other=1"} {
		rec := get(t, mux, target)
		if rec.Body.String() != `{"message":"hello, world"}`+"\n" || rec.Header().Get("Content-Type") != "application/json" ||
			rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %q %v", target, rec.Body.String(), rec.Header())
		}
	}
	if got, want := get(t, mux, "/api/v1/hello?name=Ada").Body.String(), `{"message":"hello, Ada"}`+"\n"; got != want {
		t.Errorf("named: %q, want %q", got, want)
	}
}
