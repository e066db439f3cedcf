package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gantry-dev/gantry/app/internal/config"
	"github.com/gantry-dev/gantry/app/internal/version"
)

func testConfig() config.Config {
	cfg := config.Defaults()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.Shutdown.DrainDelay = 400 * time.Millisecond
	cfg.Shutdown.Timeout = 5 * time.Second
	cfg.WorkMaxDuration = 3 * time.Second
	return cfg
}

func quietLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// started runs a on a fresh 127.0.0.1 listener and waits (bounded) until
// /readyz answers 200.
func started(t *testing.T, ctx context.Context, a *App) (base string, done <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- a.Run(ctx, ln) }()
	base = "http://" + ln.Addr().String()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, errc
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("service did not become ready within 5s")
	return "", nil
}

func TestNotReadyBeforeRunAndPprofOffByDefault(t *testing.T) {
	a, err := New(t.Context(), testConfig(), version.Get(), quietLogger(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Readiness().Ready() {
		t.Fatal("ready before the server runs")
	}
	ctx, cancel := context.WithCancel(t.Context())
	base, done := started(t, ctx, a)
	resp, err := http.Get(base + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/debug/pprof/ on the API port: %d, want 404", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestPprofOnItsOwnListenerWhenEnabled(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pprofAddr := probe.Addr().String()
	_ = probe.Close()
	cfg := testConfig()
	cfg.Shutdown.DrainDelay = 0
	cfg.Pprof = config.PprofConfig{Enabled: true, Addr: pprofAddr}
	a, err := New(t.Context(), cfg, version.Get(), quietLogger(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	_, done := started(t, ctx, a)
	resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("pprof listener: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := net.DialTimeout("tcp", pprofAddr, time.Second); err == nil {
		t.Error("pprof listener still open after shutdown")
	}
}

type outcome struct {
	start, end time.Time
	status     int
	err        error
}

// TestSIGTERMUnderLoad sends the process a real SIGTERM while workers keep
// requests flowing, and checks the shutdown contract: readiness drops at
// once, requests keep being served through the drain delay, every request
// in flight completes, and none that arrived before readiness dropped is
// refused.
func TestSIGTERMUnderLoad(t *testing.T) {
	cfg := testConfig()
	a, err := New(t.Context(), cfg, version.Get(), quietLogger(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(t.Context(), syscall.SIGTERM)
	defer stop()
	base, done := started(t, ctx, a)

	client := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 32},
		Timeout:   10 * time.Second,
	}
	defer client.CloseIdleConnections()
	get := func(path string) outcome {
		o := outcome{start: time.Now()}
		resp, err := client.Get(base + path)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			o.status = resp.StatusCode
		}
		o.err, o.end = err, time.Now()
		return o
	}

	const workers, maxPerWorker = 8, 400
	stopLoad := make(chan struct{})
	var mu sync.Mutex
	var results []outcome
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range maxPerWorker {
				select {
				case <-stopLoad:
					return
				default:
				}
				o := get("/api/v1/work?duration=20ms")
				mu.Lock()
				results = append(results, o)
				mu.Unlock()
				if o.err != nil {
					return // the listener is closed: this worker is done
				}
			}
		}()
	}

	time.Sleep(200 * time.Millisecond)
	// A slow request that is still running when Shutdown starts.
	slow := make(chan outcome, 1)
	go func() { slow <- get("/api/v1/work?duration=1200ms") }()
	time.Sleep(50 * time.Millisecond)

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var drainedAt time.Time
	select {
	case <-a.Readiness().Draining():
		drainedAt = time.Now()
	case <-time.After(5 * time.Second):
		t.Fatal("readiness did not drop within 5s of SIGTERM")
	}
	if o := get("/readyz"); o.err != nil || o.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining: %d %v, want 503", o.status, o.err)
	}

	var runErr error
	select {
	case runErr = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return within 15s of SIGTERM")
	}
	shutdownDone := time.Now()
	close(stopLoad)
	wg.Wait()
	if runErr != nil {
		t.Fatalf("Run: %v", runErr)
	}

	s := <-slow
	if s.err != nil || s.status != http.StatusOK {
		t.Errorf("request in flight at shutdown: %d %v, want 200", s.status, s.err)
	}
	if s.end.Sub(drainedAt) < cfg.Shutdown.DrainDelay {
		t.Errorf("slow request ended %v after readiness dropped, before the drain delay ended", s.end.Sub(drainedAt))
	}

	var before, during, refusedLate int
	for _, o := range results {
		switch {
		case o.err == nil && o.status != http.StatusOK:
			t.Errorf("request started %v after drain began got %d", o.start.Sub(drainedAt), o.status)
		case o.start.Before(drainedAt):
			before++
			if o.err != nil {
				t.Errorf("request started before readiness dropped was refused: %v", o.err)
			}
		case o.start.Before(drainedAt.Add(cfg.Shutdown.DrainDelay / 2)):
			during++
			if o.err != nil {
				t.Errorf("request started %v into the drain delay was refused: %v", o.start.Sub(drainedAt), o.err)
			}
		case o.err != nil:
			refusedLate++
		}
	}
	if before < workers || during < workers {
		t.Fatalf("too little load to judge: %d requests before readiness dropped, %d during the drain delay", before, during)
	}
	t.Logf("%d requests before SIGTERM, %d in the first half of the drain delay, %d refused after shutdown began; shutdown took %v",
		before, during, refusedLate, shutdownDone.Sub(drainedAt))

	if _, err := net.DialTimeout("tcp", base[len("http://"):], time.Second); err == nil {
		t.Error("listener still accepting after Run returned")
	}
}

func TestServerLimitsComeFromConfig(t *testing.T) {
	c := config.Defaults().Server
	s := newServer(http.NotFoundHandler(), c, quietLogger())
	if s.ReadHeaderTimeout != c.ReadHeaderTimeout || s.ReadTimeout != c.ReadTimeout ||
		s.WriteTimeout != c.WriteTimeout || s.IdleTimeout != c.IdleTimeout || s.MaxHeaderBytes != c.MaxHeaderBytes {
		t.Fatalf("server %+v does not carry the configured limits %+v", s, c)
	}
	if s.ReadHeaderTimeout == 0 || s.ErrorLog == nil {
		t.Fatal("ReadHeaderTimeout and ErrorLog must be set")
	}
}

func TestOversizedHeadersAreRejected(t *testing.T) {
	cfg := testConfig()
	cfg.Shutdown.DrainDelay = 0
	cfg.Server.MaxHeaderBytes = 4 << 10
	a, err := New(t.Context(), cfg, version.Get(), quietLogger(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	base, done := started(t, ctx, a)
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/hello", nil)
	req.Header.Set("X-Big", fmt.Sprintf("%0*d", 16<<10, 0))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("16 KiB header: %d, want 431", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
}
