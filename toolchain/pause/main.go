// Command gantry-pause holds a pod's namespaces open, as the sandbox
// ("pause") container of the local cluster's real node. The upstream pause
// image cannot be pulled on a machine without a public registry, so gantry
// builds this one: it sleeps until SIGINT or SIGTERM and, as PID 1 of a pod
// that shares its process namespace, reaps the children it inherits so that
// no zombie outlives its container.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		reapAll()
	}
}

// reapAll collects every exited child without blocking: one SIGCHLD may
// stand for several exits.
func reapAll() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
