"""Fixtures of the chart tests: the real control plane (KUBECONFIG, or
`scripts/cluster env`), helm v3.18 as built by scripts/build-controlplane,
and the chart rendered with helm template. Nothing here fakes the API."""
import glob
import os
import pathlib
import sys

import pytest
import yaml
from kubernetes import client, config

REPO = pathlib.Path(__file__).resolve().parents[3]
CHART = REPO / "charts" / "baton"
BUILD = pathlib.Path(os.environ.get("BATON_BUILD_DIR", REPO / "build"))

sys.path.insert(0, str(REPO / "tests" / "support"))
from kube_fixtures import KUBECONFIG, KUBECTL, apply_crds, fresh_namespace, kubectl, run  # noqa: E402,F401


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
    apply_crds(CHART / "crds", "baton-chart-test")


@pytest.fixture
def namespace(api, crds):
    """A fresh namespace, deleted (without waiting) afterwards."""
    yield from fresh_namespace(api, "chart-")
