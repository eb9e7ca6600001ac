"""Control-plane faults in the middle of a rollout (issue 13): while a
RelayTier of 3 relays holding 300 live sessions rolls v1 -> v2, at the start
of each of its three drains one fault hits the control plane:

  (a) kube-apiserver is restarted;
  (b) etcd is compacted to its current revision and kube-apiserver restarted,
      so that every watch resumes from a compacted resourceVersion and gets a
      real 410 Gone (the watch cache is off: no cache answers in etcd's place);
  (c) etcd is unreachable for a few seconds.

Each time the rollout completes, nothing is done twice (each relay logs at
most one drain beginning; the audit log shows at most one successful delete
of each pod by the operator) and the load generator loses no session.

Needs a control plane of one's own: BATON_CLUSTER_FAULTS=1 (scripts/test sets
it, with the watch cache off)."""
import json
import time

from faults import (drains_begun, fault_test_marks, healthy, operator_writes,
                    restart_controllers_afterwards)  # noqa: F401 (a fixture)
from harness import BUILD, control_plane as cluster, wait_for
from tiers import relay_tier as base_tier

REPLICAS = 3
SESSIONS = 300
THRESHOLD = 5

pytestmark = fault_test_marks("restarts kube-apiserver and stops etcd")


def relay_tier(version):
    # Slow enough that each fault lands while a drain is under way.
    return base_tier(version, replicas=REPLICAS, threshold=THRESHOLD, pace=25, max_sessions=2000,
                     progressDeadlineSeconds=300)


def test_rollout_survives_apiserver_restart_410_and_etcd_outage(harness):
    h = harness
    h.start_pod_runner("relay")
    operator = h.start_operator()
    h.apply_tier(relay_tier("v1"))
    wait_for("3 serving relays in the directory",
             lambda: (d := h.directory()) and len(d["endpoints"]) == REPLICAS, 90)
    gen1 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]
    wait_for("v1 healthy", lambda: healthy(h, gen1, REPLICAS), 60)
    v1 = {p.metadata.name for p in h.core.list_namespaced_pod(h.ns).items}

    report = h.tmp / "loadgen.json"
    loadgen = h.start("loadgen", [BUILD / "examples" / "loadgen" / "loadgen",
                                  "--directory", h.tmp / "directory.json",
                                  "--sessions", SESSIONS, "--rate", 100, "--duration", 600,
                                  "--settle", 3, "--report", report])
    loadgen.wait_for_line("established", 60)
    h.apply_tier(relay_tier("v2"))
    gen2 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]

    def apiserver_restart():
        return cluster("restart-apiserver")

    def gone():
        cluster("compact")
        return cluster("restart-apiserver")

    def etcd_outage():
        took = cluster("stop-etcd")
        time.sleep(5)
        return took + 5 + cluster("start-etcd")

    timings = {}
    for n, (name, fault) in enumerate([("apiserver restart", apiserver_restart),
                                       ("410 Gone", gone), ("etcd outage", etcd_outage)], 1):
        wait_for(f"drain {n} to begin", lambda: len(drains_begun(h)) >= n, 120, interval=0.1)
        timings[name] = round(fault(), 1)
    print(f"faults (s): {timings}")

    wait_for("the rollout to v2 to complete", lambda: healthy(h, gen2, REPLICAS), 240, interval=0.5)
    pods = h.core.list_namespaced_pod(h.ns).items
    assert len(pods) == REPLICAS
    assert all(p.spec.containers[0].image == "relay:v2" for p in pods)
    assert not v1 & {p.metadata.name for p in pods}

    # Nothing done twice: each old relay began draining once, and was deleted
    # (successfully) at most once by the operator.
    begun = drains_begun(h)
    assert set(begun) == v1, begun
    assert all(n == 1 for n in begun.values()), begun
    writes = operator_writes(h.ns)
    twice = {k: n for k, n in writes.items() if n > 1}
    assert not twice, twice
    # Each deleted relay held at most the threshold when it got SIGTERM.
    counts = h.sigterm_counts()
    assert set(counts) == v1 and all(k <= THRESHOLD for k in counts.values()), counts

    # The 410 was real: the operator's watches had to list again.
    assert "relisting" in operator.output(), operator.output()[-4000:]
    assert operator.proc.poll() is None, operator.output()[-4000:]

    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    r = json.loads(report.read_text())
    assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0, r
    assert r["messages"]["lost"] == 0 and r["messages"]["duplicated"] == 0, r
