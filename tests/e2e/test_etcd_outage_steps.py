"""An etcd outage at each step of a drain, with kube-apiserver's watch cache
off and on (issue 24). A RelayTier of 3 relays holding 300 live sessions
rolls v1 -> v2; etcd is taken away for a few seconds

  (1) before the mark: the surge pod exists, the old pod is not yet marked
      draining (minReadySeconds holds the mark back);
  (2) during the second drain;
  (3) just after the third old pod was deleted.

Each time the rollout completes, each old relay began draining once, no pod
was created or deleted twice by the operator, every relay held at most the
threshold at SIGTERM, and the load generator lost nothing. Needs
BATON_CLUSTER_FAULTS=1 (stops etcd; restarts kube-apiserver to switch its
watch cache)."""
import json
import time

import pytest

from faults import (drains_begun, fault_test_marks, healthy, operator_writes,
                    restart_controllers_afterwards)  # noqa: F401 (a fixture)
from harness import control_plane, wait_for
from tiers import relay_tier as base_tier

REPLICAS = 3
SESSIONS = 300
THRESHOLD = 5

pytestmark = fault_test_marks("stops etcd and restarts kube-apiserver")


def relay_tier(version):
    # minReadySeconds opens a window between the surge and the mark; a slow
    # pace keeps each drain going for about 10 s.
    return base_tier(version, replicas=REPLICAS, threshold=THRESHOLD, pace=10, max_sessions=2000,
                     minReadySeconds=4, progressDeadlineSeconds=300)


def etcd_outage():
    control_plane("stop-etcd")
    time.sleep(3)
    control_plane("start-etcd")


@pytest.fixture(params=["watch-cache-off", "watch-cache-on"])
def watch_cache(request):
    on = request.param == "watch-cache-on"
    if on:
        control_plane("restart-apiserver", BATON_WATCH_CACHE="true")
    try:
        yield on
    finally:
        if on:  # the rest of the suite runs with the cache off
            control_plane("restart-apiserver", BATON_WATCH_CACHE="false")


def test_etcd_outage_at_each_step_of_a_drain(harness, watch_cache):
    h = harness
    h.start_pod_runner("relay")
    operator = h.start_operator()
    h.apply_tier(relay_tier("v1"))
    gen1 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]
    wait_for("v1 healthy", lambda: healthy(h, gen1, REPLICAS), 90)
    v1 = {p.metadata.name for p in h.core.list_namespaced_pod(h.ns).items}

    loadgen = h.start_loadgen(SESSIONS, rate=100)
    h.apply_tier(relay_tier("v2"))
    gen2 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]

    def pods():
        try:
            return h.core.list_namespaced_pod(h.ns).items
        except Exception:  # the API may be down right now
            return []

    # (1) Before the mark: the surge pod is there, nothing drains yet.
    wait_for("the surge pod", lambda: len(pods()) > REPLICAS, 60, interval=0.1)
    assert not drains_begun(h), "the first drain began before the outage could precede it"
    etcd_outage()
    # (2) During the second drain.
    wait_for("drain 2 to begin", lambda: len(drains_begun(h)) >= 2, 120, interval=0.1)
    etcd_outage()
    # (3) Just after the third old pod was deleted (its relay got SIGTERM).
    wait_for("the third old pod to be deleted", lambda: len(h.sigterm_counts()) >= 3, 120,
             interval=0.1)
    etcd_outage()

    wait_for("the rollout to v2 to complete", lambda: healthy(h, gen2, REPLICAS), 180,
             interval=0.5)
    now = h.core.list_namespaced_pod(h.ns).items
    assert len(now) == REPLICAS
    assert all(p.spec.containers[0].image == "relay:v2" for p in now)

    begun = drains_begun(h)
    assert set(begun) == v1 and all(n == 1 for n in begun.values()), begun
    twice = {k: n for k, n in operator_writes(h.ns).items() if n > 1}
    assert not twice, twice
    counts = h.sigterm_counts()
    assert set(counts) == v1 and all(k <= THRESHOLD for k in counts.values()), counts
    assert operator.proc.poll() is None, operator.output()[-4000:]

    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    r = json.loads((h.tmp / "loadgen.json").read_text())
    assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0, r
    assert r["messages"]["lost"] == 0 and r["messages"]["duplicated"] == 0, r
