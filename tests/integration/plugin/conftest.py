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
import sys

import pytest
from kubernetes import client, config

REPO = pathlib.Path(__file__).resolve().parents[3]
PLUGIN = os.environ.get("BATON_KUBECTL_BATON") or str(
    pathlib.Path(os.environ.get("BATON_BUILD_DIR", REPO / "build")) / "bin" / "kubectl-baton")


sys.path.insert(0, str(REPO / "tests" / "support"))
from kube_fixtures import KUBECONFIG, KUBECTL, apply_crds, fresh_namespace, kubectl  # noqa: E402,F401


@pytest.fixture(scope="session")
def api():
    config.load_kube_config(config_file=KUBECONFIG)
    return client.ApiClient()


@pytest.fixture(scope="session")
def crds(api):
    apply_crds(REPO / "crds", "baton-plugin-test")


@pytest.fixture
def ns(api, crds):
    # No operator runs here, so no finalizer holds anything back.
    yield from fresh_namespace(api, "plugin-")


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
