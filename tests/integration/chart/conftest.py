"""Fixtures of the chart tests: the real control plane (KUBECONFIG, or
`scripts/cluster env`), helm v3.18 and helm v4 as built by
scripts/build-controlplane, and the chart rendered with helm template.
Nothing here fakes the API."""
import glob
import json
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


def _helm(env, cache_dir):
    """The binary `env` names (scripts/cluster env exports it), else the one
    scripts/build-controlplane cached under `cache_dir`-<version>-<go>/."""
    path = os.environ.get(env)
    if path and os.access(path, os.X_OK):
        return path
    cache = os.environ.get("BATON_CACHE", os.path.expanduser("~/.cache/baton"))
    found = sorted(glob.glob(f"{cache}/{cache_dir}-*/helm"))
    if not found:
        pytest.exit(f"no {cache_dir}: run scripts/build-controlplane", returncode=2)
    return found[-1]


# Both majors users run: the chart must install with each.
HELMS = {"helm3": _helm("BATON_HELM", "helm-v3"), "helm4": _helm("BATON_HELM4", "helm4-v4")}
HELM = HELMS["helm3"]


def helm(*args, check=True, binary=HELM):
    return run([binary, *args], check=check)


def render(namespace, values=None, release="baton", extra=()):
    """The chart's manifests (helm template) as a list of objects."""
    argv = ["template", release, str(CHART), "--namespace", namespace, *extra]
    for key, value in (values or {}).items():
        argv += ["--set-json", f"{key}={json.dumps(value)}"]
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
