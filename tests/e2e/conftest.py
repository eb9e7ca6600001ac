"""End-to-end fixtures: the real control plane (KUBECONFIG from scripts/test
or scripts/cluster env), the CRDs, and per test a namespace with the operator,
the pod runner and a load generator running as real processes."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import uuid

import pytest
from kubernetes import client, config

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from harness import Harness, REPO, kubectl  # noqa: E402


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
