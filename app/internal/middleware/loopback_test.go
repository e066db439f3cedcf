//go:build linux

package middleware

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gantry-dev/gantry/app/internal/httpapi"
)

// The loopback benchmark runs the server in a child process (this test
// binary again, in TestLoopbackServerProcess) so that the CPU time of server
// and client can be told apart: on two shared cores the client's share
// decides how much of the machine the server gets, and the ratio of
// req/s alone cannot say whether the chain or the client is the bottleneck.

const loopbackEnv = "GANTRY_LOOPBACK_SERVER"

// loopbackProfileEnv names a directory: when set, each server process writes
// its CPU profile there as <setup>.prof (see go tool pprof).
const loopbackProfileEnv = "GANTRY_LOOPBACK_PROFILE"

// loopbackRouter is the service's real router: /api/v1/hello validates its
// query and encodes a JSON body, a realistic but tiny handler.
func loopbackRouter() http.Handler {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return httpapi.NewRouter(httpapi.Deps{Readiness: ok, Metrics: ok, WorkMaxDuration: time.Second})
}

// TestLoopbackServerProcess is the child side: with loopbackEnv set to a
// setup name it serves that setup on 127.0.0.1, prints the address, answers
// each "cpu" line on stdin with its CPU time in nanoseconds, and exits when
// stdin closes. Without the variable it does nothing.
func TestLoopbackServerProcess(t *testing.T) {
	setup := os.Getenv(loopbackEnv)
	if setup == "" {
		return
	}
	var h http.Handler
	if setup == "bare" {
		h = loopbackRouter()
	} else {
		// A real file descriptor, so that each access line costs the
		// write(2) it costs in production (stdout), minus the reader.
		devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = devNull.Close() }()
		h = benchChain(t, loopbackRouter(), strings.TrimPrefix(setup, "chain-"), devNull)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	fmt.Printf("%s\n", ln.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Printf("%d\n", cpuTime())
	}
}

// loopbackServer is a running child server.
type loopbackServer struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
	url string
}

func startLoopbackServer(b *testing.B, setup string) *loopbackServer {
	b.Helper()
	args := []string{"-test.run=^TestLoopbackServerProcess$", "-test.count=1"}
	if dir := os.Getenv(loopbackProfileEnv); dir != "" {
		args = append(args, "-test.cpuprofile="+filepath.Join(dir, setup+".prof"))
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), loopbackEnv+"="+setup)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &loopbackServer{cmd: cmd, in: in, out: bufio.NewScanner(outPipe)}
	b.Cleanup(s.stop)
	if !s.out.Scan() {
		b.Fatalf("server %s printed no address: %v", setup, s.out.Err())
	}
	s.url = "http://" + s.out.Text() + "/api/v1/hello?name=bench"
	return s
}

// cpu asks the child for its CPU time so far.
func (s *loopbackServer) cpu(b *testing.B) time.Duration {
	b.Helper()
	if _, err := io.WriteString(s.in, "cpu\n"); err != nil {
		b.Fatal(err)
	}
	if !s.out.Scan() {
		b.Fatalf("server CPU time: %v", s.out.Err())
	}
	ns, err := strconv.ParseInt(s.out.Text(), 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return time.Duration(ns)
}

// stop closes stdin, which ends the child; it is killed if it has not
// exited within five seconds.
func (s *loopbackServer) stop() {
	_ = s.in.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// BenchmarkLoopback drives each setup's server process over 127.0.0.1 with
// the same keep-alive client: 8 goroutines (GOMAXPROCS x 4), each waiting
// for its response before sending the next request. The setups run one
// after the other in the same run; compare req/s of bare and the chain.
// server-cpu-ns/op is the server process's CPU per request (handler,
// net/http, GC, span batcher, log writes), client-cpu-ns/op the benchmark
// process's. Client and server share the machine's cores.
func BenchmarkLoopback(b *testing.B) {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	get := func(url string) error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("code %d", resp.StatusCode)
		}
		return nil
	}
	for _, setup := range []string{"bare", "chain-" + traceAll, "chain-" + traceRatio, "chain-" + traceOff} {
		b.Run(setup, func(b *testing.B) {
			srv := startLoopbackServer(b, setup)
			defer tr.CloseIdleConnections()
			for range 200 { // warm up connections, caches and the heap
				if err := get(srv.url); err != nil {
					b.Fatal(err)
				}
			}
			b.SetParallelism(4)
			b.ReportAllocs()
			b.ResetTimer()
			start, clientCPU, serverCPU := time.Now(), cpuTime(), srv.cpu(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := get(srv.url); err != nil {
						b.Error(err)
						return
					}
				}
			})
			elapsed, clientUsed, serverUsed := time.Since(start), cpuTime()-clientCPU, srv.cpu(b)-serverCPU
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(n/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(serverUsed)/n, "server-cpu-ns/op")
			b.ReportMetric(float64(clientUsed)/n, "client-cpu-ns/op")
		})
	}
}
