"""python -m pod_runner --build-dir build [--namespace NS] [--log-dir DIR] ..."""
import argparse
import logging
import os
import signal
import sys

from kubernetes import client, config

from . import container_command
from .configmap_mirror import ConfigMapMirror
from .ip_pool import IpPool
from .runner import PodRunner


def main() -> int:
    p = argparse.ArgumentParser(prog="pod-runner", description=__doc__)
    p.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG"))
    p.add_argument("--namespace", help="only pods of this namespace (default: all)")
    p.add_argument("--build-dir", default="build",
                   help="where example programs are built (<dir>/examples/<name>/<name>)")
    p.add_argument("--image", action="append", default=[], metavar="NAME=PATH",
                   help="program for an image name (overrides --build-dir)")
    p.add_argument("--pod-cidr", default="127.2.0.0/16", help="loopback CIDR for pod IPs")
    p.add_argument("--log-dir", default="/tmp/baton-pod-runner")
    p.add_argument("--probe-interval", type=float, default=0.2, help="seconds")
    p.add_argument("--max-grace", type=float, default=30.0,
                   help="cap on a pod's termination grace period, seconds")
    p.add_argument("--mirror-configmap", action="append", default=[],
                   metavar="NS/NAME:KEY=PATH")
    p.add_argument("--pod-kubeconfigs", action="store_true",
                   help="give each pod a kubeconfig with a token of its ServiceAccount, "
                        "in $KUBECONFIG and $(POD_KUBECONFIG), as kubelet mounts a token")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="pod-runner: %(levelname)s %(message)s")

    config.load_kube_config(config_file=args.kubeconfig)
    api = client.CoreV1Api()
    binaries = container_command.default_binaries(args.build_dir)
    for spec in args.image:
        name, _, path = spec.partition("=")
        binaries[name] = os.path.abspath(path)
    runner = PodRunner(api, binaries, IpPool(args.pod_cidr), args.log_dir, args.namespace,
                       args.probe_interval, args.max_grace, args.pod_kubeconfigs)
    for spec in args.mirror_configmap:
        ConfigMapMirror(api, spec).start(runner.stop)

    def on_signal(signum, _frame):
        runner.stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"pod-runner: running {sorted(binaries)} with pod IPs from {args.pod_cidr}", flush=True)
    runner.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
