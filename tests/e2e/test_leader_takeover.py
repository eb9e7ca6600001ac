"""Issue 10: two baton-operator replicas elect a leader on a Lease; the
leader is killed with SIGKILL while a relay drains. The other replica takes
the rollout over within leaseDuration + 2 x retryPeriod, no pod is asked to
drain twice or deleted twice, and no session is lost.

Judged without Baton's status: drain requests from each relay's own log,
deletes from the kube-apiserver's audit log, sessions from the load
generator, the takeover from the Lease and the audit log."""
import datetime
import json
import os
import re
import signal
import time
import urllib.request

from kubernetes import client
from kubernetes.client.rest import ApiException

from harness import BUILD, DrainWatcher, wait_for
from tiers import DRAIN_PORT
from tiers import relay_tier as base_tier

REPLICAS = 3
SESSIONS = 600
THRESHOLD = 5
PACE = 40  # sessions per second: a relay of ~200 sessions drains for ~5 s
LEASE_S = 4
RENEW_MS = 3000
RETRY_MS = 500
TAKEOVER_BOUND_S = LEASE_S + 2 * RETRY_MS / 1000


def relay_tier(version):
    return base_tier(version, replicas=REPLICAS, threshold=THRESHOLD, pace=PACE, timeout=300,
                     max_sessions=2000)


def start_replica(h, identity):
    return h.start(f"operator-{identity}", [
        BUILD / "operator" / "baton-operator", "--kubeconfig", os.environ["KUBECONFIG"],
        "--namespaces", h.ns, "--leader-elect=true", "--leader-election-namespace", h.ns,
        "--leader-election-identity", identity, "--lease-duration-seconds", LEASE_S,
        "--renew-deadline-ms", RENEW_MS, "--retry-period-ms", RETRY_MS,
        "--metrics-bind-address", "127.0.0.1:0", "--health-probe-bind-address", "127.0.0.1:0",
        "--log-format", "text"])


def lease(h):
    try:
        return client.CoordinationV1Api(h.api).read_namespaced_lease("baton-operator", h.ns)
    except ApiException as e:
        if e.status == 404:  # not created yet
            return None
        raise


def holder(h):
    lease_obj = lease(h)
    return lease_obj.spec.holder_identity if lease_obj else None


def rfc3339(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def audit_events(ns):
    """The audit log's completed requests in namespace ns."""
    path = os.environ["BATON_AUDIT_LOG"]
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            ref = e.get("objectRef") or {}
            if ref.get("namespace") == ns and e.get("stage") == "ResponseComplete":
                out.append(e)
    return out


def draining_pod(h):
    """A pod whose own drain endpoint says Draining with sessions still held."""
    for p in h.core.list_namespaced_pod(h.ns).items:
        ip = p.status.pod_ip
        if not ip:
            continue
        try:
            with urllib.request.urlopen(f"http://{ip}:{DRAIN_PORT}/drain", timeout=0.5) as r:
                d = json.loads(r.read())
        except Exception:
            continue
        if d.get("state") == "Draining" and d.get("sessions", 0) > 2 * THRESHOLD:
            return p.metadata.name
    return None


def rollout_done(h, generation):
    s = h.get_tier("relaytiers", "relay").get("status", {})
    return (s.get("observedGeneration") == generation and s.get("updatedReplicas") == REPLICAS
            and s.get("replicas") == REPLICAS and s.get("phase") == "Healthy")


def test_follower_takes_over_a_rollout_when_the_leader_is_killed_mid_drain(harness):
    h = harness
    h.start_pod_runner("relay")
    replicas = {"op-a": start_replica(h, "op-a")}
    wait_for("op-a to lead", lambda: holder(h) == "op-a", 30)
    replicas["op-b"] = start_replica(h, "op-b")
    h.apply_tier(relay_tier("v1"))
    wait_for("3 serving relays in the directory",
             lambda: (d := h.directory()) and len(d["endpoints"]) == REPLICAS, 90)
    gen1 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]
    wait_for("v1 healthy", lambda: rollout_done(h, gen1), 60)
    assert holder(h) == "op-a"  # the follower never took over on its own

    report = h.tmp / "loadgen.json"
    loadgen = h.start("loadgen", [BUILD / "examples" / "loadgen" / "loadgen",
                                  "--directory", h.tmp / "directory.json",
                                  "--sessions", SESSIONS, "--rate", 200, "--duration", 300,
                                  "--settle", 3, "--report", report])
    loadgen.wait_for_line("established", 60)
    watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT)
    watcher.start()
    v1_pods = {p.metadata.name for p in h.core.list_namespaced_pod(h.ns).items}
    h.apply_tier(relay_tier("v2"))
    gen2 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]

    # Mid-drain: a relay says it is draining and still holds sessions.
    victim_pod = wait_for("a relay draining", lambda: draining_pod(h), 60, interval=0.05)
    leader = holder(h)
    follower = "op-b" if leader == "op-a" else "op-a"
    replicas[leader].proc.send_signal(signal.SIGKILL)
    killed_at = time.time()
    replicas[leader].proc.wait(timeout=10)

    # The follower takes the Lease (what it wrote: holderIdentity, acquireTime).
    wait_for("the follower to hold the Lease", lambda: holder(h) == follower,
             TAKEOVER_BOUND_S + 5, interval=0.05)
    seen_at = time.time()
    acquired_at = lease(h).spec.acquire_time.timestamp()

    assert wait_for("the rollout to v2 to complete", lambda: rollout_done(h, gen2), 180,
                    interval=0.5)
    watcher.stop()
    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    print(loadgen.output())
    r = json.loads(report.read_text())

    # The new leader's first write after the kill (the dead one writes nothing
    # more; the Lease itself does not count): from the audit log.
    events = audit_events(h.ns)
    writes = [e for e in events
              if e.get("userAgent", "").startswith("baton/")
              and e["verb"] in ("create", "update", "patch", "delete")
              and e["objectRef"].get("resource") != "leases"
              and rfc3339(e["requestReceivedTimestamp"]) > killed_at]
    assert writes, "no write by the new leader in the audit log"
    first_write_at = min(rfc3339(e["requestReceivedTimestamp"]) for e in writes)
    print(f"killed {leader} while {victim_pod} drained; {follower} acquired the Lease "
          f"{acquired_at - killed_at:.2f}s after the kill (seen {seen_at - killed_at:.2f}s), "
          f"first write {first_write_at - killed_at:.2f}s after; bound {TAKEOVER_BOUND_S}s")
    assert acquired_at - killed_at <= TAKEOVER_BOUND_S
    assert first_write_at - killed_at <= TAKEOVER_BOUND_S

    # No v1 pod was asked to drain twice (its own log) or deleted twice (audit).
    deletes = {}
    for e in events:
        if (e["verb"] == "delete" and e["objectRef"].get("resource") == "pods"
                and e.get("userAgent", "").startswith("baton/")):
            name = e["objectRef"].get("name")
            deletes[name] = deletes.get(name, 0) + 1
    for pod in sorted(v1_pods):
        path = h.pod_logs / f"{h.ns}_{pod}.log"
        log = path.read_text(errors="replace")
        requests = re.findall(r"drain: start requested at_ms=\d+ began=(\d)", log)
        assert requests.count("1") == 1, (pod, requests)
        assert len(requests) == 1, (pod, requests)
        assert deletes.get(pod) == 1, (pod, deletes)
    assert set(deletes) == v1_pods, deletes
    counts = h.sigterm_counts()
    assert set(counts) == v1_pods and all(k <= THRESHOLD for k in counts.values()), counts

    watcher.assert_at_most(1, min_samples=10)
    assert r["sessionsLost"] == 0 and r["sessionsFailed"] == 0, r
    assert r["messages"]["lost"] == 0 and r["messages"]["duplicated"] == 0, r
    assert replicas[follower].proc.poll() is None, replicas[follower].output()
