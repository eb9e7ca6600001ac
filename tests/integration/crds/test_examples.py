"""Every example resource under examples/manifests is accepted as written."""

import pathlib

import pytest
import yaml

from conftest import EXAMPLES, GROUP, PLURALS, VERSION, kubectl

MANIFESTS = sorted(EXAMPLES.glob("*.yaml"))


def test_there_is_an_example_of_every_kind():
    kinds = {yaml.safe_load(p.read_text())["kind"] for p in MANIFESTS}
    assert kinds == set(PLURALS)


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_example_is_accepted(custom, namespace, path: pathlib.Path):
    # Server-side apply, as ArgoCD with ServerSideApply=true would do it.
    kubectl("-n", namespace, "apply", "--server-side", "--field-manager=crds-test", "-f",
            str(path))
    obj = yaml.safe_load(path.read_text())
    stored = custom.get_namespaced_custom_object(GROUP, VERSION, namespace,
                                                 PLURALS[obj["kind"]], obj["metadata"]["name"])
    # Nothing the example sets was pruned: every field written comes back.
    assert_contains(stored["spec"], obj["spec"], "spec")


def assert_contains(actual, expected, path):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        for key, value in expected.items():
            assert key in actual, f"{path}.{key} was pruned"
            assert_contains(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_contains(a, e, f"{path}[{i}]")
    else:
        assert actual == expected, path
