package main

import "testing"

// A bad variable must stop the process before it listens, with exit code 2.
func TestBadConfigurationExitsNonZero(t *testing.T) {
	t.Setenv("HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("SHUTDOWN_TIMEOUT", "forever")
	if code := run(); code != 2 {
		t.Fatalf("run() = %d, want 2", code)
	}
}
