"""Fixtures for the CRD tests: the real control plane, the CRDs installed with
server-side apply, and a fresh namespace per test.

KUBECONFIG comes from the environment, or from `scripts/cluster env` when the
local control plane is up. Nothing here fakes the API server.
"""

import copy
import json
import os
import pathlib
import subprocess
import uuid

import pytest
from kubernetes import client, config

REPO = pathlib.Path(__file__).resolve().parents[3]
CRDS = REPO / "crds"
EXAMPLES = REPO / "examples" / "manifests"
TESTDATA = REPO / "tests" / "unit" / "api" / "testdata"
GROUP = "baton.dev"
VERSION = "v1alpha1"
PLURALS = {"RelayTier": "relaytiers", "SessionTier": "sessiontiers", "BusinessTier": "businesstiers"}
KUBECTL = os.environ.get("KUBECTL", "/usr/lib/google-cloud-sdk/bin/kubectl.1.33")
if not os.access(KUBECTL, os.X_OK):
    KUBECTL = "kubectl"


def _kubeconfig():
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


KUBECONFIG = _kubeconfig()


def kubectl(*args, check=True, input=None):
    """Runs kubectl v1.33 against the test cluster; returns CompletedProcess."""
    env = dict(os.environ, KUBECONFIG=KUBECONFIG)
    result = subprocess.run([KUBECTL, *args], capture_output=True, text=True, env=env,
                            input=input, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def api_client():
    config.load_kube_config(config_file=KUBECONFIG)
    return client.ApiClient()


@pytest.fixture(scope="session")
def crds_installed(api_client):
    """Applies crds/ with server-side apply and waits until each is Established."""
    result = kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=baton-crds",
                     "-f", str(CRDS))
    kubectl("wait", "--for=condition=Established", "--timeout=60s",
            *[f"crd/{plural}.{GROUP}" for plural in PLURALS.values()])
    return result.stdout


@pytest.fixture
def namespace(api_client, crds_installed):
    """A fresh namespace for one test, deleted (without waiting) afterwards."""
    core = client.CoreV1Api(api_client)
    name = "crds-" + uuid.uuid4().hex[:10]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(
        name=name, labels={"baton.dev/test": "crds"})))
    yield name
    core.delete_namespace(name, propagation_policy="Background")


@pytest.fixture
def custom(api_client):
    return client.CustomObjectsApi(api_client)


def minimal(kind, name="t"):
    """The smallest valid tier of a kind (the same object the C++ unit tests decode)."""
    with open(TESTDATA / f"{kind.lower()}-minimal.json") as f:
        obj = json.load(f)
    obj["metadata"]["name"] = name
    return copy.deepcopy(obj)


def create(custom, namespace, obj):
    return custom.create_namespaced_custom_object(GROUP, VERSION, namespace,
                                                  PLURALS[obj["kind"]], obj)


def causes_of(api_exception):
    """(status code, [(field, reason, message)]) of a refused request."""
    body = json.loads(api_exception.body)
    causes = body.get("details", {}).get("causes", [])
    return api_exception.status, [(c.get("field"), c.get("reason"), c.get("message"))
                                  for c in causes]
