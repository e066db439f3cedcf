// Command loadbench is the service's loopback benchmark: it serves
// /api/v1/hello from a bare net/http server and from the service binary in
// four tracing setups, drives each in turn over 127.0.0.1 with the same
// keep-alive load, round after round, and writes one JSON results file with
// every run, the medians of each setup paired with bare in the same round,
// and the targets. The READMEs quote that file (scripts/bench_figures.py).
//
// On a machine with two or more cores the server runs on one core and
// loadbench (the load and the OTLP sink) on another, both pinned with
// taskset, so that the server's throughput is bounded by its own CPU. The
// server's CPU per request comes from its own accounting (/proc/<pid>/stat),
// and its allocations from its go_memstats_mallocs_total.
//
// Usage (see `make bench-loopback`):
//
//	loadbench -hello bin/hello [-rounds 6] [-duration 3s] [-conns 32] [-out bench/loopback]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gantry-dev/gantry/app/internal/config"
)

// Setups, in the order round 1 runs them; later rounds rotate it (roundOrder).
const (
	setupBare      = "bare"
	setupOff       = "off"
	setupUnsampled = "unsampled"
	setupRatio     = "ratio-0.1"
	setupAll       = "all"
)

type setup struct {
	name        string
	description string
	// env is the service's tracing configuration; nil for bare.
	env    []string
	traced bool
}

func setups(sinkAddr string) []setup {
	otlp := []string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + sinkAddr, "OTEL_EXPORTER_OTLP_PROTOCOL=grpc"}
	with := func(extra ...string) []string { return append(append([]string{}, otlp...), extra...) }
	return []setup{
		{name: setupBare, description: "bare net/http server, same 27-byte body and server settings (timeouts, GOGC)"},
		{name: setupOff, description: "service, tracing off (no OTLP endpoint)", env: []string{}},
		{name: setupUnsampled, description: "service, tracing on, sampler always_off", traced: true,
			env: with("OTEL_TRACES_SAMPLER=always_off")},
		{name: setupRatio, description: "service, tracing on, parentbased_traceidratio 0.1 (prod's default)", traced: true,
			env: with("OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.1")},
		{name: setupAll, description: "service, tracing on, every request sampled (the service's default)", traced: true,
			env: with("OTEL_TRACES_SAMPLER=parentbased_always_on")},
	}
}

// Results is the file loadbench writes.
type Results struct {
	Benchmark string    `json:"benchmark"`
	Created   string    `json:"created"`
	Machine   Machine   `json:"machine"`
	Config    Config    `json:"config"`
	Summary   []Summary `json:"summary"`
	Targets   []Target  `json:"targets"`
	Runs      []Run     `json:"runs"`
}

// Config is how the benchmark was run.
type Config struct {
	Path        string  `json:"path"`
	BodyBytes   int     `json:"body_bytes"`
	Conns       int     `json:"conns"`
	Rounds      int     `json:"rounds"`
	Seconds     float64 `json:"seconds_per_run"`
	WarmSeconds float64 `json:"warmup_seconds_per_run"`
	// HelloBinary is the service binary's size in bytes; the service runs
	// with LOG_LEVEL=info, its access log read from a pipe.
	HelloBinaryBytes int64 `json:"hello_binary_bytes"`
	// GCPercent is the GOGC every server ran with, read from each one's
	// go_gc_gogc_percent: the service's default, bare included.
	GCPercent int `json:"gc_percent"`
}

const pinnedEnv = "GANTRY_LOADBENCH_PINNED"

// profileDir, when set, is where the last round's server CPU profiles go
// (go tool pprof); the service serves pprof on its own listener then.
var profileDir string

func main() {
	if len(os.Args) == 3 && os.Args[1] == "serve-bare" {
		if err := serveBare(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "serve-bare:", err)
			os.Exit(1)
		}
		return
	}
	hello := flag.String("hello", "", "service binary to measure (built as shipped)")
	rounds := flag.Int("rounds", 6, "rounds; each runs every setup once")
	duration := flag.Duration("duration", 3*time.Second, "measured time per setup and round")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "unmeasured load before each measured run")
	conns := flag.Int("conns", 32, "keep-alive connections")
	outDir := flag.String("out", "bench/loopback", "directory of results files")
	serverCPU := flag.Int("server-cpu", 0, "core of the server (two cores or more)")
	loadCPU := flag.Int("load-cpu", 1, "core of the load generator (two cores or more)")
	flag.StringVar(&profileDir, "profile", "", "write each service setup's CPU profile of the last round to this directory")
	flag.Parse()
	if *hello == "" || *rounds < 1 || *rounds > 50 || *duration <= 0 || *conns < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if onlineCPUs() < 2 {
		*serverCPU, *loadCPU = -1, -1
	} else if os.Getenv(pinnedEnv) == "" {
		pinSelf(*loadCPU)
	}
	if err := run(*hello, *rounds, *duration, *warmup, *conns, *outDir, *serverCPU, *loadCPU); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

// pinSelf re-executes loadbench under taskset on core cpu, so that every
// thread of it (load, sink, runtime) stays off the server's core; it only
// returns on failure.
func pinSelf(cpu int) {
	taskset, err := exec.LookPath("taskset")
	if err == nil {
		self, _ := os.Executable()
		argv := append([]string{"taskset", "-c", strconv.Itoa(cpu), self}, os.Args[1:]...)
		err = syscall.Exec(taskset, argv, append(os.Environ(), pinnedEnv+"=1"))
	}
	fmt.Fprintln(os.Stderr, "loadbench: cannot pin with taskset (util-linux):", err)
	os.Exit(1)
}

func run(hello string, rounds int, duration, warmup time.Duration, conns int, outDir string, serverCPU, loadCPU int) error {
	info, err := os.Stat(hello)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	res := Results{
		Benchmark: "loopback", Created: time.Now().UTC().Format(time.RFC3339),
		Machine: describeMachine(serverCPU, loadCPU),
		Config: Config{Path: "/api/v1/hello", BodyBytes: len(bareBody), Conns: conns, Rounds: rounds,
			Seconds: duration.Seconds(), WarmSeconds: warmup.Seconds(), HelloBinaryBytes: info.Size()},
	}
	snk, err := startSink()
	if err != nil {
		return err
	}
	defer snk.stop()
	all := setups(snk.addr)
	servers := map[string]*server{}
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, s := range all {
		argv := []string{hello}
		if s.env == nil {
			argv = []string{self, "serve-bare", "{addr}"}
		}
		env := append([]string{"LOG_LEVEL=info", "SHUTDOWN_DRAIN_DELAY=0s", "SHUTDOWN_TIMEOUT=5s",
			"OTEL_RESOURCE_ATTRIBUTES=" + setupAttr + "=" + s.name}, s.env...)
		var pprofAddr string
		if profileDir != "" && s.env != nil {
			if pprofAddr, err = freeAddr(); err != nil {
				return err
			}
			env = append(env, "PPROF_ENABLED=true", "PPROF_ADDR="+pprofAddr)
		}
		srv, err := startServer(s.name, argv, env, serverCPU)
		if err != nil {
			return err
		}
		srv.pprofAddr = pprofAddr
		servers[s.name] = srv
		if err := checkGCPercent(srv); err != nil {
			return err
		}
	}
	res.Config.GCPercent = config.Defaults().Runtime.GCPercent
	// served counts every request a server answered, warm-ups included,
	// for the share of them that was exported as spans.
	served := map[string]int64{}
	for round := 1; round <= rounds; round++ {
		for _, s := range roundOrder(all, round) {
			r, warm, err := measure(servers[s.name], round, rounds, duration, warmup, conns, serverCPU, loadCPU)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", round, s.name, err)
			}
			served[s.name] += r.Requests + warm
			res.Runs = append(res.Runs, r)
			fmt.Fprintf(os.Stderr, "round %d %-10s %8.0f req/s  %6.2f us CPU/req  %5.1f allocs/req  core use %.2f, others %.2f\n",
				round, s.name, r.ReqPerS, r.ServerCPUUs, r.AllocsPerReq, r.ServerCoreUse, r.OthersOnServerCore)
		}
	}
	res.Summary = summarise(all, res.Runs)
	// Stopping a traced server flushes its last span batch into the sink.
	for i, s := range all {
		servers[s.name].stop()
		delete(servers, s.name)
		if s.traced && served[s.name] > 0 {
			res.Summary[i].SpansPerReq = float64(snk.received(s.name)) / float64(served[s.name])
		}
	}
	res.Targets = targets(res.Summary)
	res.Machine.LoadAvgEnd = loadAvg()
	return write(res, outDir)
}

// measure warms the server up, then loads it for duration and reads its
// CPU time and allocations around the window.
// It also returns the number of warm-up requests.
func measure(s *server, round, lastRound int, duration, warmup time.Duration, conns, serverCPU, loadCPU int) (Run, int64, error) {
	l := load{addr: s.addr, path: "/api/v1/hello", conns: conns, bodyBytes: int64(len(bareBody))}
	wctx, cancel := context.WithTimeout(context.Background(), warmup)
	warm, err := l.run(wctx)
	cancel()
	if err != nil {
		return Run{}, 0, fmt.Errorf("warm-up: %w", err)
	}
	m0, err := s.mallocs()
	if err != nil {
		return Run{}, 0, err
	}
	cores0, err := coreTimes()
	if err != nil {
		return Run{}, 0, err
	}
	cpu0, err := s.cpu()
	if err != nil {
		return Run{}, 0, err
	}
	var profiled chan error
	if s.pprofAddr != "" && round == lastRound {
		profiled = make(chan error, 1)
		go func() { profiled <- s.profile(duration, filepath.Join(profileDir, s.name+".prof")) }()
	}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	res, err := l.run(ctx)
	cancel()
	if profiled != nil {
		err = errors.Join(err, <-profiled)
	}
	cpu1, err1 := s.cpu()
	cores1, err2 := coreTimes()
	m1, err3 := s.mallocs()
	if err := errors.Join(err, err1, err2, err3); err != nil {
		return Run{}, 0, err
	}
	if res.requests == 0 {
		return Run{}, 0, errors.New("no request completed")
	}
	n, secs := float64(res.requests), res.elapsed.Seconds()
	used := (cpu1 - cpu0).Seconds()
	serverBusy := busyShare(cores0, cores1, serverCPU)
	return Run{
		Round: round, Setup: s.name, Seconds: round3(secs), Requests: res.requests,
		ReqPerS:            round3(n / secs),
		ServerCPUUs:        round3(used / n * 1e6),
		ServerCoreUse:      round3(used / secs),
		OthersOnServerCore: round3(max(0, serverBusy-used/secs)),
		LoadBusy:           round3(busyShare(cores0, cores1, loadCPU)),
		AllocsPerReq:       round3((m1 - m0) / n),
		Load1:              loadAvg()[0],
	}, warm.requests, nil
}

// roundOrder is the order of the setups in a round: each round starts one
// setup later than the one before, so that no setup always runs first after
// the previous round's heaviest, or always right after bare.
func roundOrder(all []setup, round int) []setup {
	k := (round - 1) % len(all)
	return append(slices.Clone(all[k:]), all[:k]...)
}

// checkGCPercent refuses a server whose runtime paces its collector other
// than the service's default: the setups would not be comparable.
func checkGCPercent(s *server) error {
	got, err := s.gcPercent()
	if err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	if want := config.Defaults().Runtime.GCPercent; int(got) != want {
		return fmt.Errorf("%s runs with GOGC=%v, want the service's default %d", s.name, got, want)
	}
	return nil
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// write stores res as <outDir>/<created>.json and prints the summary.
func write(res Results, outDir string) error {
	for i := range res.Summary {
		s := &res.Summary[i]
		for _, f := range []*float64{&s.ReqPerS, &s.ServerCPUUs, &s.AllocsPerReq, &s.ThroughputVsBare,
			&s.CPUAddedUs, &s.CPUVsBare, &s.ServerCoreUse, &s.SpansPerReq} {
			*f = round3(*f)
		}
	}
	for i := range res.Targets {
		res.Targets[i].Value = round3(res.Targets[i].Value)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	t, _ := time.Parse(time.RFC3339, res.Created)
	path := filepath.Join(outDir, t.Format("20060102T150405Z")+".json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "setup\treq/s\tx bare\tCPU us/req\tadded us\tx bare CPU\tallocs/req\tspans/req\t")
	for _, s := range res.Summary {
		fmt.Fprintf(tw, "%s\t%.0f\t%.3f\t%.2f\t%.2f\t%.3f\t%.1f\t%.3f\t\n", s.Setup, s.ReqPerS, s.ThroughputVsBare,
			s.ServerCPUUs, s.CPUAddedUs, s.CPUVsBare, s.AllocsPerReq, s.SpansPerReq)
	}
	_ = tw.Flush()
	for _, t := range res.Targets {
		fmt.Printf("%-62s %8.3f %s %g: %v\n", t.What, t.Value, t.Op, t.Limit, t.Met)
	}
	fmt.Println("wrote", path)
	return nil
}
