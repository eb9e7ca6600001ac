"""Fixtures for the CRD tests: the real control plane, the CRDs installed with
server-side apply, and a fresh namespace per test.

KUBECONFIG comes from the environment, or from `scripts/cluster env` when the
local control plane is up. Nothing here fakes the API server.
"""

import copy
import json
import pathlib
import sys

import pytest
from kubernetes import client, config

REPO = pathlib.Path(__file__).resolve().parents[3]
CRDS = REPO / "crds"
EXAMPLES = REPO / "examples" / "manifests"
TESTDATA = REPO / "tests" / "unit" / "api" / "testdata"
GROUP = "baton.dev"
VERSION = "v1alpha1"
PLURALS = {"RelayTier": "relaytiers", "SessionTier": "sessiontiers", "BusinessTier": "businesstiers"}

sys.path.insert(0, str(REPO / "tests" / "support"))
from kube_fixtures import KUBECONFIG, apply_crds, fresh_namespace, kubectl  # noqa: E402,F401


@pytest.fixture(scope="session")
def api_client():
    config.load_kube_config(config_file=KUBECONFIG)
    return client.ApiClient()


@pytest.fixture(scope="session")
def crds_installed(api_client):
    """Applies crds/ with server-side apply and waits until each is Established."""
    return apply_crds(CRDS, "baton-crds").stdout


@pytest.fixture
def namespace(api_client, crds_installed):
    """A fresh namespace for one test, deleted (without waiting) afterwards."""
    yield from fresh_namespace(api_client, "crds-", labels={"baton.dev/test": "crds"})


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
