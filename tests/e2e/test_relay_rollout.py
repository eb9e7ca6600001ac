"""Issue 8's end-to-end run: a RelayTier of 4 relays holding live sessions
rolls from v1 to v2, one drain at a time, and nothing is lost."""
import json
import urllib.request

import pytest

from harness import BUILD, DrainWatcher, wait_for
from tiers import DRAIN_PORT
from tiers import relay_tier as base_tier

THRESHOLD = 5
REPLICAS = 4
SESSIONS = 2000


def relay_tier(version, pace=200):
    return base_tier(version, replicas=REPLICAS, threshold=THRESHOLD, pace=pace)


def rollout_done(h, generation):
    t = h.get_tier("relaytiers", "relay")
    s = t.get("status", {})
    done = (s.get("observedGeneration") == generation and s.get("updatedReplicas") == REPLICAS
            and s.get("replicas") == REPLICAS and s.get("phase") == "Healthy")
    return t if done else None


def test_relay_tier_rolls_v1_to_v2_without_losing_a_session(harness):
    h = harness
    h.start_pod_runner("relay")
    operator = h.start_operator()
    h.apply_tier(relay_tier("v1"))
    wait_for("4 serving relays in the directory",
             lambda: (d := h.directory()) and len(d["endpoints"]) == REPLICAS, 90)
    gen1 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]
    wait_for("v1 healthy", lambda: rollout_done(h, gen1), 60)

    report = h.tmp / "loadgen.json"
    loadgen = h.start("loadgen", [BUILD / "examples" / "loadgen" / "loadgen",
                                  "--directory", h.tmp / "directory.json",
                                  "--sessions", SESSIONS, "--rate", 400, "--duration", 300,
                                  "--settle", 3, "--report", report])
    loadgen.wait_for_line("established", 60)

    watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT)
    watcher.start()
    v1_pods = {p.metadata.name for p in h.core.list_namespaced_pod(h.ns).items}
    h.apply_tier(relay_tier("v2"))  # what a user (or ArgoCD) applies: only the image differs
    gen2 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]
    assert gen2 > gen1
    tier = wait_for("the rollout to v2 to complete", lambda: rollout_done(h, gen2), 240,
                    interval=0.5)
    watcher.stop()

    # Every pod runs v2 now, and none of the v1 pods is left.
    pods = h.core.list_namespaced_pod(h.ns).items
    assert len(pods) == REPLICAS
    assert all(p.spec.containers[0].image == "relay:v2" for p in pods)
    assert not v1_pods & {p.metadata.name for p in pods}
    assert tier["status"]["currentRevision"] == tier["status"]["updateRevision"]
    # ...and each new process says so itself on its drain endpoint.
    for p in pods:
        with urllib.request.urlopen(f"http://{p.status.pod_ip}:{DRAIN_PORT}/drain",
                                    timeout=2) as r:
            assert json.loads(r.read())["version"] == "v2"

    # Each deleted relay said, at SIGTERM, how many sessions it still held.
    counts = h.sigterm_counts()
    assert set(counts) == v1_pods, f"SIGTERM lines: {counts}"
    assert all(k <= THRESHOLD for k in counts.values()), counts

    # The independent watcher never saw two pods draining at once.
    watcher.assert_at_most(1)

    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    r = json.loads(report.read_text())
    print(loadgen.output())
    assert r["sessionsLost"] == 0
    assert r["sessionsFailed"] == 0
    assert r["messages"]["lost"] == 0
    assert r["messages"]["duplicated"] == 0
    assert r["movesCompleted"] >= SESSIONS - THRESHOLD * REPLICAS
    assert operator.proc.poll() is None, operator.output()
