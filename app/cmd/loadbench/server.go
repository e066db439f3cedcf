package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gantry-dev/gantry/app/internal/config"
)

// bareBody is what the service answers to /api/v1/hello with no name.
const bareBody = `{"message":"hello, world"}` + "\n"

// serveBare is the baseline: a net/http server whose /api/v1/hello writes
// the service's 27-byte body and headers, with nothing around it. Its
// http.Server has the service's default settings (timeouts, header limit):
// the deadlines they set on every request are the server's hardening, not
// instrumentation, so both sides pay for them. It paces its garbage
// collector as the service does (config.RuntimeConfig), so that what a
// setup adds is what its telemetry allocates, not a different GOGC.
// /metrics exposes the Go collector only, so that allocations are read the
// same way as from the service.
func serveBare(addr string) error {
	debug.SetGCPercent(config.Defaults().Runtime.GCPercent)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/hello", func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Content-Type-Options", "nosniff")
		_, _ = io.WriteString(w, bareBody)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /readyz", func(http.ResponseWriter, *http.Request) {})
	sc := config.Defaults().Server
	srv := &http.Server{
		Addr:              addr,
		Handler:           mux,
		ReadHeaderTimeout: sc.ReadHeaderTimeout,
		ReadTimeout:       sc.ReadTimeout,
		WriteTimeout:      sc.WriteTimeout,
		IdleTimeout:       sc.IdleTimeout,
		MaxHeaderBytes:    sc.MaxHeaderBytes,
	}
	ctx, stop := signalContext()
	defer stop()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// server is one running server process, pinned with taskset when cpu >= 0.
type server struct {
	name string
	addr string
	cmd  *exec.Cmd
	// logLines counts what the server wrote on stdout, which is read (and
	// dropped) here as a container runtime would.
	logLines chan int64
	// pprofAddr is the service's pprof listener, when profiling.
	pprofAddr string
}

// startServer runs argv with env on a free 127.0.0.1 port (HTTP_ADDR and
// the first "{addr}" argument are set to it) and waits until /readyz answers.
func startServer(name string, argv, env []string, cpu int) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	for i, a := range argv {
		argv[i] = strings.ReplaceAll(a, "{addr}", addr)
	}
	if cpu >= 0 {
		argv = append([]string{"taskset", "-c", strconv.Itoa(cpu)}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append(withoutGCSettings(os.Environ()), "HTTP_ADDR="+addr), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, addr: addr, cmd: cmd, logLines: make(chan int64, 1)}
	go func() {
		var n int64
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			n++
		}
		s.logLines <- n
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s: not ready on %s within 10s", name, addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}

// stop sends SIGTERM to the server's pid and waits up to ten seconds, then
// kills it. It returns the number of lines the server logged.
func (s *server) stop() int64 {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	select {
	case n := <-s.logLines:
		return n
	case <-time.After(time.Second):
		return -1
	}
}

// cpu is the server process's CPU time so far (user + system, all
// threads), from the kernel's accounting in /proc/<pid>/stat.
func (s *server) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return parseProcStatCPU(string(b))
}

// userHZ is the unit of /proc times; Linux fixes it at 100 for user space.
const userHZ = 100

// parseProcStatCPU reads utime and stime (fields 14 and 15) of a
// /proc/<pid>/stat line. The command name (field 2) may hold spaces, so
// fields are counted from its closing parenthesis.
func parseProcStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	// f[0] is field 3 (state), so utime (14) is f[11] and stime (15) f[12].
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// withoutGCSettings drops GOGC and GOMEMLIMIT from the caller's
// environment: every server runs the service's own GC pacing.
func withoutGCSettings(environ []string) []string {
	return slices.DeleteFunc(slices.Clone(environ), func(kv string) bool {
		return strings.HasPrefix(kv, "GOGC=") || strings.HasPrefix(kv, "GOMEMLIMIT=")
	})
}

// mallocs is the server's go_memstats_mallocs_total, read from /metrics.
func (s *server) mallocs() (float64, error) { return s.metric("go_memstats_mallocs_total") }

// gcPercent is the GOGC the server's runtime runs with, from /metrics.
func (s *server) gcPercent() (float64, error) { return s.metric("go_gc_gogc_percent") }

func (s *server) metric(name string) (float64, error) {
	resp, err := http.Get("http://" + s.addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	return metricValue(resp.Body, name)
}

func metricValue(r io.Reader, name string) (float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s not in the scrape", name)
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
}

// profile writes the server's CPU profile over the next d (whole seconds,
// at least one) to path.
func (s *server) profile(d time.Duration, path string) error {
	secs := max(1, int(d.Seconds()))
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", s.pprofAddr, secs))
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	return errors.Join(err, f.Close())
}
