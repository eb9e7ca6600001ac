"""Issue 11: /metrics and `kubectl baton status --watch` during a real
rollout (operator + pod runner + relays + load generator). The scrapes must
show the values move — sessions left on a draining pod falling, updated pods
rising — not only the names."""
import os
import re
import subprocess
import time
import urllib.request

from harness import BUILD, KUBECTL, wait_for
from tiers import relay_tier as base_tier

REPLICAS = 3
SESSIONS = 900


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def relay_tier(version, pace=120):
    return base_tier(version, replicas=REPLICAS, pace=pace, timeout=300)


def scrape(port):
    """[(name, {labels}, value)] of one /metrics scrape."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
        text = r.read().decode()
    out = []
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m and not line.startswith("#"):
            out.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return out


def values(samples, metric, **labels):
    return [v for n, l, v in samples
            if n == metric and all(l.get(k) == want for k, want in labels.items())]


def test_metrics_and_plugin_follow_a_rollout(harness):
    h = harness
    h.start_pod_runner("relay")
    # Plain HTTP on loopback; secure /metrics is tested in tests/integration/chart.
    operator = h.start_operator("--metrics-secure=false")
    operator.wait_for_line("serving /metrics on", 30)
    port = int(re.search(r"serving /metrics on [\d.]+:(\d+)", operator.output()).group(1))
    h.apply_tier(relay_tier("v1"))
    gen1 = h.get_tier("relaytiers", "relay")["metadata"]["generation"]
    wait_for("v1 healthy", lambda: (s := h.get_tier("relaytiers", "relay").get("status", {}))
             and s.get("observedGeneration") == gen1 and s.get("phase") == "Healthy"
             and s.get("availableReplicas") == REPLICAS, 90)
    wait_for(f"{REPLICAS} relays in the directory",
             lambda: (d := h.directory()) and len(d["endpoints"]) == REPLICAS, 30)

    loadgen = h.start("loadgen", [BUILD / "examples" / "loadgen" / "loadgen",
                                  "--directory", h.tmp / "directory.json",
                                  "--sessions", SESSIONS, "--rate", 400, "--duration", 300,
                                  "--settle", 3, "--report", h.tmp / "loadgen.json"])
    loadgen.wait_for_line("established", 60)
    # Every relay's live count shows up per pod.
    wait_for("per-pod sessions on /metrics",
             lambda: sum(values(scrape(port), "baton_pod_sessions", tier="relay"))
             >= SESSIONS * 0.9, 30)
    before = scrape(port)
    completed_before = sum(values(before, "baton_rollouts_total", tier="relay",
                                  result="completed"))

    # The watch starts once v2 is applied: started before, it would rightly
    # report the v1 rollout complete and exit, as kubectl argo rollouts does.
    h.apply_tier(relay_tier("v2"))
    env = dict(os.environ, PATH=f"{BUILD / 'bin'}{os.pathsep}{os.environ['PATH']}")
    status = subprocess.Popen([KUBECTL, "baton", "status", "relay", "-n", h.ns, "--watch",
                               "--timeout", "240s"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)

    # Scrape through the rollout: (t, updated, {pod: sessions left}).
    series = []
    deadline = time.monotonic() + 240
    while status.poll() is None and time.monotonic() < deadline:
        s = scrape(port)
        left = {l["pod"]: v for n, l, v in s
                if n == "baton_drain_sessions_left" and l.get("tier") == "relay"}
        updated = values(s, "baton_tier_replicas_updated", name="relay")
        series.append((time.monotonic(), updated[0] if updated else None, left))
        time.sleep(0.25)
    out, err = status.communicate(timeout=30)
    print(out, err)
    assert status.returncode == 0, (out, err)
    assert out.splitlines()[-1] == "rollout complete"
    assert any("draining relay-" in line and "sessions left" in line for line in out.splitlines())

    # Sessions left fell while a pod drained: first and last scrape of one pod.
    per_pod = {}
    for _, _, left in series:
        for pod, v in left.items():
            per_pod.setdefault(pod, []).append(v)
    assert len(per_pod) == REPLICAS, per_pod.keys()  # each old pod drained, one at a time
    assert any(len(set(v)) >= 3 and v[0] > v[-1] for v in per_pod.values()), per_pod
    # Updated pods rose to REPLICAS, never falling once the new revision was
    # seen (before that the gauge still counts the old revision's pods).
    updated = [u for _, u, _ in series if u is not None]
    assert min(updated) < REPLICAS, updated
    rising = updated[updated.index(min(updated)):]
    assert all(a <= b for a, b in zip(rising, rising[1:])), updated
    assert len(set(rising)) >= 3, updated  # seen moving, not just jumping to the end

    after = scrape(port)
    assert values(after, "baton_tier_replicas_updated", name="relay") == [REPLICAS]
    assert values(after, "baton_drain_sessions_left", tier="relay") == []  # no drain left
    assert values(after, "baton_tier_info", name="relay", phase="Healthy") == [1]
    assert values(after, "baton_drain_duration_seconds_count", tier="relay") == [REPLICAS]
    assert sum(values(after, "baton_rollouts_total", tier="relay", result="completed")) \
        == completed_before + 1
    assert values(after, "baton_drain_sessions_cut_total", tier="relay") == [0]
    # The controller-runtime / client-go families move too.
    assert sum(values(after, "controller_runtime_reconcile_total", result="success")) > 0
    assert sum(values(after, "workqueue_adds_total", name="tier")) > 0
    assert values(after, "workqueue_work_duration_seconds_count", name="tier")[0] > 0
    assert sum(v for n, l, v in after
               if n == "rest_client_requests_total" and l["code"].startswith("2")) > 0
    assert values(after, "leader_election_master_status") == [1]

    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    assert operator.proc.poll() is None, operator.output()
