"""Issue 21 end to end: what kstatus makes of a tier during a real rollout.

kstatus (sigs.k8s.io/cli-utils/pkg/kstatus) is how Flux's health checks,
Helm 4's --wait, kpt and Config Sync judge a custom resource. The verdicts
here are the real library's: tools/kstatus-probe, built against it by
scripts/build-gotools, is fed the tier as read from the API every 0.2 s while
the operator, the pod runner, real relays and the load generator run.

Expected: Current while the tier is at rest; InProgress from the spec change
on; Failed while a drain timeout with onTimeout Pause waits for a person;
InProgress again once the person resumes it (a longer timeoutSeconds); and
Current only once the last old pod is gone. Whether an old pod is there is
read from the pods themselves, after the tier: a Current verdict on a tier
read before a listing that still shows an old pod was given while that pod
existed (old pods are never made again)."""
import itertools
import json
import os
import re
import select
import signal
import subprocess
import time

from harness import REPO, BoundedSampler, wait_for
from tiers import relay_tier

PLURAL = "relaytiers"
NAME = "relay"
OLD_IMAGE = "relay:v1"


def probe_path():
    """The probe binary: BATON_KSTATUS_PROBE (scripts/test sets it), else
    built or found in the cache by scripts/build-gotools."""
    if os.environ.get("BATON_KSTATUS_PROBE"):
        return os.environ["BATON_KSTATUS_PROBE"]
    r = subprocess.run([str(REPO / "scripts" / "build-gotools"), "kstatus-probe"],
                       capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, f"scripts/build-gotools: {r.stderr}"
    m = re.search(r"^KSTATUS_PROBE_BIN=(.+)$", r.stdout, re.M)
    assert m, r.stdout
    return os.path.join(m.group(1), "kstatus-probe")


class Probe:
    """One kstatus-probe process: an object in, kstatus' verdict out."""

    def __init__(self, path):
        self.proc = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)

    def judge(self, obj):
        self.proc.stdin.write(json.dumps(obj) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        assert ready, "kstatus-probe gave no answer within 10 s"
        verdict = json.loads(self.proc.stdout.readline())
        assert "error" not in verdict, verdict
        return verdict

    def close(self):
        self.proc.stdin.close()
        assert self.proc.wait(timeout=10) == 0


class Sampler(BoundedSampler):
    """Every 0.2 s: the tier, then its pods, then kstatus' verdict on the
    tier. Bounded: stops when told, or after max_s."""

    def __init__(self, h, probe, interval=0.2, max_s=300):
        super().__init__(interval, max_s)
        self.h, self.probe = h, probe
        self.samples = []

    def sample(self):
        t = time.monotonic()
        tier = self.h.get_tier(PLURAL, NAME)
        # Terminating counts: a pod is gone when the API no longer has it.
        old = sorted(p.metadata.name for p in self.h.core.list_namespaced_pod(self.h.ns).items
                     if p.spec.containers[0].image == OLD_IMAGE)
        verdict = self.probe.judge(tier)
        status = tier.get("status", {})
        self.samples.append({
            "t": t, "kstatus": verdict["status"], "message": verdict.get("message", ""),
            "phase": status.get("phase"), "generation": tier["metadata"]["generation"],
            "observedGeneration": status.get("observedGeneration"), "old": old})

    def between(self, start, end=float("inf")):
        return [s for s in self.samples if start <= s["t"] < end]


def runs(samples):
    """The verdicts in order with repeats folded: [InProgress, Failed, ...]."""
    return [k for k, _ in itertools.groupby(s["kstatus"] for s in samples)]


def timeline(samples, t0):
    return "\n".join(f"  {s['t'] - t0:6.1f}s {s['kstatus']:<10} phase={s['phase']} "
                     f"gen={s['generation']}/{s['observedGeneration']} old={s['old']} "
                     f"{s['message']}" for s in samples)


def test_kstatus_reads_rollout_paused_drain_timeout_and_resume(harness):
    h = harness
    h.start_pod_runner(NAME)
    operator = h.start_operator()
    # 2 relays, ~12 sessions each, drained at 1 session/s down to 2: a drain
    # takes ~10 s, so a 4 s timeout stops the first one part way.
    tier = dict(replicas=2, threshold=2, pace=1, timeout=4, on_timeout="Pause",
                max_sessions=1000)
    h.apply_tier(relay_tier("v1", **tier))
    h.wait_serving(PLURAL, NAME, 2)
    loadgen = h.start_loadgen(24, 200, duration=300, settle=2, allow_loss=True)

    probe = Probe(probe_path())
    sampler = Sampler(h, probe)
    t0 = time.monotonic()
    sampler.start()
    try:
        wait_for("samples of the tier at rest", lambda: len(sampler.samples) >= 5, 20)
        t_apply = time.monotonic()
        h.apply_tier(relay_tier("v2", **tier))
        t_applied = time.monotonic()
        wait_for("kstatus Failed (the drain timed out, onTimeout Pause)",
                 lambda: sampler.samples[-1]["kstatus"] == "Failed", 60)
        time.sleep(3)  # a person takes a moment; it must stay Failed meanwhile
        stalled_old = sampler.samples[-1]["old"]
        t_resume = time.monotonic()
        h.patch_tier(PLURAL, NAME, {"spec": {"drain": {"timeoutSeconds": 120}}})
        t_resumed = time.monotonic()
        resumed_generation = h.get_tier(PLURAL, NAME)["metadata"]["generation"]
        h.wait_phase(PLURAL, NAME, "Healthy", 120, resumed_generation)
        wait_for("old pods gone", lambda: not sampler.samples[-1]["old"], 30)
        time.sleep(2)  # it must stay Current
    finally:
        sampler.stop()
        probe.close()
        loadgen.stop(sig=signal.SIGINT, timeout=60)
    s = sampler.samples
    print(f"{len(s)} samples:\n{timeline(s, t0)}")
    assert operator.proc.poll() is None, operator.output()

    at_rest = sampler.between(t0, t_apply)
    assert at_rest and runs(at_rest) == ["Current"], timeline(at_rest, t0)

    # From the spec change to the resume: InProgress, then Failed and nothing else.
    rolling = sampler.between(t_applied, t_resume)
    assert runs(rolling) == ["InProgress", "Failed"], timeline(rolling, t0)
    failed = [x for x in rolling if x["kstatus"] == "Failed"]
    assert failed[-1]["t"] - failed[0]["t"] >= 2.5, timeline(rolling, t0)
    # Failed says why, with the operator's message, and an old pod is still there.
    assert all("timed out" in x["message"] and x["old"] for x in failed), timeline(failed, t0)
    assert stalled_old, "the stalled drain's old pod must still be there"

    # After the resume: InProgress until the last old pod is gone, then Current.
    after = sampler.between(t_resumed)
    assert runs(after) == ["InProgress", "Current"], timeline(after, t0)
    current = [x for x in after if x["kstatus"] == "Current"]
    assert not any(x["old"] for x in current), timeline(after, t0)
    assert all(x["kstatus"] == "InProgress" for x in after if x["old"]), timeline(after, t0)
    last_old = max(x["t"] for x in after if x["old"])
    # "until": Current follows the last old pod's going, not some time later.
    assert current[0]["t"] - last_old < 5, timeline(after, t0)
    assert current[0]["phase"] == "Healthy"
