"""Issue 19: deleting a tier drains under every propagation policy.

- background (kubectl's default): test_lifecycle.py
  `test_delete_tier_drains_every_pod_through_the_finalizer`.
- foreground (`--cascade=foreground`, ArgoCD's default prune): the garbage
  collector deletes the dependents at once, finalizer or not. The chart's
  drain guard (a ValidatingAdmissionPolicy, charts/baton/templates/
  drain-guard.yaml, applied here as rendered) refuses the collector's DELETE
  of a running tier pod; Baton's finalizer drains the pods one at a time and
  deletes each once drained, and the tier goes away.
- orphan (`--cascade=orphan`): the pods are to stay, so nothing is drained,
  deleted or cut; the tier goes away at once.
"""
import os
import subprocess

import pytest
import yaml

from harness import REPO, DrainWatcher, kubectl, wait_for
from test_lifecycle import NAME, PLURAL, THRESHOLD, Run
from tiers import DRAIN_PORT

# cluster_wide: the drain guard admission policy applies to every namespace.
pytestmark = pytest.mark.cluster_wide


@pytest.fixture
def drain_guard():
    rendered = subprocess.run(
        [os.environ["BATON_HELM"], "template", "baton", str(REPO / "charts" / "baton"),
         "--show-only", "templates/drain-guard.yaml"],
        capture_output=True, text=True, check=True, timeout=60).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    assert [d["kind"] for d in docs] == ["ValidatingAdmissionPolicy",
                                         "ValidatingAdmissionPolicyBinding"]
    path = REPO / "build" / "drain-guard.yaml"
    path.write_text(rendered)
    kubectl("apply", "-f", str(path))
    yield docs
    kubectl("delete", "-f", str(path), "--ignore-not-found")


def tier_gone(h):
    try:
        h.get_tier(PLURAL, NAME)
        return False
    except Exception as e:  # 404
        return getattr(e, "status", None) == 404


def test_foreground_delete_drains_every_pod_before_it_goes(harness, drain_guard):
    h = harness
    run = Run(h, sessions=300, pace=50)  # ~2 s a pod: slow enough to watch
    pods = set(h.pods())
    watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT, max_s=180)
    watcher.start()
    kubectl("delete", "relaytier", NAME, "-n", h.ns, "--cascade=foreground", "--wait=false")
    wait_for("the tier to be gone", lambda: tier_gone(h), 150, interval=0.5)
    wait_for("every pod gone", lambda: not h.pods(), 30)
    watcher.stop()
    counts = h.sigterm_counts()
    assert set(counts) == pods, counts
    assert all(k <= THRESHOLD for k in counts.values()), f"a pod was deleted holding: {counts}"
    watcher.assert_at_most(1, min_samples=10)
    r = run.finish()
    assert r["sessionsLost"] == 0, r


def test_orphan_delete_keeps_the_pods_and_their_sessions(harness):
    h = harness
    run = Run(h, sessions=300, pace=50)
    pods = {name: p.metadata.uid for name, p in h.pods().items()}
    kubectl("delete", "relaytier", NAME, "-n", h.ns, "--cascade=orphan", "--wait=false")
    wait_for("the tier to be gone", lambda: tier_gone(h), 60, interval=0.5)
    wait_for("the pods orphaned", lambda: all(
        not p.metadata.owner_references for p in h.pods().values()), 30)
    assert {name: p.metadata.uid for name, p in h.pods().items()} == pods, "a pod went"
    assert h.sigterm_counts() == {}
    assert not [e for e in h.events("DrainStarted")], "nothing may drain"
    r = run.finish()
    assert r["sessionsLost"] == 0, r
    assert r["sessionsFailed"] == 0, r
