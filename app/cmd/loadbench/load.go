package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// load drives one server with conns keep-alive HTTP/1.1 connections, each
// sending its next request when the previous response has been read (as
// hey -c does). The request is serialised once and written as bytes, and
// responses are parsed by net/http's ReadResponse: the client should spend
// as little CPU per request as it can, since on two cores it gets one and
// must keep the server's busy.
type load struct {
	addr  string
	path  string
	conns int
	// bodyBytes is the body length every response must have.
	bodyBytes int64
}

// result is what one load run saw.
type result struct {
	requests int64
	elapsed  time.Duration
}

// run sends requests until ctx ends and reports how many completed. Any
// failed or unexpected response ends the run with an error.
func (l load) run(ctx context.Context) (result, error) {
	req := fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: gantry-loadbench\r\n\r\n", l.path, l.addr)
	var (
		done     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	for range l.conns {
		c, err := net.Dial("tcp", l.addr)
		if err != nil {
			return result{}, err
		}
		// Closing the connection unblocks a read in flight when ctx ends.
		stop := context.AfterFunc(ctx, func() { _ = c.Close() })
		wg.Go(func() {
			defer stop()
			defer func() { _ = c.Close() }()
			if err := l.conn(ctx, c, req, &done); err != nil && ctx.Err() == nil {
				errOnce.Do(func() { firstErr = err; cancel() })
			}
		})
	}
	<-ctx.Done()
	elapsed := time.Since(start)
	n := done.Load() // requests completed by the deadline; later ones are not counted
	wg.Wait()
	return result{requests: n, elapsed: elapsed}, firstErr
}

func (l load) conn(ctx context.Context, c net.Conn, req []byte, done *atomic.Int64) error {
	br := bufio.NewReaderSize(c, 4096)
	for ctx.Err() == nil {
		if _, err := c.Write(req); err != nil {
			return err
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || n != l.bodyBytes {
			return fmt.Errorf("%s: status %d, %d body bytes (want 200, %d)", l.path, resp.StatusCode, n, l.bodyBytes)
		}
		done.Add(1)
	}
	return nil
}
