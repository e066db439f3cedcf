package logging

import (
	"io"
	"sync"
	"time"
)

// Access logging writes one line per request. Written straight to stdout
// that is one write(2) per request, the largest single cost of the
// instrumentation with tracing off; batched, it is one per FlushInterval
// or per BufferSize of lines.
const (
	// FlushInterval is the longest a line waits in the buffer.
	FlushInterval = 100 * time.Millisecond
	// BufferSize is how many bytes of lines are held before they are
	// written at once.
	BufferSize = 64 << 10
)

// BufferedWriter batches whole lines (slog writes each record with one
// Write) and writes them to the underlying writer when BufferSize would be
// exceeded, every FlushInterval, on Flush and on Close. What is lost if the
// process is killed (SIGKILL, OOM) is at most the last FlushInterval of
// lines; a normal exit flushes.
type BufferedWriter struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	stop chan struct{}
	done chan struct{}
}

// NewBufferedWriter starts the writer's flush loop; Close stops it.
func NewBufferedWriter(w io.Writer) *BufferedWriter {
	b := &BufferedWriter{w: w, buf: make([]byte, 0, BufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop()
	return b
}

func (b *BufferedWriter) loop() {
	defer close(b.done)
	t := time.NewTicker(FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = b.Flush()
		case <-b.stop:
			return
		}
	}
}

// Write keeps p for the next flush, flushing first when it would not fit.
// A p larger than the buffer is written through.
func (b *BufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > cap(b.buf) {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > cap(b.buf) {
			return b.w.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes what is buffered.
func (b *BufferedWriter) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

func (b *BufferedWriter) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// Close stops the flush loop and flushes. Lines written after Close are
// written through at the next Write that fills the buffer, or lost; call it
// last.
func (b *BufferedWriter) Close() error {
	close(b.stop)
	<-b.done
	return b.Flush()
}
