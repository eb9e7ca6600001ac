"""The example manifests run as written, drain authentication included
(issue 18): each of examples/manifests/*.yaml is applied to the real control
plane, its pods run under the pod runner (which gives each pod a kubeconfig of
its ServiceAccount in $KUBECONFIG, as kubelet mounts a token), and the tier
becomes Healthy with every pod's session count known, so Baton's token
passed each workload's TokenReview. A drain call without a token is refused
by every pod and starts nothing.

The one edit: the namespace the manifests bind their ServiceAccount in
(baton-demo) becomes this test's namespace, as their comments tell a user to
do. Baton runs as the identity they name, baton-system/baton."""
import urllib.error
import urllib.request

import pytest
import yaml
from kubernetes import client
from kubernetes.client.rest import ApiException

from harness import REPO, kubectl, wait_for

# cluster_wide: the manifests' operator identity (baton-system/baton) is shared.
pytestmark = pytest.mark.cluster_wide

MANIFESTS = sorted((REPO / "examples" / "manifests").glob("*.yaml"))
OPERATOR_NS, OPERATOR_SA = "baton-system", "baton"
PLURALS = {"RelayTier": "relaytiers", "SessionTier": "sessiontiers",
           "BusinessTier": "businesstiers"}


def ensure_operator_identity(core):
    for create, args in ((core.create_namespace,
                          (client.V1Namespace(metadata=client.V1ObjectMeta(name=OPERATOR_NS)),)),
                         (core.create_namespaced_service_account,
                          (OPERATOR_NS, client.V1ServiceAccount(
                              metadata=client.V1ObjectMeta(name=OPERATOR_SA))))):
        try:
            create(*args)
        except ApiException as e:
            if e.status != 409:
                raise


def unauthenticated(pod, port, path, method):
    req = urllib.request.Request(
        f"http://{pod.status.pod_ip}:{port}{path}", method=method,
        data=b'{"pace": 10, "deadline": "2099-01-01T00:00:00Z"}' if method == "POST" else None,
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_example_manifest_runs_authenticated(harness, path):
    h = harness
    text = path.read_text()
    assert text.count("namespace: baton-demo") == 1, "the manifest's namespace moved"
    docs = [d for d in yaml.safe_load_all(text.replace("baton-demo", h.ns)) if d]
    [tier] = [d for d in docs if d["kind"] in PLURALS]
    kind, name = tier["kind"], tier["metadata"]["name"]
    plural, replicas = PLURALS[kind], tier["spec"]["replicas"]
    drain = tier["spec"]["drain"]
    bindings = [d["metadata"]["name"] for d in docs if d["kind"] == "ClusterRoleBinding"]
    ensure_operator_identity(h.core)
    manifest = h.tmp / path.name
    manifest.write_text(yaml.safe_dump_all(docs))
    try:
        h.start_pod_runner(name, "--pod-kubeconfigs")
        h.start_operator("--service-account", f"{OPERATOR_NS}/{OPERATOR_SA}")
        kubectl("-n", h.ns, "apply", "--server-side", "--field-manager=e2e-user", "-f",
                str(manifest))

        def healthy_and_known():
            t = h.get_tier(plural, name)
            s = t.get("status", {})
            return (s.get("observedGeneration") == t["metadata"]["generation"]
                    and s.get("phase") == "Healthy" and s.get("availableReplicas") == replicas
                    and s.get("unknownSessionPods") == 0) and s
        wait_for(f"{kind} {name} Healthy with every count known", healthy_and_known, 120,
                 interval=0.5)

        pods = list(h.pods().values())
        assert len(pods) == replicas
        for pod in pods:
            log = h.pod_log(pod.metadata.name)
            assert (f"callers authenticated by TokenReview as system:serviceaccount:"
                    f"{OPERATOR_NS}:{OPERATOR_SA} for audience baton.dev/drain/{h.ns}/{kind}/"
                    f"{name}, using $KUBECONFIG") in log, log
            base = drain.get("path", "/drain")
            assert unauthenticated(pod, drain["port"], base, "GET") == 401
            assert unauthenticated(pod, drain["port"], base + "/start", "POST") == 401
            assert unauthenticated(pod, drain["port"], base + "/cancel", "POST") == 401
            assert "drain: start requested" not in h.pod_log(pod.metadata.name)
        # Nothing was drained by the refused calls: every pod still serves.
        status = h.get_tier(plural, name)["status"]
        assert status.get("phase") == "Healthy" and not status.get("drainingPods"), status
    finally:
        for binding in bindings:
            kubectl("delete", "clusterrolebinding", binding, "--ignore-not-found", check=False)
