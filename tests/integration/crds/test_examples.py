"""Every example under examples/manifests is accepted as written, and each
authenticates its drain callers end to end (issue 18): a tier with
ServiceAccountToken auth, its own ServiceAccount allowed to review tokens,
and a workload that accepts only Baton's identity."""

import pathlib

import pytest
import yaml

from conftest import EXAMPLES, GROUP, PLURALS, VERSION, kubectl

MANIFESTS = sorted(EXAMPLES.glob("*.yaml"))
OPERATOR = "system:serviceaccount:baton-system:baton"  # the chart in docs/install-helm.md


def documents(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def tier_of(path):
    [tier] = [d for d in documents(path) if d["kind"] in PLURALS]
    return tier


def test_there_is_an_example_of_every_kind():
    kinds = {tier_of(p)["kind"] for p in MANIFESTS}
    assert kinds == set(PLURALS)


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_example_is_accepted(custom, namespace, path: pathlib.Path):
    bindings = [d["metadata"]["name"] for d in documents(path)
                if d["kind"] == "ClusterRoleBinding"]
    try:
        # Server-side apply, as ArgoCD with ServerSideApply=true would do it:
        # the API server validates every object of the file.
        kubectl("-n", namespace, "apply", "--server-side", "--field-manager=crds-test", "-f",
                str(path))
        obj = tier_of(path)
        stored = custom.get_namespaced_custom_object(GROUP, VERSION, namespace,
                                                     PLURALS[obj["kind"]],
                                                     obj["metadata"]["name"])
        # Nothing the example sets was pruned: every field written comes back.
        assert_contains(stored["spec"], obj["spec"], "spec")
    finally:
        for name in bindings:
            kubectl("delete", "clusterrolebinding", name, "--ignore-not-found", check=False)


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_example_authenticates_its_drain_callers(path: pathlib.Path):
    docs = documents(path)
    tier = tier_of(path)
    pod = tier["spec"]["template"]["spec"]
    assert tier["spec"]["drain"].get("auth") == {"type": "ServiceAccountToken"}
    sa = pod.get("serviceAccountName")
    assert sa in {d["metadata"]["name"] for d in docs if d["kind"] == "ServiceAccount"}, sa
    # The workload's ServiceAccount, and only it, may review tokens.
    [binding] = [d for d in docs if d["kind"] == "ClusterRoleBinding"]
    assert binding["roleRef"]["name"] == "system:auth-delegator"
    assert [(s["kind"], s["name"]) for s in binding["subjects"]] == [("ServiceAccount", sa)]
    args = pod["containers"][0]["args"]
    assert args[args.index("--drain-allowed-identity") + 1] == OPERATOR
    assert "--drain-allow-unauthenticated" not in args


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
