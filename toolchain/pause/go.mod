// gantry's pod sandbox program: the process that holds a pod's namespaces
// on the local cluster's real node (containerd's pinned sandbox image,
// assembled by scripts/node-images.sh). Built by scripts/bootstrap.sh.
module gantry.invalid/toolchain/pause

go 1.26.0
