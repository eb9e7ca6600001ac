"""Fixtures for kubectl-baton against the real control plane: the CRDs, a
fresh namespace per test, and a runner for the plugin binary of this build.

No operator runs here. Where a test is about how the plugin *reads* a tier
(exit codes, the tree of `get`), it writes the tier's status subresource
itself, as only the operator would in a real cluster; each such test says so.
The plugin's own writes (pause, undo, skip-drain, ...) are checked on the
objects the API server holds."""
import os
import pathlib
import subprocess
import uuid

import pytest
from kubernetes import client, config

REPO = pathlib.Path(__file__).resolve().parents[3]
KUBECTL = os.environ.get("BATON_KUBECTL", "/usr/lib/google-cloud-sdk/bin/kubectl.1.33")
if not os.access(KUBECTL, os.X_OK):
    KUBECTL = "kubectl"
PLUGIN = os.environ.get("BATON_KUBECTL_BATON") or str(
    pathlib.Path(os.environ.get("BATON_BUILD_DIR", REPO / "build")) / "bin" / "kubectl-baton")


def _kubeconfig():
    path = os.environ.get("KUBECONFIG")
    if path and os.path.exists(path):
        return path
    pytest.exit("no control plane: set KUBECONFIG (scripts/cluster env)", returncode=2)


KUBECONFIG = _kubeconfig()


def kubectl(*args, check=True):
    r = subprocess.run([KUBECTL, *args], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, KUBECONFIG=KUBECONFIG))
    if check and r.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)}: {r.stderr}")
    return r


@pytest.fixture(scope="session")
def api():
    config.load_kube_config(config_file=KUBECONFIG)
    return client.ApiClient()


@pytest.fixture(scope="session")
def crds(api):
    kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=baton-plugin-test",
            "-f", str(REPO / "crds"))
    kubectl("wait", "--for=condition=Established", "--timeout=60s",
            "crd/relaytiers.baton.dev", "crd/sessiontiers.baton.dev",
            "crd/businesstiers.baton.dev")


@pytest.fixture
def ns(api, crds):
    core = client.CoreV1Api(api)
    name = "plugin-" + uuid.uuid4().hex[:8]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    # No operator runs here, so no finalizer holds anything back.
    core.delete_namespace(name)


@pytest.fixture
def plugin():
    """Runs `kubectl baton ARGS` through kubectl's plugin lookup (PATH)."""
    assert os.access(PLUGIN, os.X_OK), f"no plugin binary at {PLUGIN} (build kubectl-baton)"
    env = dict(os.environ, KUBECONFIG=KUBECONFIG,
               PATH=str(pathlib.Path(PLUGIN).parent) + os.pathsep + os.environ.get("PATH", ""))

    def run(*args, timeout=60, background=False):
        argv = [KUBECTL, "baton", *args]
        if background:
            return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=env)
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)

    return run
