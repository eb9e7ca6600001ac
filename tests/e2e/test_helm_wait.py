"""Issue 21 end to end: `helm upgrade --wait` (Helm 4) of a chart that holds
a RelayTier returns only once the tier's rollout has finished.

Helm 4's --wait (the "watcher" strategy) judges each object of the release
with kstatus: a tier is InProgress while its observedGeneration is behind or
its Reconciling condition is True. Before the operator published Reconciling,
kstatus read a rolling tier as Current once observedGeneration caught up, and
helm would have returned with relays still draining.

The chart (tests/e2e/charts/relay-tier) is installed and upgraded with the
Helm 4 binary scripts/build-controlplane builds, against the real API server,
while the operator, the pod runner, real relays and the load generator run.
A watcher reads the pods every 0.2 s; helm's return is compared with the
last moment an old pod was seen, and the tier and its pods are read again
the moment helm returns."""
import glob
import os
import signal
import subprocess
import time

import yaml

from harness import REPO, BoundedSampler, wait_for
from tiers import relay_tier

CHART = REPO / "tests" / "e2e" / "charts" / "relay-tier"
PLURAL = "relaytiers"
NAME = "relay"
OLD_IMAGE, NEW_IMAGE = "relay:v1", "relay:v2"


def helm4():
    """BATON_HELM4 (scripts/cluster env exports it), else the cached build."""
    if os.environ.get("BATON_HELM4"):
        return os.environ["BATON_HELM4"]
    cache = os.environ.get("BATON_CACHE", os.path.expanduser("~/.cache/baton"))
    found = sorted(glob.glob(f"{cache}/helm4-v4*/helm"))
    assert found, "no Helm 4: run scripts/build-controlplane"
    return found[-1]


def helm(*args, timeout=300):
    return subprocess.run([helm4(), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


class PodWatcher(BoundedSampler):
    """Every 0.2 s, the images of the namespace's pods (Terminating ones
    count: a pod is gone when the API no longer has it). Bounded: stops when
    told, or after max_s."""

    what = "pod watcher"

    def __init__(self, h, interval=0.2, max_s=300):
        super().__init__(interval, max_s)
        self.h = h
        self.samples = []  # (monotonic time the listing was asked for, [images])

    def sample(self):
        t = time.monotonic()
        pods = self.h.core.list_namespaced_pod(self.h.ns).items
        self.samples.append((t, [p.spec.containers[0].image for p in pods]))


def values_file(h, version, tier):
    path = h.tmp / f"values-{version}.yaml"
    path.write_text(yaml.safe_dump({"name": NAME, "spec": relay_tier(version, **tier)["spec"]}))
    return path


def test_helm4_upgrade_wait_returns_after_the_rollout(harness):
    h = harness
    h.start_pod_runner(NAME)
    operator = h.start_operator()
    # 2 relays, ~12 sessions each, drained at 2 sessions/s down to 2: each
    # drain takes ~5 s, so the rollout lasts well over 5 s.
    tier = dict(replicas=2, threshold=2, pace=2, max_sessions=1000)
    r = helm("install", NAME, CHART, "--namespace", h.ns, "-f", values_file(h, "v1", tier),
             "--wait", "--timeout", "2m")
    assert r.returncode == 0, r.stderr
    h.wait_serving(PLURAL, NAME, 2)
    loadgen = h.start_loadgen(24, 200, duration=300, settle=2, allow_loss=True)

    watcher = PodWatcher(h)
    watcher.start()
    try:
        wait_for("the watcher's first listing", lambda: watcher.samples, 20)
        t_upgrade = time.monotonic()
        # --wait alone is Helm 4's "watcher" strategy (kstatus); named here.
        r = helm("upgrade", NAME, CHART, "--namespace", h.ns, "-f", values_file(h, "v2", tier),
                 "--wait=watcher", "--timeout", "3m")
        t_returned = time.monotonic()
        # Read at once: what the tier and its pods were when helm returned.
        tier_then = h.get_tier(PLURAL, NAME)
        images_then = [p.spec.containers[0].image for p in h.core.list_namespaced_pod(h.ns).items]
    finally:
        watcher.stop()
        loadgen.stop(sig=signal.SIGINT, timeout=60)
    assert r.returncode == 0, r.stderr
    assert operator.proc.poll() is None, operator.output()

    status = tier_then["status"]
    assert tier_then["metadata"]["generation"] == status["observedGeneration"], status
    assert status["phase"] == "Healthy", status
    assert status["currentRevision"] == status["updateRevision"], status
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions["Reconciling"] == "False" and conditions["Ready"] == "True", conditions
    assert OLD_IMAGE not in images_then, images_then
    assert images_then.count(NEW_IMAGE) == 2, images_then

    # helm returned after the last old pod was gone, and that took a while:
    # the rollout was under way for seconds while helm waited.
    seen_old = [t for t, images in watcher.samples if OLD_IMAGE in images]
    assert seen_old, "the watcher never saw an old pod"
    last_old = max(seen_old)
    timeline = [(round(t - t_upgrade, 1), images) for t, images in watcher.samples
                if t >= t_upgrade]
    assert last_old < t_returned, (round(t_returned - t_upgrade, 1), timeline)
    assert last_old - t_upgrade >= 5, timeline
    print(f"helm upgrade --wait returned {t_returned - t_upgrade:.1f} s after it started, "
          f"{t_returned - last_old:.1f} s after the last old pod was seen")
