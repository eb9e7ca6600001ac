"""Issue 10: a SessionTier of 4 registry shards holding 20,000 users rolls
from v1 to v2. Shard k's new pod comes up beside the old one, is named as
the old one's successor, the old one hands its entries over and is deleted
only then; the registry load generator never misses a lookup.

Judged without Baton's status: when each new pod was Ready comes from a
watcher of our own, when each old pod was asked to drain (and for whom) from
the workload's own log, how many shards drained at once from a watcher that
reads every pod's drain endpoint itself."""
import json
import re
import threading
import time
import urllib.request

from harness import BUILD, DrainWatcher, wait_for

SHARDS = 4
USERS = 20000
DRAIN_PORT = 9090
MIN_READY_SECONDS = 1
REGISTRY_PORT = 7100
RATE = 400  # lookups and re-registrations per second, all workers together


def session_tier(version, directory):
    return {
        "apiVersion": "baton.dev/v1alpha1",
        "kind": "SessionTier",
        "metadata": {"name": "sessions"},
        "spec": {
            "replicas": SHARDS,
            "servingPort": REGISTRY_PORT,
            "template": {
                "metadata": {"labels": {"app": "session-registry"},
                             "annotations": {"harness.baton.dev/pod-runner": "true"}},
                "spec": {"containers": [{
                    "name": "registry",
                    "image": f"session:{version}",
                    "args": ["--host", "$(POD_IP)", "--port", str(REGISTRY_PORT),
                             "--drain-port", str(DRAIN_PORT), "--shard", "$(SHARD)",
                             "--shards", str(SHARDS), "--version", "$(IMAGE_TAG)",
                             "--directory", str(directory),
                             "--drain-allow-unauthenticated"],  # a rollout test, not an auth test
                    "env": [{"name": "SHARD", "valueFrom": {"fieldRef": {
                        "fieldPath": "metadata.labels['baton.dev/shard']"}}}],
                    "ports": [{"name": "registry", "containerPort": REGISTRY_PORT},
                              {"name": "drain", "containerPort": DRAIN_PORT}],
                    "readinessProbe": {"tcpSocket": {"port": "registry"}},
                }]},
            },
            # A fast handover: 5,000 entries per shard move in about half a second.
            "drain": {"port": DRAIN_PORT, "sessionThreshold": 0, "pollIntervalSeconds": 1,
                      "timeoutSeconds": 120, "onTimeout": "Pause",
                      "sessionsPerSecond": 10000},
            "rollout": {"maxSurge": 1, "maxUnavailable": 0, "maxConcurrentDrains": 1,
                        "minReadySeconds": MIN_READY_SECONDS, "progressDeadlineSeconds": 120},
        },
    }


class ReadyWatcher(threading.Thread):
    """Records, per pod, its shard label, the wall-clock time this test first
    saw it Ready (an upper bound: it polls every 100 ms), and the Ready
    condition's lastTransitionTime as the API server holds it (whole seconds,
    rounded down as Kubernetes writes them). The latter judges "Ready before
    asked to drain": the operator sees a pod Ready through its watch, often
    before this poll does, so the poll's time loses that race by a few
    milliseconds even when the order is right."""

    def __init__(self, core, ns, max_s=300):
        super().__init__(daemon=True)
        self.core, self.ns = core, ns
        self.first_ready = {}
        self.ready_since = {}
        self.shard = {}
        self.stop_event = threading.Event()
        self.deadline = time.monotonic() + max_s

    def run(self):
        while not self.stop_event.is_set() and time.monotonic() < self.deadline:
            now = time.time()
            for p in self.core.list_namespaced_pod(self.ns).items:
                name = p.metadata.name
                self.shard[name] = (p.metadata.labels or {}).get("baton.dev/shard")
                ready = next((c for c in (p.status.conditions or [])
                              if c.type == "Ready" and c.status == "True"), None)
                if ready and ready.last_transition_time and name not in self.first_ready:
                    self.first_ready[name] = now
                    self.ready_since[name] = ready.last_transition_time.timestamp()
            time.sleep(0.1)

    def stop(self):
        self.stop_event.set()
        self.join(timeout=10)


START_LINE = re.compile(r"drain: start requested at_ms=(\d+) began=(\d) successor=(\S+)")


def drain_starts(h, pod):
    """(at seconds, began, successor) per POST /drain/start the pod logged."""
    path = h.pod_logs / f"{h.ns}_{pod}.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    return [(int(m.group(1)) / 1000.0, m.group(2) == "1", m.group(3))
            for m in START_LINE.finditer(text)]


def sigterm_line(h, pod):
    path = h.pod_logs / f"{h.ns}_{pod}.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    m = re.search(r"session: (handed over (\d+) entries at SIGTERM, left (\d+)"
                  r"|SIGTERM with (\d+) entries)", text)
    return m


def registry_entries(h):
    """Entries held by all the registry pods, from each one's own /info."""
    total = 0
    for p in h.core.list_namespaced_pod(h.ns).items:
        with urllib.request.urlopen(f"http://{p.status.pod_ip}:{REGISTRY_PORT}/info",
                                    timeout=2) as r:
            total += json.loads(r.read())["entries"]
    return total


def rollout_done(h, generation):
    t = h.get_tier("sessiontiers", "sessions")
    s = t.get("status", {})
    done = (s.get("observedGeneration") == generation and s.get("updatedReplicas") == SHARDS
            and s.get("replicas") == SHARDS and s.get("phase") == "Healthy")
    return t if done else None


def test_session_tier_rolls_shard_by_shard_without_a_failed_lookup(harness):
    h = harness
    directory = h.tmp / "directory.json"
    h.start_pod_runner("sessions")
    operator = h.start_operator()
    h.apply_tier(session_tier("v1", directory))
    wait_for("4 shards in the directory",
             lambda: (d := h.directory()) and len(d["endpoints"]) == SHARDS, 90)
    gen1 = h.get_tier("sessiontiers", "sessions")["metadata"]["generation"]
    wait_for("v1 healthy", lambda: rollout_done(h, gen1), 60)
    v1_pods = {p.metadata.name: p.metadata.labels["baton.dev/shard"]
               for p in h.core.list_namespaced_pod(h.ns).items}
    assert sorted(v1_pods.values()) == [str(k) for k in range(SHARDS)], v1_pods

    report = h.tmp / "loadgen.json"
    loadgen = h.start("loadgen", [BUILD / "examples" / "loadgen" / "loadgen", "registry",
                                  "--directory", directory, "--users", USERS,
                                  "--rate", RATE, "--write-fraction", 0.1, "--workers", 4,
                                  "--duration", 300, "--report", report])
    loadgen.wait_for_line("registered", 60)
    assert f"registered {USERS} users on {SHARDS} shards" in loadgen.output()
    # Every user is held by some shard before the rollout starts.
    assert registry_entries(h) == USERS

    ready = ReadyWatcher(h.core, h.ns)
    ready.start()
    watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT)
    watcher.start()
    time.sleep(1)  # some lookups before the rollout
    rollout_started = time.monotonic()
    h.apply_tier(session_tier("v2", directory))
    gen2 = h.get_tier("sessiontiers", "sessions")["metadata"]["generation"]
    assert gen2 > gen1
    tier = wait_for("the rollout to v2 to complete", lambda: rollout_done(h, gen2), 180,
                    interval=0.5)
    rollout_s = time.monotonic() - rollout_started
    time.sleep(1)  # and some after
    watcher.stop()
    ready.stop()
    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    r = json.loads(report.read_text())
    print(loadgen.output())
    print(f"rollout took {rollout_s:.1f}s")

    pods = h.core.list_namespaced_pod(h.ns).items
    assert len(pods) == SHARDS
    assert all(p.spec.containers[0].image == "session:v2" for p in pods)
    new_by_shard = {p.metadata.labels["baton.dev/shard"]: p.metadata.name for p in pods}
    assert sorted(new_by_shard) == [str(k) for k in range(SHARDS)]
    assert not set(v1_pods) & set(new_by_shard.values())
    assert tier["status"]["currentRevision"] == tier["status"]["updateRevision"]
    # ...and the new shards hold every user between them.
    assert registry_entries(h) == USERS

    for old, shard in sorted(v1_pods.items()):
        new = new_by_shard[shard]
        starts = drain_starts(h, old)
        # Asked to drain once, naming the new pod of the same shard...
        assert [s for s in starts if s[1]], f"{old} was never asked to drain"
        assert sum(1 for s in starts if s[1]) == 1, (old, starts)
        assert all(s[2] == new for s in starts), (old, new, starts)
        # ...which had been Ready for minReadySeconds, as the API server
        # records it, when that request came.
        began_at = next(s[0] for s in starts if s[1])
        assert new in ready.ready_since, (new, ready.ready_since)
        assert ready.ready_since[new] + MIN_READY_SECONDS <= began_at, (
            f"{new} Ready since {ready.ready_since[new]:.3f} (first seen "
            f"{ready.first_ready[new]:.3f}), {old} asked to drain at {began_at:.3f}")
        # It was deleted only once everything was handed over.
        m = sigterm_line(h, old)
        assert m, f"{old} logged no SIGTERM line"
        assert m.group(2) is not None, f"{old} was deleted while serving: {m.group(0)}"
        assert (int(m.group(2)), int(m.group(3))) == (0, 0), m.group(0)

    # Shard after shard, never two at once (read from the pods themselves).
    watcher.assert_at_most(1)
    starts = sorted(next(s[0] for s in drain_starts(h, old) if s[1]) for old in v1_pods)
    assert len(starts) == SHARDS

    # The registry kept answering through the rollout, and never wrongly.
    assert r["setup"] == USERS and r["setupFailed"] == 0
    assert r["readsFailed"] == 0 and r["writesFailed"] == 0 and r["wrong"] == 0, r
    assert r["reads"] >= 0.5 * 0.9 * RATE * rollout_s, (r["reads"], rollout_s)
    assert operator.proc.poll() is None, operator.output()
