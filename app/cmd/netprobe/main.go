// Command netprobe is the local cluster's network probe: one check, run
// from inside a pod, whose outcome the guardrail tests read from the pod's
// exit code and its one JSON line. It proves what NetworkPolicies allow
// and refuse, so it is built by gantry (no public image is reachable here)
// and runs under the restricted Pod Security Standard as uid 65532.
//
// Usage:
//
//	netprobe [-after 0s] [-timeout 3s] connect HOST:PORT   open a TCP connection
//	netprobe [-after 0s] [-timeout 3s] get URL             an HTTP GET answered 2xx
//	netprobe [-after 0s] [-timeout 3s] resolve NAME        a DNS lookup with an answer
//
// -after waits before the check: a policy enforcer programs a new pod's
// rules a moment after the pod starts, and a check made before that would
// see the network as it is without any policy.
//
// Exit status: 0 when the check succeeds, 1 when it fails, 2 on bad usage.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("netprobe", flag.ContinueOnError)
	flags.SetOutput(stderr)
	timeout := flags.Duration("timeout", 3*time.Second, "how long the check may take")
	after := flags.Duration("after", 0, "how long to wait before the check")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() != 2 {
		fmt.Fprintln(stderr, "usage: netprobe [-timeout D] connect HOST:PORT | get URL | resolve NAME")
		return 2
	}
	check, ok := checks[flags.Arg(0)]
	if !ok {
		fmt.Fprintf(stderr, "netprobe: unknown check %q (connect, get or resolve)\n", flags.Arg(0))
		return 2
	}
	time.Sleep(*after)
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	begin := time.Now()
	detail, err := check(ctx, flags.Arg(1))
	out := outcome{
		Check:  flags.Arg(0),
		Target: flags.Arg(1),
		OK:     err == nil,
		Detail: detail,
		Millis: time.Since(begin).Milliseconds(),
	}
	if err != nil {
		out.Error = err.Error()
	}
	_ = json.NewEncoder(stdout).Encode(out)
	if err != nil {
		return 1
	}
	return 0
}

// outcome is the one line a probe prints.
type outcome struct {
	Check  string `json:"check"`
	Target string `json:"target"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	Error  string `json:"error,omitempty"`
	Millis int64  `json:"ms"`
}
