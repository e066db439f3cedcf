// Wrapper module that pins Kubernetes' own Pod Security Standards fixtures
// (test/testdata/ of k8s.io/pod-security-admission), the policy pack's
// conformance test data. The module's minor matches the cluster version the
// fixtures are read at: v0.37.x is Kubernetes 1.37. `make conformance-fixtures`
// downloads it into the Go module cache; tests/policies reads it from there.
// Nothing imports this module: do not `go mod tidy` this file.
module gantry.invalid/toolchain/conformance

go 1.24.7

require k8s.io/pod-security-admission v0.37.2
