"""What the chart renders is accepted by the real API server (server-side
dry-run), including in a namespace that enforces Pod Security "restricted"."""
import copy

import pytest
from kubernetes import client

from conftest import kubectl, render, to_yaml


def dry_run_apply(objects):
    return kubectl("apply", "--server-side", "--dry-run=server", "--field-manager=helm",
                   "-f", "-", input=to_yaml(objects), check=False)


@pytest.mark.parametrize("mode", ["cluster-wide", "watch-namespaces"])
def test_rendered_chart_applies_with_server_side_dry_run(namespace, mode):
    values = {"watchNamespaces": [namespace]} if mode == "watch-namespaces" else {}
    objects = render(namespace, values, release=f"dry-{namespace}")
    r = dry_run_apply(objects)
    assert r.returncode == 0, r.stderr
    applied = [line for line in r.stdout.splitlines() if "serverside-applied" in line]
    assert len(applied) == len(objects), r.stdout


def restricted_namespace(api, name):
    client.CoreV1Api(api).patch_namespace(name, {"metadata": {"labels": {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "latest"}}})


def create_service_account(objects):
    # A pod (even in a dry run) needs its ServiceAccount to exist.
    [sa] = [o for o in objects if o["kind"] == "ServiceAccount"]
    kubectl("apply", "--server-side", "-f", "-", input=to_yaml([sa]))


def pod_of(deployment, namespace, name):
    template = copy.deepcopy(deployment["spec"]["template"])
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": template["metadata"]["labels"]},
            "spec": template["spec"]}


def test_chart_and_its_pod_pass_pod_security_restricted(api, namespace):
    restricted_namespace(api, namespace)
    objects = render(namespace, {"watchNamespaces": [namespace]})
    r = dry_run_apply(objects)
    assert r.returncode == 0, r.stderr
    # The Deployment is only warned about; the pod it would create is what
    # "enforce" judges, so dry-run that pod too.
    assert "violate PodSecurity" not in r.stderr, r.stderr
    [dep] = [o for o in objects if o["kind"] == "Deployment"]
    create_service_account(objects)
    r = kubectl("apply", "--server-side", "--dry-run=server", "-f", "-",
                input=to_yaml([pod_of(dep, namespace, "operator-pod")]), check=False)
    assert r.returncode == 0, r.stderr
    assert "violate" not in r.stderr, r.stderr


def test_restricted_namespace_really_enforces(api, namespace):
    # The control for the test above: the same pod without the chart's
    # security context is refused in that namespace.
    restricted_namespace(api, namespace)
    objects = render(namespace)
    [dep] = [o for o in objects if o["kind"] == "Deployment"]
    create_service_account(objects)
    pod = pod_of(dep, namespace, "unsafe-pod")
    del pod["spec"]["securityContext"]
    del pod["spec"]["containers"][0]["securityContext"]
    r = kubectl("apply", "--server-side", "--dry-run=server", "-f", "-",
                input=to_yaml([pod]), check=False)
    assert r.returncode != 0 and "violates PodSecurity" in r.stderr, (r.stdout, r.stderr)
