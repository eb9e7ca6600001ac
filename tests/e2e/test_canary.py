"""Issue 23 end to end: canary steps with bakes, and automatic rollback
through the drain, with real relays holding sessions of the load generator.

A good v2 passes two baked steps and completes. A v3 that drops messages
(the example relay run with --drop-message-share: real loss the load
generator counts) is rolled back by each signal in turn: its own verdict,
a Prometheus query on the real Prometheus scraping the relays, and a crash
loop. Promote and abort go through the real plugin. In every case no
session is lost and never more than one pod drains at once."""
import json
import os
import subprocess
import time

from harness import BUILD, BoundedSampler, DrainWatcher, wait_for
from test_kstatus import Probe, probe_path
from tiers import DRAIN_PORT, relay_tier

PLURAL, NAME = "relaytiers", "relay"
BAD_ARGS = ("--drop-message-share", "0.3")


def canary_tier(version, steps, *, replicas=4, extra_args=(), analysis=None):
    doc = relay_tier(version, replicas=replicas, threshold=5, pace=200, extra_args=extra_args)
    doc["spec"]["rollout"]["canary"] = {"steps": steps, **({"analysis": analysis}
                                                           if analysis else {})}
    return doc


def live_images(h):
    """Image of every pod not being deleted, by name."""
    return {p.metadata.name: p.spec.containers[0].image
            for p in h.core.list_namespaced_pod(h.ns).items if not p.metadata.deletion_timestamp}


class CanarySampler(BoundedSampler):
    """Every 0.2 s: the live pods' images, the tier's canary status, and the
    images again; a sample counts only when both pod listings agree, so the
    status it pairs them with was read while the pods were as listed."""

    what = "canary sampler"

    def __init__(self, h, max_s=300):
        super().__init__(0.2, max_s)
        self.h = h
        self.samples = []

    def sample(self):
        before = sorted(live_images(self.h).items())
        status = self.h.get_tier(PLURAL, NAME).get("status", {})
        after = sorted(live_images(self.h).items())
        if before != after:
            return
        canary = status.get("canary") or {}
        self.samples.append({"state": canary.get("state"), "step": canary.get("step"),
                             "draining": len(status.get("drainingPods", [])),
                             "images": [image for _, image in after]})


def plugin(h, *args):
    r = subprocess.run([str(BUILD / "bin" / "kubectl-baton"), *args, "-n", h.ns,
                        "--kubeconfig", os.environ["KUBECONFIG"]],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


def finish_load(h, loadgen):
    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    return json.loads((h.tmp / "loadgen.json").read_text())


def wait_rolled_back(h, signal, old_image, timeout=180):
    """Until status.canary.rollback names `signal`, every live pod runs
    old_image again and the tier is Degraded for it."""
    def done():
        t = h.get_tier(PLURAL, NAME)
        s = t.get("status", {})
        rollback = (s.get("canary") or {}).get("rollback") or {}
        images = set(live_images(h).values())
        ok = (rollback.get("signal") == signal and images == {old_image}
              and len(live_images(h)) == t["spec"]["replicas"] and s.get("phase") == "Degraded"
              and not s.get("drainingPods"))
        return t if ok else None
    return wait_for(f"rolled back on {signal}", done, timeout, interval=0.5)


def test_a_good_v2_passes_two_baked_steps_and_completes(harness):
    h = harness
    h.start_pod_runner(NAME)
    h.start_operator()
    steps = [{"replicas": 1, "bakeSeconds": 6}, {"replicas": "50%", "bakeSeconds": 6}]
    h.apply_tier(canary_tier("v1", steps))
    h.wait_serving(PLURAL, NAME, 4)  # a new tier rolls straight through
    assert "canary" not in h.get_tier(PLURAL, NAME)["status"]
    loadgen = h.start_loadgen(1200, 300, duration=300)
    watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT)
    sampler = CanarySampler(h)
    watcher.start()
    sampler.start()
    h.apply_tier(canary_tier("v2", steps))
    gen = h.get_tier(PLURAL, NAME)["metadata"]["generation"]
    tier = h.wait_phase(PLURAL, NAME, "Healthy", 240, generation=gen)
    sampler.stop()
    watcher.stop()

    assert set(live_images(h).values()) == {"relay:v2"}
    assert tier["status"]["currentRevision"] == tier["status"]["updateRevision"]
    assert tier["status"]["canary"]["state"] == "Complete"
    # Each step baked with exactly its pods at v2 and nothing draining.
    baked = {0: set(), 1: set()}
    for s in sampler.samples:
        if s["state"] == "Baking":
            baked[s["step"]].add((s["images"].count("relay:v2"), s["draining"]))
    assert baked == {0: {(1, 0)}, 1: {(2, 0)}}, sampler.samples
    passed = h.events("CanaryStepPassed")
    assert len(passed) == 2, passed
    assert len(h.events("RolloutCompleted")) >= 1
    watcher.assert_at_most(1)
    r = finish_load(h, loadgen)
    assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0, r


def roll_back_bad_v3(h, extra_args, signal, analysis=None, operator_args=()):
    """v1 serving under load; v3 with extra_args gets one canary pod and is
    rolled back on `signal` (analysis: the tier's, so that only that signal
    can fire). Returns the load report and the tier."""
    h.start_pod_runner(NAME)
    h.start_operator(*operator_args)
    steps = [{"replicas": 1, "bakeSeconds": 60}]
    h.apply_tier(canary_tier("v1", steps, replicas=3, analysis=analysis))
    h.wait_serving(PLURAL, NAME, 3)
    loadgen = h.start_loadgen(900, 300, duration=300, allow_loss=True)
    watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT)
    watcher.start()
    h.apply_tier(canary_tier("v3", steps, replicas=3, extra_args=extra_args, analysis=analysis))
    wait_for("a v3 canary pod", lambda: "relay:v3" in live_images(h).values(), 60)
    tier = wait_rolled_back(h, signal, "relay:v1")
    # A rollback of a canary that never took a session can be over in a few
    # of the watcher's samples: let it judge from enough of them.
    wait_for("20 drain-watcher samples", lambda: watcher.samples >= 20, 60)
    watcher.stop()
    watcher.assert_at_most(1)
    s = tier["status"]
    assert s["updateRevision"] == s["currentRevision"]
    assert s["canary"]["rollback"]["revision"] != s["currentRevision"]
    stalled = next(c for c in s["conditions"] if c["type"] == "Stalled")
    assert (stalled["status"], stalled["reason"]) == ("True", "CanaryRolledBack"), stalled
    assert h.events("CanaryRolledBack"), h.events()
    # The tier stays on v1 until the spec changes: no v3 pod comes back.
    pods_before = set(live_images(h))
    time.sleep(5)
    assert set(live_images(h).values()) == {"relay:v1"}
    assert set(live_images(h)) == pods_before
    return finish_load(h, loadgen), tier


def test_a_v3_that_drops_messages_is_rolled_back_on_its_own_verdict(harness):
    r, tier = roll_back_bad_v3(harness, BAD_ARGS, "WorkloadVerdict")
    # kstatus (Flux, Helm 4 --wait) reads the rolled-back tier as Failed.
    probe = Probe(probe_path())
    try:
        assert probe.judge(tier)["status"] == "Failed", tier["status"]["conditions"]
    finally:
        probe.close()
    assert "dropped" in tier["status"]["canary"]["rollback"]["message"], tier["status"]
    assert r["messages"]["lost"] > 0, r  # it really was bad
    assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0, r


# The share of messages a revision's relays dropped over the last 10 s.
DROP_SHARE = ('sum(rate(relay_messages_dropped_total{namespace="{{namespace}}",'
              'revision="{{revision}}"}[10s])) / (sum(rate(relay_messages_relayed_total'
              '{namespace="{{namespace}}",revision="{{revision}}"}[10s])) + sum(rate('
              'relay_messages_dropped_total{namespace="{{namespace}}",revision="{{revision}}"}[10s])))')


def test_a_v3_that_drops_messages_is_rolled_back_on_a_prometheus_query(harness, prometheus):
    server = prometheus(harness.ns, DRAIN_PORT)
    analysis = {"workloadVerdict": False,
                "prometheus": {"query": DROP_SHARE, "max": 0.05, "intervalSeconds": 2}}
    r, tier = roll_back_bad_v3(harness, BAD_ARGS, "Prometheus", analysis=analysis,
                               operator_args=("--prometheus-url", server.url))
    message = tier["status"]["canary"]["rollback"]["message"]
    assert "above max 0.05" in message, tier["status"]
    assert r["messages"]["lost"] > 0, r
    assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0, r


def test_a_crash_looping_v3_is_rolled_back_on_pod_health(harness):
    # A bad configuration: the relay refuses an argument and exits (code 2)
    # before it listens, again and again. Never Ready, it takes no session,
    # and the rollback moves none (a version that crashed while holding
    # sessions would cut them itself, before any signal could act).
    # Its verdict is turned off: only pod health may speak here.
    r, tier = roll_back_bad_v3(harness, (*BAD_ARGS, "--no-such-flag"), "PodHealth",
                               analysis={"workloadVerdict": False})
    message = tier["status"]["canary"]["rollback"]["message"]
    assert "restarted" in message or "crash" in message, tier["status"]
    assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0, r


def test_promote_and_abort_through_the_plugin(harness):
    h = harness
    h.start_pod_runner(NAME)
    h.start_operator()
    steps = [{"replicas": 1, "waitForPromote": True}]
    h.apply_tier(canary_tier("v1", steps, replicas=3))
    h.wait_serving(PLURAL, NAME, 3)
    loadgen = h.start_loadgen(600, 300, duration=300)
    code, out = plugin(h, "promote", NAME)
    assert code == 1 and "no canary under way" in out, out

    h.apply_tier(canary_tier("v2", steps, replicas=3))
    h.wait_phase(PLURAL, NAME, "Paused", 120)
    assert h.get_tier(PLURAL, NAME)["status"]["canary"]["state"] == "AwaitingPromotion"
    assert sorted(live_images(h).values()) == ["relay:v1", "relay:v1", "relay:v2"]
    code, out = plugin(h, "status", NAME)
    assert "AwaitingPromotion" in out, out
    code, out = plugin(h, "promote", NAME)
    assert code == 0, out
    h.wait_phase(PLURAL, NAME, "Healthy", 180)
    assert set(live_images(h).values()) == {"relay:v2"}
    assert h.events("CanaryPromoted")

    h.apply_tier(canary_tier("v3", steps, replicas=3))
    h.wait_phase(PLURAL, NAME, "Paused", 120)
    code, out = plugin(h, "abort", NAME)
    assert code == 0, out
    tier = wait_rolled_back(h, "Abort", "relay:v2")
    code, out = plugin(h, "status", NAME)
    assert code == 1 and "rolled back on Abort" in out, out
    assert tier["status"]["canary"]["rollback"]["message"].startswith("aborted")
    r = finish_load(h, loadgen)
    assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0, r
