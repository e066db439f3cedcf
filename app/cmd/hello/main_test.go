package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gantry-dev/gantry/app/internal/config"
)

// A bad variable must stop the process before it listens, with exit code 2.
func TestBadConfigurationExitsNonZero(t *testing.T) {
	t.Setenv("HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("SHUTDOWN_TIMEOUT", "forever")
	if code := run(); code != 2 {
		t.Fatalf("run() = %d, want 2", code)
	}
}

// The service paces its collector before it serves: its own /metrics
// reports the configured GOGC, not the runtime's 100. SIGTERM then ends
// run with exit code 0.
func TestRunAppliesTheConfiguredGCPercent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	t.Setenv("HTTP_ADDR", addr)
	t.Setenv("SHUTDOWN_DRAIN_DELAY", "0s")
	t.Setenv("GOGC", "")
	// Start from the runtime's 100, and leave the test binary as found.
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig) })

	done := make(chan int, 1)
	go func() { done <- run() }()
	want := "go_gc_gogc_percent " + strconv.Itoa(config.Defaults().Runtime.GCPercent)
	var scrape string
	for range 100 {
		scrape = get(addr + "/metrics")
		if strings.Contains(scrape, "go_gc_gogc_percent") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(scrape, want+"\n") {
		t.Errorf("/metrics has no %q line", want)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("run() = %d after SIGTERM, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run() did not return within 10s of SIGTERM")
	}
}

func get(url string) string {
	resp, err := http.Get("http://" + url)
	if err != nil {
		return ""
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
