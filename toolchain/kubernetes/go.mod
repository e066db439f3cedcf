// Wrapper module that pins the Kubernetes resource plugin built by
// scripts/bootstrap.sh. Provider v4.25.0 (commit f47bc2d6f199, tagged v4.25.0
// and sdk/v4.25.0 upstream) is the newest version the reachable module proxy
// serves, as a pseudo-version. Its main package embeds files made by
// `go generate`, and upstream replaces sdk/v4 with ../sdk, so bootstrap builds
// it in a writable copy whose sdk/v4 replace points at sdk/v4 v4.25.0 below.
// Nothing imports these modules: do not `go mod tidy` this file.
module gantry.invalid/toolchain/kubernetes

go 1.24.7

require (
	github.com/pulumi/pulumi-kubernetes/provider/v4 v4.0.0-20260115033456-f47bc2d6f199
	github.com/pulumi/pulumi-kubernetes/sdk/v4 v4.25.0
)
