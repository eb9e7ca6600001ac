"""What users do with kubectl: scale, list every tier, read the docs."""

import json
import time

from conftest import GROUP, VERSION, create, kubectl, minimal


def test_scale_relaytier_changes_spec(custom, namespace):
    create(custom, namespace, minimal("RelayTier", "x"))
    kubectl("-n", namespace, "scale", "relaytier/x", "--replicas=5")
    obj = custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "relaytiers", "x")
    assert obj["spec"]["replicas"] == 5


def test_scale_businesstier_and_scale_subresource(custom, namespace):
    create(custom, namespace, minimal("BusinessTier", "b"))
    kubectl("-n", namespace, "scale", "bt/b", "--replicas=3")
    scale = json.loads(kubectl("get", "--raw",
                               f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/businesstiers/b/scale").stdout)
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 3


def test_sessiontier_cannot_be_scaled(custom, namespace):
    create(custom, namespace, minimal("SessionTier", "s"))
    result = kubectl("-n", namespace, "scale", "sessiontier/s", "--replicas=5", check=False)
    assert result.returncode != 0
    obj = custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "sessiontiers", "s")
    assert obj["spec"]["replicas"] == 1


def test_get_baton_lists_all_tiers_with_columns(custom, namespace):
    for kind, name in (("RelayTier", "relay"), ("SessionTier", "sessions"),
                       ("BusinessTier", "business")):
        create(custom, namespace, minimal(kind, name))
    # Status as the operator would write it, through the status subresource.
    custom.patch_namespaced_custom_object_status(GROUP, VERSION, namespace, "relaytiers", "relay", {
        "status": {"replicas": 2, "readyReplicas": 2, "updatedReplicas": 1,
                   "totalSessions": 4321, "phase": "Progressing",
                   "message": "draining relay-a-0: 4,321 sessions left, ETA 1m",
                   "drainingPods": [{"name": "relay-a-0", "sessionsNow": 4321}]}})
    out = kubectl("-n", namespace, "get", "baton").stdout
    assert "relaytier.baton.dev/relay" in out
    assert "sessiontier.baton.dev/sessions" in out
    assert "businesstier.baton.dev/business" in out
    header = [line for line in out.splitlines() if line.startswith("NAME")][0].split()
    assert header[:8] == ["NAME", "DESIRED", "READY", "UPDATED", "SESSIONS", "DRAINING",
                          "PHASE", "AGE"]
    row = [line for line in out.splitlines() if "relaytier.baton.dev/relay" in line][0].split()
    assert row[1:7] == ["1", "2", "1", "4321", "relay-a-0", "Progressing"]
    wide = kubectl("-n", namespace, "get", "rt", "-o", "wide").stdout
    assert "draining relay-a-0: 4,321 sessions left, ETA 1m" in wide


def test_explain_documents_drain():
    out = kubectl("explain", "relaytier.spec.drain").stdout
    for field in ("port", "path", "sessionThreshold", "pollIntervalSeconds", "timeoutSeconds",
                  "onTimeout", "sessionsPerSecond", "auth"):
        assert f"  {field}\t<" in out, field
    assert "enum: Pause, Proceed" in out
    auth = kubectl("explain", "relaytier.spec.drain.auth").stdout
    assert "ServiceAccountToken" in auth and "audience" in auth


def test_explain_documents_pod_template():
    out = kubectl("explain", "businesstier.spec.template.spec.containers").stdout
    assert "image\t<string>" in out


def test_hpa_scales_relaytier_through_scale_subresource(custom, namespace):
    # kube-controller-manager's HPA controller reads and writes the scale
    # subresource; minReplicas above spec.replicas makes it scale up even
    # without a metrics server.
    create(custom, namespace, minimal("RelayTier", "auto"))
    custom.patch_namespaced_custom_object_status(GROUP, VERSION, namespace, "relaytiers", "auto", {
        "status": {"replicas": 1, "selector": "baton.dev/kind=RelayTier,baton.dev/tier=auto"}})
    kubectl("-n", namespace, "apply", "-f", "-", input=json.dumps({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "auto"},
        "spec": {"scaleTargetRef": {"apiVersion": f"{GROUP}/{VERSION}", "kind": "RelayTier",
                                    "name": "auto"},
                 "minReplicas": 3, "maxReplicas": 5,
                 "metrics": [{"type": "Resource", "resource": {
                     "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}}))
    deadline = time.monotonic() + 90
    replicas = None
    while time.monotonic() < deadline:
        replicas = custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "relaytiers",
                                                       "auto")["spec"]["replicas"]
        if replicas == 3:
            break
        time.sleep(1)
    assert replicas == 3
