"""Issue 19: a pod whose node is leaving goes through the drain. A RelayTier
of 6 relays holds live sessions on 3 kwok nodes; the real scheduler places
every pod. Tainting a node as the cluster autoscaler does before it removes
the node empties it: each of its relays is replaced on another node, drained
at the tier's pace one at a time, and deleted at the threshold — 0 sessions
and 0 messages lost. Karpenter's taint, removed after the first move has
started, moves that one pod and no other."""
import json
import os
import subprocess

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from harness import BUILD, KUBECTL, DrainWatcher, kubectl, wait_for
from tiers import DRAIN_PORT
from tiers import relay_tier as base_tier

# cluster_wide: taints and cordons the nodes every test's pods run on.
pytestmark = pytest.mark.cluster_wide

REPLICAS = 6
THRESHOLD = 5
SESSIONS = 1200


def relay_tier(pace, pdb=False, run_label=None):
    doc = base_tier("v1", replicas=REPLICAS, threshold=THRESHOLD, pace=pace)
    if pdb:
        doc["spec"]["podDisruptionBudget"] = {}
    if run_label:
        doc["spec"]["template"]["metadata"]["labels"]["run"] = run_label
    return doc


def healthy(h):
    s = h.get_tier("relaytiers", "relay").get("status", {})
    return (s.get("phase") == "Healthy" and s.get("availableReplicas") == REPLICAS
            and s.get("replicas") == REPLICAS)


def pods_by_node(h):
    """node -> uids of the tier's pods scheduled there (a replacement may
    reuse a moved pod's name, never its uid)."""
    out = {}
    for p in h.pods().values():
        if p.spec.node_name:
            out.setdefault(p.spec.node_name, set()).add(p.metadata.uid)
    return out


def set_taint(h, node, key, on):
    n = h.core.read_node(node)
    taints = [t for t in (n.spec.taints or []) if t.key != key]
    if on:
        taints.append({"key": key, "value": "1700000000", "effect": "NoSchedule"})
    h.core.patch_node(node, {"spec": {"taints": [
        t if isinstance(t, dict) else {"key": t.key, "value": t.value, "effect": t.effect}
        for t in taints]}})


def assert_nothing_lost(h, loadgen, operator):
    """The load generator's verdict: no session cut, none failed, no message lost."""
    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    r = json.loads((h.tmp / "loadgen.json").read_text())
    assert r["sessionsLost"] == 0, loadgen.output()
    assert r["sessionsFailed"] == 0, r
    assert r["messages"]["lost"] == 0, r
    assert operator.proc.poll() is None, operator.output()


def sessions_left_at_each_drain(h):
    """The count each DrainCompleted Event reports ("pod x drained: N sessions left")."""
    return [int(m.split(": ")[1].split(" ")[0].replace(",", ""))
            for _, m in h.events("DrainCompleted")]


def node_with_most_pods(h, at_least):
    by_node = wait_for(f"a node with {at_least}+ relays", lambda: (
        b if (b := pods_by_node(h)) and max(len(v) for v in b.values()) >= at_least else None),
        30)
    return max(by_node.items(), key=lambda kv: (len(kv[1]), kv[0]))


@pytest.mark.parametrize("taint", ["ToBeDeletedByClusterAutoscaler", "karpenter.sh/disrupted"])
def test_a_node_tainted_for_removal_is_emptied_through_the_drain(harness, taint):
    h = harness
    h.start_pod_runner("relay")
    operator = h.start_operator()
    h.apply_tier(relay_tier(pace=200))
    wait_for("6 relays healthy", lambda: healthy(h), 120)
    loadgen = h.start_loadgen(SESSIONS, 400, duration=300)
    watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT)
    watcher.start()

    node, leaving = node_with_most_pods(h, 1)
    try:
        set_taint(h, node, taint, True)
        wait_for(f"no relay left on {node}", lambda: node not in pods_by_node(h), 240,
                 interval=0.5)
        wait_for("6 relays healthy again", lambda: healthy(h), 120)
    finally:
        set_taint(h, node, taint, False)
    watcher.stop()

    # Every relay that was on the node was moved by an evacuation, drained
    # to the threshold before its delete, never two at once.
    started = [m for _, m in h.events("EvacuationStarted")]
    assert len(started) == len(leaving), started
    assert all(f"node {node} (tainted {taint})" in m for m in started), started
    left = sessions_left_at_each_drain(h)
    assert len(left) == len(leaving) and all(n <= THRESHOLD for n in left), left
    assert not h.events("SessionsCut")
    watcher.assert_at_most(1)
    assert all(n != node for n in pods_by_node(h)), "a replacement was placed on the leaving node"

    assert_nothing_lost(h, loadgen, operator)


def test_untainting_a_node_midway_stops_further_moves(harness):
    h = harness
    h.start_pod_runner("relay")
    h.start_operator()
    # Slow drains (about 200 sessions per relay at 20/s: ~10 s each), so the
    # taint is gone long before a second move could start.
    h.apply_tier(relay_tier(pace=20))
    wait_for("6 relays healthy", lambda: healthy(h), 120)
    h.start_loadgen(SESSIONS, 400, duration=300)

    node, leaving = node_with_most_pods(h, 2)
    try:
        set_taint(h, node, "karpenter.sh/disrupted", True)
        wait_for("the first evacuation", lambda: h.events("EvacuationStarted"), 120)
    finally:
        set_taint(h, node, "karpenter.sh/disrupted", False)
    wait_for("6 relays healthy again", lambda: healthy(h), 120)
    started = h.events("EvacuationStarted")
    assert len(started) == 1, started
    assert "karpenter.sh/disrupted" in started[0][1]
    still_there = pods_by_node(h).get(node, set()) & leaving
    assert len(still_there) == len(leaving) - 1, (leaving, pods_by_node(h))


def evict(h, pod):
    """The Eviction API, as kubectl drain and the autoscalers call it: the
    HTTP status of the answer."""
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name=pod, namespace=h.ns))
    try:
        h.core.create_namespaced_pod_eviction(pod, h.ns, body)
        return 201
    except ApiException as e:
        return e.status


def test_kubectl_drain_of_a_node_waits_for_the_drain_and_completes_by_itself(harness):
    """kubectl drain of a node holding 2+ of 6 relays with live sessions:
    each eviction is refused (429) while the relay holds sessions, Baton
    moves it through the drain, and kubectl drain finishes on its own."""
    h = harness
    h.start_pod_runner("relay")
    operator = h.start_operator()
    h.apply_tier(relay_tier(pace=200, pdb=True, run_label=h.ns))
    wait_for("6 relays healthy", lambda: healthy(h), 120)
    wait_for("the PodDisruptionBudget to count 6 pods", lambda: (
        (st := client.PolicyV1Api(h.api).read_namespaced_pod_disruption_budget("relay", h.ns).status)
        and st.expected_pods == REPLICAS and st.current_healthy == REPLICAS), 60)
    loadgen = h.start_loadgen(SESSIONS, 400, duration=300)
    watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT)
    watcher.start()

    # A serving relay may not be evicted: that would cut its sessions.
    some_pod = sorted(h.pods())[0]
    assert evict(h, some_pod) == 429
    assert some_pod in h.pods()

    node, leaving = node_with_most_pods(h, 2)
    drain = subprocess.Popen(
        [KUBECTL, "drain", node, "--pod-selector", f"run={h.ns}", "--ignore-daemonsets",
         "--delete-emptydir-data", "--timeout", "240s"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = drain.communicate(timeout=300)
    finally:
        if drain.poll() is None:
            drain.kill()
        kubectl("uncordon", node)
    watcher.stop()
    print(out)
    assert drain.returncode == 0, out
    assert "violate the pod's disruption budget" in out, "no eviction was ever refused"
    assert node not in pods_by_node(h)
    wait_for("6 relays healthy again", lambda: healthy(h), 120)

    started = [m for _, m in h.events("EvacuationStarted")]
    assert len(started) == len(leaving), started
    assert all(f"node {node} (cordoned)" in m for m in started), started
    left = sessions_left_at_each_drain(h)
    assert len(left) == len(leaving) and all(n <= THRESHOLD for n in left), left
    assert not h.events("SessionsCut")
    watcher.assert_at_most(1, min_samples=10)

    assert_nothing_lost(h, loadgen, operator)


def test_kubectl_baton_drain_moves_one_pod_without_losing_a_session(harness):
    """What an admin runs instead of kubectl delete pod: the pod's
    replacement first, then its drain, then its delete. The Eviction API
    refuses the pod while it serves (429) and accepts it once Baton has
    drained and deleted it: a finalizer of the test's holds the drained
    pod, terminating, long enough to ask."""
    h = harness
    h.start_pod_runner("relay")
    operator = h.start_operator()
    h.apply_tier(relay_tier(pace=200, pdb=True))
    wait_for("6 relays healthy", lambda: healthy(h), 120)
    loadgen = h.start_loadgen(SESSIONS, 400, duration=300)
    victim = sorted(h.pods())[0]
    uid = h.pods()[victim].metadata.uid
    hold = "test.baton.dev/hold"
    h.core.patch_namespaced_pod(victim, h.ns, {"metadata": {"finalizers": [hold]}})
    wait_for("the PodDisruptionBudget to count every pod", lambda: (
        (st := client.PolicyV1Api(h.api).read_namespaced_pod_disruption_budget("relay", h.ns)
         .status) and st.current_healthy == REPLICAS), 60)
    assert evict(h, victim) == 429, "a serving relay may not be evicted"
    try:
        r = subprocess.run([KUBECTL, "baton", "drain", victim, "-n", h.ns], capture_output=True,
                           text=True, timeout=60,
                           env={**os.environ, "PATH": f"{BUILD / 'bin'}:{os.environ['PATH']}"})
        assert r.returncode == 0, r.stderr
        wait_for(f"{victim} drained and deleted", lambda: (
            (p := h.pods().get(victim)) is not None and p.metadata.uid == uid
            and p.metadata.deletion_timestamp is not None), 120, interval=0.2)
        assert evict(h, victim) in (200, 201), "a drained relay may be evicted at once"
    finally:
        h.core.patch_namespaced_pod(victim, h.ns, {"metadata": {"finalizers": None}})
    wait_for(f"{victim} gone", lambda: all(p.metadata.uid != uid for p in h.pods().values()),
             60, interval=0.5)
    wait_for("6 relays healthy again", lambda: healthy(h), 120)
    started = [m for _, m in h.events("EvacuationStarted")]
    assert len(started) == 1 and "kubectl baton drain" in started[0], started
    left = sessions_left_at_each_drain(h)
    assert len(left) == 1 and left[0] <= THRESHOLD, left
    assert_nothing_lost(h, loadgen, operator)
