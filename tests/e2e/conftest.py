"""End-to-end fixtures: the real control plane (KUBECONFIG from scripts/test
or scripts/cluster env), the CRDs, and per test a namespace with the operator,
the pod runner and a load generator running as real processes."""
import ipaddress
import os
import pathlib
import sys
import uuid

import pytest
from kubernetes import client, config

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from harness import Harness, REPO, kubectl  # noqa: E402
from prometheus_fixture import prometheus  # noqa: E402,F401 - the fixture, for tests to use


def _worker_pod_cidr():
    """Under pytest-xdist (scripts/test runs the scenarios that touch only
    their own namespace two at a time) each worker's pod runners take pod IPs
    from their own slice of the pod CIDR: relays of two tests side by side
    bind the same ports, so they must not share addresses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    base = ipaddress.ip_network(os.environ.get("BATON_POD_CIDR", "127.2.0.0/16"))
    slices = list(base.subnets(prefixlen_diff=4))
    os.environ["BATON_POD_CIDR"] = str(slices[int(worker.removeprefix("gw")) % len(slices)])


_worker_pod_cidr()


@pytest.fixture(scope="session")
def api():
    config.load_kube_config(config_file=os.environ["KUBECONFIG"])
    return client.ApiClient()


@pytest.fixture(scope="session")
def crds(api):
    kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=baton-e2e",
            "-f", str(REPO / "crds"))
    kubectl("wait", "--for=condition=Established", "--timeout=60s",
            "crd/relaytiers.baton.dev", "crd/sessiontiers.baton.dev",
            "crd/businesstiers.baton.dev")


@pytest.fixture
def harness(api, crds, tmp_path):
    ns = "e2e-" + uuid.uuid4().hex[:8]
    h = Harness(api, ns, tmp_path)
    try:
        yield h
    finally:
        h.close()
