"""Drain authentication end to end (issue 13): Baton presents audience-bound
tokens of its own ServiceAccount (TokenRequest API, no Secret reads) and the
relays check them with TokenReviews, using the token of their own
ServiceAccount that the pod runner gives them, as a kubelet would.

- The audience is Baton's (issue 18): baton.dev/drain/<ns>/RelayTier/relay,
  which the relays read from BATON_DRAIN_AUDIENCE, set by Baton in their
  pods. A RelayTier rolls v1 -> v2 and no session is lost.
- Relays that expect another tier's audience refuse Baton's token for this
  tier (401): every reading is unknown, the rollout stalls, nothing is
  drained and nothing is deleted. A token minted for one tier opens no
  other tier's pods."""
import json
import time
import urllib.error
import urllib.request

from kubernetes import client

from harness import BUILD, wait_for
from tiers import DRAIN_PORT
from tiers import relay_tier as base_tier

REPLICAS = 3
SESSIONS = 300
THRESHOLD = 5


def setup_identities(h):
    """The operator's ServiceAccount (whose tokens the relays accept) and the
    relays' own, allowed to create TokenReviews and nothing else."""
    for sa in ("baton-operator", "relay"):
        h.core.create_namespaced_service_account(
            h.ns, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=sa)))
    rbac = client.RbacAuthorizationV1Api(h.api)
    rbac.create_cluster_role_binding(client.V1ClusterRoleBinding(
        metadata=client.V1ObjectMeta(name=f"{h.ns}-relay-tokenreview"),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                  name="system:auth-delegator"),
        subjects=[client.RbacV1Subject(kind="ServiceAccount", name="relay", namespace=h.ns)]))
    return lambda: rbac.delete_cluster_role_binding(f"{h.ns}-relay-tokenreview")


def relay_tier(h, version, relays_expect=None):
    """relays_expect: the audience the relays are told to expect instead of
    the one Baton gives them in BATON_DRAIN_AUDIENCE. The relays find their
    kubeconfig in $KUBECONFIG, set by the pod runner as a manifest would rely
    on it; the wrong-audience relays are also given the explicit flag."""
    identity = ("--drain-allowed-identity", f"system:serviceaccount:{h.ns}:baton-operator")
    expect = ("--drain-audience", relays_expect,
              "--token-review-kubeconfig", "$(POD_KUBECONFIG)") if relays_expect else ()
    return base_tier(version, replicas=REPLICAS, threshold=THRESHOLD, timeout=300,
                     max_sessions=2000, service_account="relay",
                     auth={"type": "ServiceAccountToken"},
                     drain_auth_args=(*identity, *expect))


def start(h):
    cleanup = setup_identities(h)
    h.start_pod_runner("relay", "--pod-kubeconfigs")
    operator = h.start_operator("--service-account", f"{h.ns}/baton-operator")
    return cleanup, operator


def unauthenticated_status(pod):
    try:
        with urllib.request.urlopen(f"http://{pod.status.pod_ip}:{DRAIN_PORT}/drain", timeout=2):
            return 200
    except urllib.error.HTTPError as e:
        return e.code


def healthy(h, generation):
    t = h.get_tier("relaytiers", "relay")
    s = t.get("status", {})
    return (s.get("observedGeneration") == generation and s.get("phase") == "Healthy"
            and s.get("updatedReplicas") == REPLICAS and s.get("replicas") == REPLICAS)


def test_authenticated_relay_tier_rolls_without_losing_a_session(harness):
    h = harness
    cleanup, operator = start(h)
    try:
        h.apply_tier(relay_tier(h, "v1"))
        wait_for("3 serving relays in the directory",
                 lambda: (d := h.directory()) and len(d["endpoints"]) == REPLICAS, 90)
        gen1 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]
        wait_for("v1 healthy with every count known",
                 lambda: healthy(h, gen1) and h.get_tier("relaytiers", "relay")["status"]
                 .get("unknownSessionPods", 0) == 0, 60)
        v1 = {p.metadata.name: p for p in h.core.list_namespaced_pod(h.ns).items}
        # Baton told each pod the audience of its tokens for this tier.
        audience = f"baton.dev/drain/{h.ns}/RelayTier/relay"
        assert all({e.name: e.value for e in p.spec.containers[0].env or []}.get(
            "BATON_DRAIN_AUDIENCE") == audience for p in v1.values())
        # Authentication is really on: without a token the pods refuse.
        assert {unauthenticated_status(p) for p in v1.values()} == {401}

        report = h.tmp / "loadgen.json"
        loadgen = h.start("loadgen", [BUILD / "examples" / "loadgen" / "loadgen",
                                      "--directory", h.tmp / "directory.json",
                                      "--sessions", SESSIONS, "--rate", 100, "--duration", 300,
                                      "--settle", 3, "--report", report])
        loadgen.wait_for_line("established", 60)
        h.apply_tier(relay_tier(h, "v2"))
        gen2 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]
        wait_for("the rollout to v2", lambda: healthy(h, gen2), 180, interval=0.5)

        pods = h.core.list_namespaced_pod(h.ns).items
        assert all(p.spec.containers[0].image == "relay:v2" for p in pods)
        assert not set(v1) & {p.metadata.name for p in pods}
        counts = h.sigterm_counts()
        assert set(counts) == set(v1) and all(k <= THRESHOLD for k in counts.values()), counts
        assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
        r = json.loads(report.read_text())
        assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0, r
        assert r["messages"]["lost"] == 0, r
        assert operator.proc.poll() is None, operator.output()
        assert "tokens for ServiceAccount" in operator.output()
    finally:
        cleanup()


def test_a_token_for_this_tier_opens_no_other_tiers_pods(harness):
    h = harness
    cleanup, operator = start(h)
    try:
        # These relays belong, as far as they know, to another tier.
        other = f"baton.dev/drain/{h.ns}/RelayTier/other"
        h.apply_tier(relay_tier(h, "v1", relays_expect=other))
        wait_for("3 relays running", lambda: len([
            p for p in h.core.list_namespaced_pod(h.ns).items
            if any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or []))
        ]) == REPLICAS, 90)
        v1 = {p.metadata.name: p.metadata.uid for p in h.core.list_namespaced_pod(h.ns).items}
        wait_for("every count unknown", lambda: h.get_tier("relaytiers", "relay").get(
            "status", {}).get("unknownSessionPods") == REPLICAS, 30)

        h.apply_tier(relay_tier(h, "v2", relays_expect=other))
        # Long enough for several poll rounds and plans; nothing may move.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            pods = {p.metadata.name: p for p in h.core.list_namespaced_pod(h.ns).items}
            for name, uid in v1.items():
                assert name in pods and pods[name].metadata.uid == uid, f"{name} deleted"
                assert pods[name].metadata.deletion_timestamp is None, f"{name} terminating"
                assert pods[name].metadata.labels.get("baton.dev/role") == "serving", name
            time.sleep(0.5)
        status = h.get_tier("relaytiers", "relay")["status"]
        assert status.get("phase") != "Healthy", status
        assert status.get("unknownSessionPods", 0) >= REPLICAS, status
        for name in v1:
            log = h.pod_log(name)
            assert "drain: start requested" not in log, log
            assert "SIGTERM" not in log, log
        # Each relay refused the wrong tokens itself (no session count leaked).
        assert all(unauthenticated_status(p) == 401
                   for p in h.core.list_namespaced_pod(h.ns).items if p.status.pod_ip)
        assert operator.proc.poll() is None, operator.output()
    finally:
        cleanup()
