"""The local cluster: a real Kubernetes control plane and node on this machine.

Like kind and envtest, the cluster is an ordered list of units (etcd, the API
server, the controllers, kwok's simulated nodes, containerd, the kubelet,
kube-proxy, cluster DNS), each with a start, a ready check and a stop. What
each process is told (flags and config files) is rendered by pure functions
in `render`, so that it is tested without starting anything; `host` owns
every change to the machine itself and undoes it.
"""
