package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseProcStatCPUCountsFromTheCommandsParenthesis(t *testing.T) {
	// Field 2 holds spaces and a parenthesis; utime 250 and stime 50 ticks.
	stat := "4242 (hello (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 123 456 789"
	got, err := parseProcStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if got != 3*time.Second {
		t.Fatalf("CPU %v, want 3s (300 ticks at 100 Hz)", got)
	}
	if _, err := parseProcStatCPU("4242 (hello) S 1 2"); err == nil {
		t.Fatal("a short line must be an error")
	}
}

func TestParseCoreTimesSkipsTheTotalAndCountsIdleAsIdle(t *testing.T) {
	stat := `cpu  300 0 100 600 0 0 0 0 0 0
cpu0 100 0 50 350 0 0 0 0 0 0
cpu1 200 0 50 250 0 0 0 0 0 0
intr 1 2 3
`
	got, err := parseCoreTimes(stat)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != (coreTime{busy: 150, total: 500}) || got[1] != (coreTime{busy: 250, total: 500}) {
		t.Fatalf("cores %+v", got)
	}
	later := []coreTime{{busy: 200, total: 600}, {busy: 250, total: 600}}
	if s := busyShare(got, later, 0); s != 0.5 {
		t.Errorf("core 0 busy %v, want 0.5", s)
	}
	if s := busyShare(got, later, 1); s != 0 {
		t.Errorf("core 1 busy %v, want 0", s)
	}
}

func TestSummariesPairEachRoundWithBare(t *testing.T) {
	ss := []setup{{name: setupBare}, {name: setupOff}, {name: setupUnsampled}, {name: setupRatio}, {name: setupAll}}
	var runs []Run
	// Bare's speed changes from round to round (a noisy neighbour); the
	// service is always 10% slower in the same round.
	for round, bare := range []float64{10, 20, 40} {
		runs = append(runs, Run{Round: round, Setup: setupBare, ReqPerS: 1000 * bare, ServerCPUUs: bare})
		for _, s := range ss[1:] {
			runs = append(runs, Run{Round: round, Setup: s.name, ReqPerS: 900 * bare, ServerCPUUs: bare + 2})
		}
	}
	sums := summarise(ss, runs)
	off := sums[1]
	if off.ThroughputVsBare != 0.9 || off.CPUAddedUs != 2 || off.ReqPerS != 18000 {
		t.Fatalf("off %+v: want 0.9 of bare, +2 us, median 18000 req/s", off)
	}
	ts := targets(sums)
	want := map[string]bool{setupRatio: true, setupUnsampled: true, setupOff: true, setupAll: true}
	for _, tg := range ts {
		if tg.Met != want[tg.Setup] {
			t.Errorf("%s: met %v at %v", tg.What, tg.Met, tg.Value)
		}
	}
	runs[1].ServerCPUUs = 100 // round 0's off: 10x bare
	if ts := targets(summarise(ss, runs)); !strings.Contains(ts[2].What, "tracing off") || ts[2].Value != 2 {
		t.Errorf("one outlier round moved the median: %+v", ts[2])
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestMetricValueReadsTheUnlabelledSample(t *testing.T) {
	scrape := "# HELP go_memstats_mallocs_total x\n# TYPE go_memstats_mallocs_total counter\ngo_memstats_mallocs_total 12345\n"
	if v, err := metricValue(strings.NewReader(scrape), "go_memstats_mallocs_total"); err != nil || v != 12345 {
		t.Fatalf("%v %v", v, err)
	}
	if _, err := metricValue(strings.NewReader("other 1\n"), "go_memstats_mallocs_total"); err == nil {
		t.Fatal("a missing metric must be an error")
	}
}

func TestServersDoNotInheritTheCallersGCSettings(t *testing.T) {
	got := withoutGCSettings([]string{"PATH=/bin", "GOGC=50", "GOMEMLIMIT=1GiB", "GOGCX=1"})
	if strings.Join(got, " ") != "PATH=/bin GOGCX=1" {
		t.Fatalf("env %q, want GOGC and GOMEMLIMIT dropped and the rest kept", got)
	}
}

func TestEachRoundStartsOneSetupLater(t *testing.T) {
	all := []setup{{name: "a"}, {name: "b"}, {name: "c"}}
	names := func(ss []setup) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.name)
		}
		return strings.Join(out, "")
	}
	for round, want := range map[int]string{1: "abc", 2: "bca", 3: "cab", 4: "abc"} {
		if got := names(roundOrder(all, round)); got != want {
			t.Errorf("round %d: order %s, want %s", round, got, want)
		}
	}
	if names(all) != "abc" {
		t.Error("roundOrder must not reorder its argument")
	}
}
