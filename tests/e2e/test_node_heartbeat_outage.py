"""Node heartbeats lapse (issue 24's root cause, reproduced for real).

When kubelets cannot reach the control plane for longer than
kube-controller-manager's node-monitor-grace-period, its node lifecycle
controller marks every pod of those nodes Ready=False; when the heartbeats
return, only the kubelet sets them Ready again. In the control-plane fault
test, the apiserver restarts and the etcd outage were long enough for that
now and then: the pod runner (this project's kubelet for harness pods)
never reported Ready again, a new relay stayed NotReady on the server, and
the tier waited for it for good — "the operator went silent".

Here every kubelet loses the control plane, as in that outage: kwok (the
nodes' heartbeats) and the pod runner (the harness pods' kubelet) are
frozen, while the relays go on serving, until the real node lifecycle
controller marks the tier's pods NotReady; then both are thawed. The pods
must be Ready again, the tier Healthy, and a rollout afterwards must
complete with no session lost. Needs BATON_CLUSTER_FAULTS=1 (it freezes
kwok for about a minute)."""
import json
import signal


from faults import fault_test_marks, restart_controllers_afterwards  # noqa: F401 (a fixture)
from harness import control_plane, wait_for
from tiers import relay_tier

REPLICAS = 3
SESSIONS = 300

pytestmark = fault_test_marks("freezes every node's heartbeat")


def ready_condition(pod):
    return next((c.status for c in pod.status.conditions or [] if c.type == "Ready"), None)


def healthy(h, generation):
    s = h.get_tier("relaytiers", "relay").get("status", {})
    return (s.get("observedGeneration") == generation and s.get("phase") == "Healthy"
            and s.get("updatedReplicas") == REPLICAS and s.get("availableReplicas") == REPLICAS)


def test_pods_marked_not_ready_by_the_node_controller_come_back_and_the_tier_goes_on(harness):
    h = harness
    runner = h.start_pod_runner("relay")
    h.start_operator()
    h.apply_tier(relay_tier("v1", replicas=REPLICAS))
    gen1 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]
    wait_for("v1 healthy", lambda: healthy(h, gen1), 90)

    loadgen = h.start_loadgen(SESSIONS, rate=100)

    control_plane("pause-nodes")
    runner.proc.send_signal(signal.SIGSTOP)
    try:
        # The real node lifecycle controller: grace period (50 s) + its 5 s period.
        wait_for("the node controller to mark the tier's pods NotReady",
                 lambda: any(ready_condition(p) == "False"
                             for p in h.core.list_namespaced_pod(h.ns).items), 150, interval=1)
    finally:
        runner.proc.send_signal(signal.SIGCONT)
        control_plane("resume-nodes")

    wait_for("every pod Ready again on the server",
             lambda: all(ready_condition(p) == "True"
                         for p in h.core.list_namespaced_pod(h.ns).items), 60, interval=0.5)
    wait_for("the tier healthy again", lambda: healthy(h, gen1), 60)

    h.apply_tier(relay_tier("v2", replicas=REPLICAS))
    gen2 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]
    wait_for("the rollout to v2 to complete", lambda: healthy(h, gen2), 180, interval=0.5)
    assert all(p.spec.containers[0].image == "relay:v2"
               for p in h.core.list_namespaced_pod(h.ns).items)

    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    r = json.loads((h.tmp / "loadgen.json").read_text())
    assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0, r
    assert r["messages"]["lost"] == 0, r
