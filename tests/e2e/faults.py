"""What the control-plane fault tests share: the fixture that leaves the
control plane as they found it, and what they observe besides the load
generator: which relays began draining (their own logs), which pod writes
the operator made (the API server's audit log), whether a RelayTier is done."""
import collections
import json
import os
import pathlib
import re

import pytest

from harness import control_plane


def fault_test_marks(what):
    """The pytestmark of a fault test: it `what`s, so it runs only on a
    control plane of one's own (BATON_CLUSTER_FAULTS=1, set by scripts/test),
    and kube-controller-manager and kube-scheduler are restarted after it.
    It is cluster_wide: nothing runs beside it."""
    return [pytest.mark.cluster_wide, pytest.mark.usefixtures("restart_controllers_afterwards"),
            pytest.mark.skipif(os.environ.get("BATON_CLUSTER_FAULTS") != "1",
                               reason=f"{what}: needs BATON_CLUSTER_FAULTS=1 on a control "
                                      "plane of one's own")]


@pytest.fixture
def restart_controllers_afterwards():
    """After an etcd outage or apiserver restarts with the watch cache off,
    client-go's watches in kube-controller-manager and kube-scheduler can
    stay open and silent until their own 5-10 minute timeout: seen in the
    fault-test loop, where a namespace created right after a fault test got
    no default ServiceAccount within 30 s. The next test must start on a
    control plane that works, so restart both after every fault test."""
    yield
    control_plane("restart-controllers")


def cluster_dir():
    return pathlib.Path(os.environ.get("BATON_CLUSTER_DIR")
                        or os.path.dirname(os.environ["KUBECONFIG"]))


def drains_begun(h):
    """pod name -> how many times its relay logged a drain beginning."""
    out = {}
    for f in h.pod_logs.glob(f"{h.ns}_*.log"):
        n = len(re.findall(r"drain: start requested .*began=1", f.read_text(errors="replace")))
        if n:
            out[f.stem[len(h.ns) + 1:]] = n
    return out


def operator_writes(ns):
    """(verb, pod) -> successful pod creates/deletes by the operator in `ns`,
    from the API server's audit log."""
    path = os.environ.get("BATON_AUDIT_LOG") or str(cluster_dir() / "logs" / "audit.log")
    counts = collections.Counter()
    with open(path, errors="replace") as f:
        for line in f:
            if f'"namespace":"{ns}"' not in line or '"userAgent":"baton/' not in line:
                continue
            e = json.loads(line)
            ref = e.get("objectRef", {})
            if (e.get("stage") == "ResponseComplete" and ref.get("resource") == "pods"
                    and not ref.get("subresource") and e.get("verb") in ("create", "delete")
                    and e.get("responseStatus", {}).get("code", 500) < 300):
                counts[(e["verb"], ref.get("name"))] += 1
    return counts


def healthy(h, generation, replicas):
    """The RelayTier "relay" is Healthy at `generation` with every replica updated."""
    try:
        s = h.get_tier("relaytiers", "relay").get("status", {})
    except Exception:  # the API may be down right now
        return False
    return (s.get("observedGeneration") == generation and s.get("phase") == "Healthy"
            and s.get("updatedReplicas") == replicas and s.get("replicas") == replicas)
