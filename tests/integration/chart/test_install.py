"""`helm install --wait`, `helm upgrade` and `helm uninstall` of the chart
against the real API server, with Helm 3 and with Helm 4: both majors users
run must take the chart as it is. kwok marks the operator's pods Ready, so
--wait has a Deployment to wait for; no container runs."""
import json

import pytest
import yaml

from conftest import CHART, HELMS, helm, kubectl


def objects_of(manifest):
    return [d for d in yaml.safe_load_all(manifest) if d]


def in_api(obj, namespace):
    """The object as the API server has it, or None when it does not."""
    ns = [] if obj["kind"].startswith("Cluster") or obj["kind"].startswith("Validating") \
        else ["-n", namespace]
    r = kubectl("get", obj["kind"], obj["metadata"]["name"], *ns, "-o", "json", check=False)
    if r.returncode != 0:
        assert "NotFound" in r.stderr, r.stderr
        return None
    return json.loads(r.stdout)


@pytest.mark.parametrize("major", sorted(HELMS))
def test_chart_installs_upgrades_and_uninstalls(namespace, major):
    binary = HELMS[major]
    # Cluster-scoped objects (ClusterRoles, the drain guard) are named after
    # the release: one release name per test keeps runs apart.
    release = f"{major}-{namespace}"
    r = helm("install", release, str(CHART), "--namespace", namespace, "--wait",
             "--timeout", "2m", binary=binary, check=False)
    try:
        assert r.returncode == 0, r.stderr
        status = json.loads(helm("status", release, "-n", namespace, "-o", "json",
                                 binary=binary).stdout)
        assert status["info"]["status"] == "deployed", status["info"]
        objects = objects_of(helm("get", "manifest", release, "-n", namespace,
                                  binary=binary).stdout)
        kinds = {o["kind"] for o in objects}
        assert {"Deployment", "ClusterRole", "ValidatingAdmissionPolicy"} <= kinds, kinds
        for obj in objects:
            assert in_api(obj, namespace) is not None, f"{obj['kind']}/{obj['metadata']['name']}"
        # --wait waited for the operator's Deployment (kwok made its pods Ready).
        [dep] = [o for o in objects if o["kind"] == "Deployment"]
        live = in_api(dep, namespace)
        assert live["status"].get("readyReplicas") == dep["spec"]["replicas"], live["status"]

        # An upgrade that changes a value reaches the API server.
        helm("upgrade", release, str(CHART), "--namespace", namespace, "--wait",
             "--timeout", "2m", "--set", "workers=3", binary=binary)
        live = in_api(dep, namespace)
        [c] = live["spec"]["template"]["spec"]["containers"]
        assert "--workers=3" in c["args"], c["args"]
    finally:
        u = helm("uninstall", release, "--namespace", namespace, "--wait", "--timeout", "2m",
                 binary=binary, check=False)
    assert u.returncode == 0, u.stderr
    # Nothing of the release is left, cluster-scoped objects included.
    left = [f"{o['kind']}/{o['metadata']['name']}" for o in objects if in_api(o, namespace)]
    assert not left, left
