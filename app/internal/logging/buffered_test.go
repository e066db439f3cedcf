package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingWriter records each Write it is given.
type countingWriter struct {
	mu     sync.Mutex
	writes []string
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

func (c *countingWriter) snapshot() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.writes...)
}

func TestBufferedLinesArriveTogetherWithinTheFlushInterval(t *testing.T) {
	out := &countingWriter{}
	log, bw := NewBuffered(out, slog.LevelInfo)
	defer func() { _ = bw.Close() }()
	for i := range 100 {
		log.Info("request", "i", i)
	}
	if n := len(out.snapshot()); n != 0 {
		t.Fatalf("%d writes before the flush interval, want 0", n)
	}
	deadline := time.Now().Add(10 * FlushInterval)
	for len(out.snapshot()) == 0 && time.Now().Before(deadline) {
		time.Sleep(FlushInterval / 10)
	}
	w := out.snapshot()
	if len(w) != 1 || strings.Count(w[0], "\n") != 100 {
		t.Fatalf("got %d writes (%d lines in the first), want the 100 lines in one", len(w), strings.Count(strings.Join(w, ""), "\n"))
	}
}

func TestWarningsFlushAtOnceAndCloseFlushesTheRest(t *testing.T) {
	out := &countingWriter{}
	log, bw := NewBuffered(out, slog.LevelInfo)
	log.Info("first")
	log.With("component", "x").Warn("second")
	if w := out.snapshot(); len(w) != 1 || !strings.Contains(w[0], `"first"`) || !strings.Contains(w[0], `"second"`) {
		t.Fatalf("after a warning: %q, want both lines written in order", w)
	}
	log.Info("third")
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	if w := out.snapshot(); len(w) != 2 || !strings.Contains(w[1], `"third"`) {
		t.Fatalf("after Close: %q", w)
	}
}

func TestBufferedWriterWritesWhenFullAndPassesLargeWritesThrough(t *testing.T) {
	out := &countingWriter{}
	bw := NewBufferedWriter(out)
	defer func() { _ = bw.Close() }()
	line := bytes.Repeat([]byte("x"), BufferSize/4)
	for range 5 {
		_, _ = bw.Write(line)
	}
	if w := out.snapshot(); len(w) != 1 || len(w[0]) != 4*len(line) {
		t.Fatalf("writes %d, want one of four lines once the fifth does not fit", len(w))
	}
	big := bytes.Repeat([]byte("y"), BufferSize+1)
	_, _ = bw.Write(big)
	if w := out.snapshot(); len(w) != 3 || w[2] != string(big) {
		t.Fatalf("a write larger than the buffer must flush the buffer, then go through: %d writes", len(w))
	}
}
