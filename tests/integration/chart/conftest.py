"""Fixtures of the chart tests: the real control plane (KUBECONFIG, or
`scripts/cluster env`), helm v3.18 as built by scripts/build-controlplane,
and the chart rendered with helm template. Nothing here fakes the API."""
import glob
import os
import pathlib
import subprocess
import uuid

import pytest
import yaml
from kubernetes import client, config

REPO = pathlib.Path(__file__).resolve().parents[3]
CHART = REPO / "charts" / "baton"
BUILD = pathlib.Path(os.environ.get("BATON_BUILD_DIR", REPO / "build"))
KUBECTL = os.environ.get("BATON_KUBECTL", "/usr/lib/google-cloud-sdk/bin/kubectl.1.33")
if not os.access(KUBECTL, os.X_OK):
    KUBECTL = "kubectl"


def _helm():
    path = os.environ.get("BATON_HELM")
    if path and os.access(path, os.X_OK):
        return path
    cache = os.environ.get("BATON_CACHE", os.path.expanduser("~/.cache/baton"))
    found = sorted(glob.glob(f"{cache}/helm-*/helm"))
    if not found:
        pytest.exit("no helm: run scripts/build-controlplane", returncode=2)
    return found[-1]


HELM = _helm()


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


def run(argv, check=True, input=None, env=None, timeout=120):
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                            input=input, env=env, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def kubectl(*args, check=True, input=None, kubeconfig=None):
    env = dict(os.environ, KUBECONFIG=kubeconfig or KUBECONFIG)
    return run([KUBECTL, *args], check=check, input=input, env=env)


def helm(*args, check=True):
    return run([HELM, *args], check=check)


def render(namespace, values=None, release="baton", extra=()):
    """The chart's manifests (helm template) as a list of objects."""
    argv = ["template", release, str(CHART), "--namespace", namespace, *extra]
    for key, value in (values or {}).items():
        argv += ["--set-json", f"{key}={__import__('json').dumps(value)}"]
    out = helm(*argv).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def to_yaml(objects):
    return yaml.safe_dump_all(objects, sort_keys=False)


@pytest.fixture(scope="session")
def api():
    config.load_kube_config(config_file=KUBECONFIG)
    return client.ApiClient()


@pytest.fixture(scope="session")
def crds(api):
    """The chart's CRDs (as `helm install` would create them), Established."""
    kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=baton-chart-test",
            "-f", str(CHART / "crds"))
    kubectl("wait", "--for=condition=Established", "--timeout=60s",
            "crd/relaytiers.baton.dev", "crd/sessiontiers.baton.dev",
            "crd/businesstiers.baton.dev")


@pytest.fixture
def namespace(api, crds):
    """A fresh namespace, deleted (without waiting) afterwards."""
    core = client.CoreV1Api(api)
    name = "chart-" + uuid.uuid4().hex[:8]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    kubectl("delete", "namespace", name, "--wait=false", check=False)
