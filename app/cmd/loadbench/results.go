package main

import (
	"slices"
)

// Run is one setup's measured window in one round.
type Run struct {
	Round   int     `json:"round"`
	Setup   string  `json:"setup"`
	Seconds float64 `json:"seconds"`
	// Requests completed in the window.
	Requests int64   `json:"requests"`
	ReqPerS  float64 `json:"req_per_s"`
	// ServerCPUUs is the server process's CPU time (all threads) per request.
	ServerCPUUs float64 `json:"server_cpu_us_per_req"`
	// ServerCoreUse is the server's CPU time over the window's wall time: 1
	// means it had its core to itself and used all of it.
	ServerCoreUse float64 `json:"server_core_use"`
	// OthersOnServerCore is the share of the server's core that other
	// processes used during the window (the neighbours' noise).
	OthersOnServerCore float64 `json:"others_on_server_core"`
	// LoadBusy is the share of the load generator's core in use.
	LoadBusy     float64 `json:"load_core_busy"`
	AllocsPerReq float64 `json:"allocs_per_req"`
	Load1        float64 `json:"loadavg_1m"`
}

// Summary is one setup over all rounds: medians, and medians of its paired
// differences and ratios to bare in the same round.
type Summary struct {
	Setup       string  `json:"setup"`
	Description string  `json:"description"`
	ReqPerS     float64 `json:"req_per_s"`
	ServerCPUUs float64 `json:"server_cpu_us_per_req"`
	// AllocsPerReq is the server's heap allocations per request.
	AllocsPerReq float64 `json:"allocs_per_req"`
	// ThroughputVsBare is req/s over bare's req/s in the same round.
	ThroughputVsBare float64 `json:"throughput_vs_bare"`
	// CPUAddedUs is server CPU per request minus bare's in the same round.
	CPUAddedUs float64 `json:"server_cpu_added_us"`
	// CPUVsBare is server CPU per request over bare's in the same round.
	CPUVsBare     float64 `json:"server_cpu_vs_bare"`
	ServerCoreUse float64 `json:"server_core_use"`
	// SpansPerReq is spans received by the OTLP sink per request served
	// (over the whole run, warm-ups included); -1 where nothing is exported.
	SpansPerReq float64 `json:"spans_per_req"`
}

// Target is one goal of the issue and whether the medians meet it.
type Target struct {
	What  string  `json:"what"`
	Setup string  `json:"setup"`
	Field string  `json:"field"`
	Op    string  `json:"op"`
	Limit float64 `json:"limit"`
	Value float64 `json:"value"`
	Met   bool    `json:"met"`
}

// summarise pairs every run with bare's run of the same round.
func summarise(setups []setup, runs []Run) []Summary {
	bare := map[int]Run{}
	for _, r := range runs {
		if r.Setup == setupBare {
			bare[r.Round] = r
		}
	}
	out := make([]Summary, 0, len(setups))
	for _, s := range setups {
		var rps, cpu, allocs, use, tput, added, ratio []float64
		for _, r := range runs {
			if r.Setup != s.name {
				continue
			}
			rps = append(rps, r.ReqPerS)
			cpu = append(cpu, r.ServerCPUUs)
			allocs = append(allocs, r.AllocsPerReq)
			use = append(use, r.ServerCoreUse)
			if b, ok := bare[r.Round]; ok && b.ReqPerS > 0 && b.ServerCPUUs > 0 {
				tput = append(tput, r.ReqPerS/b.ReqPerS)
				added = append(added, r.ServerCPUUs-b.ServerCPUUs)
				ratio = append(ratio, r.ServerCPUUs/b.ServerCPUUs)
			}
		}
		out = append(out, Summary{
			Setup: s.name, Description: s.description,
			ReqPerS: median(rps), ServerCPUUs: median(cpu), AllocsPerReq: median(allocs),
			ThroughputVsBare: median(tput), CPUAddedUs: median(added), CPUVsBare: median(ratio),
			ServerCoreUse: median(use), SpansPerReq: -1,
		})
	}
	return out
}

// targets are the goals, checked against the summaries.
func targets(sums []Summary) []Target {
	by := map[string]Summary{}
	for _, s := range sums {
		by[s.Setup] = s
	}
	ts := []Target{
		{What: "prod default (ratio 0.1) keeps >= 85% of bare throughput", Setup: setupRatio, Field: "throughput_vs_bare", Op: ">=", Limit: 0.85,
			Value: by[setupRatio].ThroughputVsBare},
		{What: "unsampled request adds <= 10 us of server CPU", Setup: setupUnsampled, Field: "server_cpu_added_us", Op: "<=", Limit: 10,
			Value: by[setupUnsampled].CPUAddedUs},
		{What: "tracing off adds <= 5 us of server CPU", Setup: setupOff, Field: "server_cpu_added_us", Op: "<=", Limit: 5,
			Value: by[setupOff].CPUAddedUs},
		{What: "every request sampled stays within 2x bare server CPU", Setup: setupAll, Field: "server_cpu_vs_bare", Op: "<=", Limit: 2,
			Value: by[setupAll].CPUVsBare},
	}
	for i := range ts {
		if ts[i].Op == ">=" {
			ts[i].Met = ts[i].Value >= ts[i].Limit
		} else {
			ts[i].Met = ts[i].Value <= ts[i].Limit
		}
	}
	return ts
}

// median of xs; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
