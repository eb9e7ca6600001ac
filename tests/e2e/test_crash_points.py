"""Issue 10's crash-safety run: the operator is SIGKILLed right after each of
its enumerated writes (BATON_CRASH_AFTER, operator/controller/crash_point.h),
restarted, and the rollout still completes with the invariants intact: never
more than maxConcurrentDrains pods draining (an independent watcher polling
the pods' drain endpoints), no relay deleted above the threshold (each relay's
own SIGTERM line), 0 sessions and 0 messages lost (the load generator).

One tier goes through four phases so that every write happens: create (v1),
roll (v1 -> v2), undo mid-drain (v2 -> v3, back to v2) and delete. In each
phase the operator is started with the next crash point of that phase until
it dies there; a point the phase never reaches fails the test."""
import json
import re
import time
import urllib.request

from harness import BUILD, REPO, DrainWatcher, wait_for
from test_relay_rollout import DRAIN_PORT, THRESHOLD, relay_tier

REPLICAS = 3
SESSIONS = 450


def all_write_points():
    """The write names as the operator enumerates them (no copy kept here)."""
    text = (REPO / "operator" / "controller" / "crash_point.h").read_text()
    return set(re.findall(r'inline constexpr std::string_view k\w+ = "([a-z-]+)";', text))


def tier(version, pace=300):
    doc = relay_tier(version, pace=pace)
    spec = doc["spec"]
    spec["replicas"] = REPLICAS
    spec["revisionHistoryLimit"] = 0  # v1 leaves history as soon as no pod runs it
    spec["service"] = {"ports": [{"name": "chat", "port": 7000}]}
    spec["podDisruptionBudget"] = {}
    return doc


class CrashingOperator:
    """Starts the operator with one crash point at a time, in order."""

    def __init__(self, h):
        self.h = h
        self.covered = []
        self.runs = 0

    def crash_at(self, point, timeout=60, during=None):
        """Runs an operator that crashes after `point`; `during` (optional)
        is called once the operator is up, to make the write happen."""
        self.runs += 1
        op = self.h.start_operator(name=f"operator-{self.runs}-{point}",
                                   env={"BATON_CRASH_AFTER": point})
        if during:
            during()
        deadline = time.monotonic() + timeout
        while op.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        code = op.stop()
        assert f"crash point reached: after {point}" in op.output(), \
            f"crash point {point} not reached in {timeout}s:\n{op.output()[-3000:]}"
        assert code == -9, f"operator exit {code} at crash point {point}"
        self.covered.append(point)

    def run_until(self, what, pred, timeout):
        """A plain operator (no crash point) until pred() holds."""
        self.runs += 1
        op = self.h.start_operator(name=f"operator-{self.runs}")
        try:
            return wait_for(what, pred, timeout, interval=0.3)
        finally:
            assert op.proc.poll() is None, op.output()[-3000:]
            op.stop()


def tier_done(h, version):
    t = h.get_tier("relaytiers", "relay")
    s = t.get("status", {})
    pods = h.core.list_namespaced_pod(h.ns).items
    live = [p for p in pods if not p.metadata.deletion_timestamp]
    done = (s.get("observedGeneration") == t["metadata"]["generation"]
            and s.get("phase") == "Healthy" and s.get("updatedReplicas") == REPLICAS
            and len(live) == REPLICAS
            and all(p.spec.containers[0].image == f"relay:{version}" for p in live))
    return t if done else None


def draining_pod(h):
    for p in h.core.list_namespaced_pod(h.ns).items:
        if (p.metadata.labels or {}).get("baton.dev/role") == "draining":
            return p.metadata.name
    return None


def test_operator_killed_after_every_write_resumes_safely(harness):
    h = harness
    points = all_write_points()
    assert len(points) >= 14, points
    h.start_pod_runner("relay")
    ops = CrashingOperator(h)

    # Phase 1, create: each start re-applies what it owns, so each point is met.
    h.apply_tier(tier("v1"))
    for point in ("add-finalizer", "create-pod", "apply-revision", "apply-service", "apply-pdb",
                  "patch-status", "apply-directory"):
        ops.crash_at(point)
    ops.run_until("v1 healthy with every relay serving",
                  lambda: tier_done(h, "v1") and (d := h.directory())
                  and len(d["endpoints"]) == REPLICAS, 120)

    report = h.tmp / "loadgen.json"
    loadgen = h.start("loadgen", [BUILD / "examples" / "loadgen" / "loadgen",
                                  "--directory", h.tmp / "directory.json",
                                  "--sessions", SESSIONS, "--rate", 300, "--duration", 400,
                                  "--settle", 3, "--report", report])
    loadgen.wait_for_line("established", 60)
    watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT)
    watcher.start()

    # Phase 2, roll v1 -> v2: a crash after each step of one pod's replacement;
    # delete-revision comes when the last v1 pod is gone (history limit 0).
    v1_pods = {p.metadata.name for p in h.core.list_namespaced_pod(h.ns).items}
    h.apply_tier(tier("v2"))
    for point in ("create-pod", "mark-draining", "request-drain", "delete-pod"):
        ops.crash_at(point)
    ops.crash_at("delete-revision", timeout=180)
    ops.run_until("v2 complete", lambda: tier_done(h, "v2"), 120)

    # Phase 3, undo mid-drain: roll to v3 slowly, and while a v2 pod drains put
    # v2 back. The drain is cancelled (crash), then the pod marked serving (crash).
    h.apply_tier(tier("v3", pace=15))
    ops.run_until("a v2 pod draining toward v3", lambda: draining_pod(h), 90)
    undone = draining_pod(h)
    h.apply_tier(tier("v2", pace=15))
    ops.crash_at("cancel-drain")
    ops.crash_at("mark-serving")
    pod = h.core.read_namespaced_pod(undone, h.ns)
    assert pod.metadata.labels["baton.dev/role"] == "serving"
    with urllib.request.urlopen(
            f"http://{pod.status.pod_ip}:{DRAIN_PORT}/drain", timeout=2) as r:
        reading = json.loads(r.read())
    assert reading["state"] == "Serving" and reading["sessions"] > THRESHOLD, reading
    h.patch_tier("relaytiers", "relay", {"spec": {"drain": {"sessionsPerSecond": 300}}})
    ops.run_until("back on v2", lambda: tier_done(h, "v2"), 120)
    watcher.stop()

    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    r = json.loads(report.read_text())
    print(loadgen.output())
    assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0
    assert r["messages"]["lost"] == 0 and r["messages"]["duplicated"] == 0

    # Phase 4, delete: the finalizer holds the tier until every pod drained.
    h.custom.delete_namespaced_custom_object("baton.dev", "v1alpha1", h.ns, "relaytiers",
                                             "relay")
    ops.crash_at("release-finalizer", timeout=120)
    wait_for("the tier gone", lambda: not h.custom.list_namespaced_custom_object(
        "baton.dev", "v1alpha1", h.ns, "relaytiers")["items"], 30)

    counts = h.sigterm_counts()
    assert v1_pods <= set(counts), counts
    assert all(k <= THRESHOLD for k in counts.values()), counts
    watcher.assert_at_most(1)
    print(f"crash points covered ({len(set(ops.covered))} of {len(points)}): "
          f"{', '.join(ops.covered)}")
    assert set(ops.covered) == points, points - set(ops.covered)
