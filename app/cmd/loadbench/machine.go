package main

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine is where the figures were measured.
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	Kernel    string `json:"kernel"`
	GoVersion string `json:"go_version"`
	GOARCH    string `json:"goarch"`
	// ServerCPU and LoadCPU are the cores the server and the load
	// generator were pinned to; -1 when not pinned (one core).
	ServerCPU int `json:"server_cpu"`
	LoadCPU   int `json:"load_cpu"`
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute figures at the start
	// and at the end of the benchmark.
	LoadAvgStart [3]float64 `json:"loadavg_start"`
	LoadAvgEnd   [3]float64 `json:"loadavg_end"`
}

func describeMachine(serverCPU, loadCPU int) Machine {
	m := Machine{
		CPUs: onlineCPUs(), GoVersion: runtime.Version(), GOARCH: runtime.GOARCH,
		ServerCPU: serverCPU, LoadCPU: loadCPU, LoadAvgStart: loadAvg(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// onlineCPUs counts the machine's cores from /proc/stat, which, unlike
// runtime.NumCPU, does not shrink when this process is pinned.
func onlineCPUs() int {
	t, err := coreTimes()
	if err != nil {
		return runtime.NumCPU()
	}
	return len(t)
}

func loadAvg() [3]float64 {
	var out [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return out
	}
	for i, f := range strings.Fields(string(b))[:3] {
		out[i], _ = strconv.ParseFloat(f, 64)
	}
	return out
}

// coreTime is one core's busy and total time in USER_HZ ticks.
type coreTime struct{ busy, total int64 }

// coreTimes reads the per-core lines ("cpu0 ...") of /proc/stat. Idle and
// iowait are idle; everything else is busy.
func coreTimes() ([]coreTime, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil, err
	}
	return parseCoreTimes(string(b))
}

func parseCoreTimes(stat string) ([]coreTime, error) {
	var out []coreTime
	for line := range strings.Lines(stat) {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		var t coreTime
		for i, v := range f[1:] {
			if i >= 8 { // guest time is already counted in user
				break
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, err
			}
			t.total += n
			if i != 3 && i != 4 { // idle, iowait
				t.busy += n
			}
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, errors.New("no per-core lines in /proc/stat")
	}
	return out, nil
}

// busyShare is the share of core i that was busy between a and b.
func busyShare(a, b []coreTime, i int) float64 {
	if i < 0 || i >= len(a) || i >= len(b) || b[i].total == a[i].total {
		return 0
	}
	return float64(b[i].busy-a[i].busy) / float64(b[i].total-a[i].total)
}
