"""What the Python cluster tests (tests/integration/{crds,chart,plugin})
share: the control plane's kubeconfig, its kubectl, the CRDs applied
server-side, and fresh namespaces. Imported by their conftest.py files;
nothing here fakes the API server."""
import os
import pathlib
import subprocess
import uuid

import pytest
from kubernetes import client

REPO = pathlib.Path(__file__).resolve().parents[2]
CRD_NAMES = ("crd/relaytiers.baton.dev", "crd/sessiontiers.baton.dev",
             "crd/businesstiers.baton.dev")
# kubectl of the cluster's own release: scripts/cluster env exports it.
KUBECTL = os.environ.get("BATON_KUBECTL") or os.environ.get("KUBECTL") or "kubectl"


def find_kubeconfig():
    """KUBECONFIG, else what `scripts/cluster env` says; exits pytest if none."""
    path = os.environ.get("KUBECONFIG")
    if path and os.path.exists(path):
        return path
    out = subprocess.run([str(REPO / "scripts" / "cluster"), "env"], capture_output=True,
                         text=True)
    for line in out.stdout.splitlines():
        if "KUBECONFIG=" in line:
            path = line.split("KUBECONFIG=", 1)[1].strip().strip("'\"")
            if os.path.exists(path):
                return path
    pytest.exit("no control plane: set KUBECONFIG or run scripts/cluster up", returncode=2)


KUBECONFIG = find_kubeconfig()


def run(argv, check=True, input=None, env=None, timeout=120):
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                            input=input, env=env, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def kubectl(*args, check=True, input=None, kubeconfig=None):
    """kubectl (the cluster's own release) against the test cluster (or `kubeconfig`)."""
    env = dict(os.environ, KUBECONFIG=kubeconfig or KUBECONFIG)
    return run([KUBECTL, *args], check=check, input=input, env=env)


def apply_crds(path, field_manager):
    """Applies the CRDs under `path` server-side and waits until Established."""
    result = kubectl("apply", "--server-side", "--force-conflicts",
                     f"--field-manager={field_manager}", "-f", str(path))
    kubectl("wait", "--for=condition=Established", "--timeout=60s", *CRD_NAMES)
    return result


def fresh_namespace(api, prefix, labels=None):
    """Creates a namespace; a generator for a fixture that deletes it after."""
    core = client.CoreV1Api(api)
    name = prefix + uuid.uuid4().hex[:10]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(
        name=name, labels=labels)))
    yield name
    core.delete_namespace(name, propagation_policy="Background")
