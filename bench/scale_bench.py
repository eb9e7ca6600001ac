"""The scale benchmark (issue 20): a RelayTier of example relays run by the
pod runner, live sessions from several load generator processes (the
per-process open-file limit is 20,000), messages flowing, rolled v1 -> v2
by the operator while an independent watcher reads every relay's count.
Prints each target of the issue with PASS or MISS; nothing here is a test.

Reuses the end-to-end harness (tests/e2e/harness.py): the same operator,
pod runner, tier and drain watcher as the steering tests, at scale."""
import datetime
import json
import math
import os
import pathlib
import re
import subprocess
import threading
import time

import harness
from harness import DrainWatcher, Harness, wait_for
from tiers import DRAIN_PORT, relay_tier

TIER = "relay"
# Sessions per load generator process: each needs sessions * 1.1 + 256
# descriptors (examples/loadgen/main.cpp) under the hard limit of 20,000.
SESSIONS_PER_LOADGEN = 12500


def log(msg):
    print(f"[scale {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def add_arguments(ap):
    ap.add_argument("--scale-relays", type=int, default=10)
    ap.add_argument("--scale-sessions", type=int, default=100000)
    ap.add_argument("--scale-loadgens", type=int, default=0,
                    help=f"load generator processes (0: one per {SESSIONS_PER_LOADGEN:,} "
                         "sessions)")
    ap.add_argument("--scale-pace", type=int, default=2000,
                    help="drain.sessionsPerSecond (one drain at a time: the tier's "
                         "reconnect budget)")
    ap.add_argument("--scale-rate", type=int, default=2000,
                    help="chat messages per second, all sessions together")
    ap.add_argument("--scale-capacity", type=int, default=0,
                    help="each relay's --max-sessions (0: 1.5 x the mean, at most 19,000)")


def percentile(values, p):
    """Nearest rank, as the load generator's own percentiles."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))]


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class CpuLedger(threading.Thread):
    """CPU seconds (user + system, /proc/<pid>/stat) of named processes over
    a window, sampled every second so that a process which exits inside the
    window (a drained relay) still counts up to its last sample."""

    def __init__(self, pids_of):
        super().__init__(daemon=True)
        self.pids_of = pids_of  # () -> {pid: group name}
        self.first, self.last, self.group = {}, {}, {}
        self.stop_event = threading.Event()

    @staticmethod
    def cpu(pid):
        try:
            fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def sample(self):
        for pid, name in self.pids_of().items():
            c = self.cpu(pid)
            if c is None:
                continue
            self.first.setdefault(pid, c)
            self.last[pid] = c
            self.group[pid] = name

    def run(self):
        while not self.stop_event.wait(1.0):
            self.sample()

    def stop(self):
        self.sample()
        self.stop_event.set()
        self.join(timeout=10)
        out = {}
        for pid, name in self.group.items():
            out[name] = round(out.get(name, 0) + self.last[pid] - self.first[pid], 2)
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def peak_rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


class ScaleRun:
    def __init__(self, api, args, work_dir):
        self.args = args
        self.relays = args.scale_relays
        self.sessions = args.scale_sessions
        self.mean = self.sessions / self.relays
        self.capacity = args.scale_capacity or min(19000, math.ceil(1.5 * self.mean))
        self.loadgens = args.scale_loadgens or math.ceil(self.sessions / SESSIONS_PER_LOADGEN)
        harness.BUILD = pathlib.Path(args.build_dir)
        self.h = Harness(api, f"bench-scale-{time.strftime('%H%M%S')}", work_dir)
        self.h.pod_logs.mkdir(parents=True, exist_ok=True)

    # --- the tier ---------------------------------------------------------

    def tier(self, version):
        return relay_tier(version, replicas=self.relays, threshold=0, pace=self.args.scale_pace,
                          max_sessions=self.capacity, progressDeadlineSeconds=600,
                          extra_args=("--directory", str(self.h.tmp / "directory.json")))

    def generation(self):
        return self.h.get_tier("relaytiers", TIER)["metadata"]["generation"]

    def rolled(self, generation, old_pods):
        s = self.h.get_tier("relaytiers", TIER).get("status", {})
        if not (s.get("observedGeneration") == generation and s.get("phase") == "Healthy"
                and s.get("updatedReplicas") == self.relays and s.get("replicas") == self.relays):
            return False
        return not old_pods & set(self.h.pods())

    def roll(self, version, timeout):
        """Applies `version`; returns the seconds until every pod is replaced."""
        old = set(self.h.pods())
        t0 = time.monotonic()
        self.h.apply_tier(self.tier(version))
        gen = self.generation()
        wait_for(f"every relay on {version}", lambda: self.rolled(gen, old), timeout,
                 interval=0.2)
        return time.monotonic() - t0

    def relay_counts(self):
        return {p.metadata.name: (self.h.drain_reading(p, DRAIN_PORT) or {}).get("sessions")
                for p in self.h.pods().values()}

    # --- processes --------------------------------------------------------

    def pids(self):
        """pid -> group, for the CPU ledger: our processes, the relays the pod
        runner started, the control plane's (scripts/cluster's pid files)."""
        out = {p.proc.pid: p.name.split("-")[0] if p.name.startswith("loadgen") else p.name
               for p in self.h.processes}
        runner = self.h.tmp / "pod-runner.log"
        if runner.exists():
            for m in re.finditer(r"started \S+ pid=(\d+)", runner.read_text(errors="replace")):
                out[int(m.group(1))] = "relays"
        pid_dir = pathlib.Path(os.environ.get("BATON_CLUSTER_DIR", "/nonexistent")) / "pids"
        for f in pid_dir.glob("*.pid"):
            try:
                out[int(f.read_text().strip())] = f.stem
            except ValueError:
                pass
        return out

    def start_loadgens(self):
        procs = []
        per = [self.sessions // self.loadgens + (1 if i < self.sessions % self.loadgens else 0)
               for i in range(self.loadgens)]
        for i, n in enumerate(per):
            procs.append(self.h.start(f"loadgen-{i}", [
                harness.BUILD / "examples" / "loadgen" / "loadgen",
                "--directory", self.h.tmp / "directory.json", "--sessions", n,
                "--rate", max(1, self.args.scale_rate * n // self.sessions),
                "--duration", 7200, "--settle", 10, "--user-prefix", f"g{i}-",
                "--allow-loss", "--report", self.h.tmp / f"loadgen-{i}.json"]))
        for p in procs:
            p.wait_for_line("established", 120 + self.sessions / 100)
        return procs

    def stop_loadgens(self, procs):
        reports = []
        for p in procs:
            code = p.stop(sig=2, timeout=180)
            if code != 0:
                raise RuntimeError(f"{p.name} exited {code}: {p.output()[-2000:]}")
            reports.append(self.h.tmp / f"{p.name}.json")
        merged = self.h.tmp / "loadgen-merged.json"
        r = subprocess.run([str(harness.BUILD / "examples" / "loadgen" / "loadgen"), "merge",
                            "--allow-loss", "--report", str(merged), *map(str, reports)],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"loadgen merge: {r.stdout}{r.stderr}")
        log(r.stdout.strip())
        return json.loads(merged.read_text()), [json.loads(f.read_text()) for f in reports]

    # --- the run ----------------------------------------------------------

    def run(self):
        h = self.h
        a = self.args
        log(f"{self.relays} relays (capacity {self.capacity}), {self.sessions} sessions from "
            f"{self.loadgens} load generators, pace {a.scale_pace}/s, {a.scale_rate} msg/s")
        h.start_pod_runner(TIER)
        op = h.start_operator()
        h.apply_tier(self.tier("v0"))
        h.wait_serving("relaytiers", TIER, self.relays)
        # The per-pod overhead of the floor: the same rollout with no session.
        idle_s = self.roll("v1", 60 + 20 * self.relays)
        log(f"idle rollout v0 -> v1: {idle_s:.1f} s ({idle_s / self.relays:.2f} s per pod)")

        t = time.monotonic()
        loadgens = self.start_loadgens()
        connect_s = time.monotonic() - t
        log(f"{self.sessions} sessions established in {connect_s:.1f} s")
        before = wait_for(f"the relays to count {self.sessions} sessions",
                          lambda: (c := self.relay_counts()) and all(
                              v is not None for v in c.values())
                          and sum(c.values()) == self.sessions and c, 120, interval=0.5)
        # Steering weighs the counts the directory publishes (every 5 s at most).
        wait_for("the directory to publish every count", lambda: (d := h.directory()) and sum(
            e.get("sessions") or 0 for e in d["endpoints"]) == self.sessions, 30, interval=0.5)
        log(f"before the rollout: {sorted(before.values(), reverse=True)}")

        watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT, max_s=3600, interval=0.1)
        cpu = CpuLedger(self.pids)
        cpu.sample()
        cpu.start()
        watcher.start()
        floor_s = self.sessions / a.scale_pace + idle_s
        rollout_s = self.roll("v2", 300 + 10 * floor_s)
        watcher.stop()
        cpu_s = cpu.stop()
        op_hwm = peak_rss_kib(op.proc.pid)
        log(f"rollout v1 -> v2: {rollout_s:.1f} s")
        time.sleep(3)  # messages keep flowing on the new relays
        merged, reports = self.stop_loadgens(loadgens)
        return self.figures(merged, reports, before, watcher, idle_s, rollout_s, connect_s,
                            cpu_s, op_hwm)

    def figures(self, merged, reports, before, watcher, idle_s, rollout_s, connect_s, cpu_s,
                op_hwm):
        a = self.args
        m = merged["messages"]
        floor_s = self.sessions / a.scale_pace + idle_s
        most = max(watcher.max_sessions.items(), key=lambda kv: kv[1]) \
            if watcher.max_sessions else ("-", 0)
        held = sum(1 for f in self.h.pod_logs.glob("*.log")
                   if "relay: holding" in f.read_text(errors="replace"))
        return {
            "relays": self.relays, "sessions": self.sessions, "loadgens": self.loadgens,
            "pace": a.scale_pace, "messageRate": a.scale_rate, "capacity": self.capacity,
            "connectSeconds": round(connect_s, 1),
            "established": merged["established"],
            "sessionsLost": merged["sessionsLost"], "sessionsFailed": merged["sessionsFailed"],
            "messages": m,
            "reconnectP50Ms": merged["reconnectP50Ms"], "reconnectP99Ms": merged["reconnectP99Ms"],
            "moves": merged["moves"],
            "movesPerSession": round(merged["moves"] / max(1, merged["established"]), 4),
            "before": sorted(before.values(), reverse=True),
            "meanBefore": self.mean,
            "maxRelayLoad": most[1], "maxRelayPod": most[0],
            "watcherSamples": watcher.samples, "maxDrainingAtOnce": watcher.max_draining,
            "peakReconnectsPerSecond": merged["maxReconnectsPerSecond"],
            "peakReconnectsPer100ms": merged["maxReconnectsPer100ms"],
            "reconnectBudgetPerSecond": a.scale_pace,
            "rolloutSeconds": round(rollout_s, 1), "idleRolloutSeconds": round(idle_s, 1),
            "floorSeconds": round(floor_s, 1),
            "operatorCpuSeconds": cpu_s.get("operator"),
            "operatorPeakRssKiB": op_hwm,
            "cpuSecondsDuringRollout": cpu_s,
            "finalSpread": sorted(merged["sessionsPerRelay"].values(), reverse=True),
            "relaysThatHeldSessions": held,
            "handoversAtSigterm": self.h.handovers(),
            "propagation": propagation(reports),
        }

    def close(self):
        self.h.close()


def propagation(reports):
    """Operator write -> ConfigMap -> projected file -> load generator: for
    each version of the directory a process saw after its start (its first
    read is not a propagation), updatedAt (Baton's clock just before the
    write) to the moment the process loaded it, split at the file's mtime
    (the pod runner's mirror replacing it). `taking` counts only versions
    that changed who takes sessions, the ones a rollout waits for."""
    every, taking, write, read = [], [], [], []
    for r in reports:
        prev = None
        for s in r["directorySightings"]:
            if prev is not None:
                try:
                    at = parse_time(s["updatedAt"])
                except ValueError:
                    prev = s
                    continue
                total = s["seenUnixUs"] / 1e6 - at
                every.append(total * 1000)
                write.append((s["fileMtimeUnixUs"] / 1e6 - at) * 1000)
                read.append((s["seenUnixUs"] - s["fileMtimeUnixUs"]) / 1000)
                if s["taking"] != prev["taking"]:
                    taking.append(total * 1000)
            prev = s
    q = lambda v: {"samples": len(v), "p50Ms": rnd(percentile(v, 50)),  # noqa: E731
                   "p99Ms": rnd(percentile(v, 99)), "maxMs": rnd(max(v) if v else None)}
    return {"everyVersion": q(every), "takingChanged": q(taking),
            "writeToFile": q(write), "fileToReader": q(read)}


def rnd(v):
    return None if v is None else round(v, 1)


def verdict(ok):
    return "PASS" if ok else "MISS"


def table(r):
    """The figures and each target of issue 20, PASS or MISS first."""
    m = r["messages"]
    p = r["propagation"]
    bound = 1.2 * r["meanBefore"]
    budget = r["reconnectBudgetPerSecond"]
    overhead = r["idleRolloutSeconds"]
    row = lambda ok, text, target: f"  {verdict(ok)}  {text}  [{target}]"  # noqa: E731
    info = lambda text: f"        {text}"  # noqa: E731
    return [
        f"Scale: {r['relays']} relays (capacity {r['capacity']:,}), {r['sessions']:,} sessions "
        f"from {r['loadgens']} load generators, pace {r['pace']:,}/s, {r['messageRate']:,} msg/s "
        f"(established in {r['connectSeconds']} s)",
        row(r["sessionsLost"] == 0 and r["sessionsFailed"] == 0
            and r["established"] == r["sessions"],
            f"sessions lost / failed: {r['sessionsLost']} / {r['sessionsFailed']} "
            f"(established {r['established']:,})", "0"),
        row(m["lost"] == 0 and m["duplicated"] == 0 and m["unanswered"] == 0
            and m["unexpected"] == 0,
            f"messages lost: {m['lost']} (sent {m['sent']:,}, delivered {m['delivered']:,}, "
            f"duplicated {m['duplicated']}, unanswered {m['unanswered']})", "0"),
        row(r["reconnectP99Ms"] < 1000,
            f"reconnect p50 / p99: {r['reconnectP50Ms']:.1f} / {r['reconnectP99Ms']:.1f} ms",
            "p99 < 1 s"),
        row(r["movesPerSession"] <= 1.05,
            f"moves per session: {r['movesPerSession']:.3f} ({r['moves']:,} moves)", "<= 1.05"),
        row(r["maxRelayLoad"] <= bound,
            f"max relay load: {r['maxRelayLoad']:,} ({r['maxRelayPod']}) vs {bound:,.0f}",
            f"<= 120 % of the mean before, {r['meanBefore']:,.0f}"),
        row(r["peakReconnectsPerSecond"] <= 1.1 * budget,
            f"reconnects/s, peak in any 1 s: {r['peakReconnectsPerSecond']:,} vs budget "
            f"{budget:,} (peak 100 ms: {r['peakReconnectsPer100ms']})", "within 10 %"),
        row(r["rolloutSeconds"] <= 1.15 * r["floorSeconds"],
            f"rollout duration: {r['rolloutSeconds']} s vs floor {r['floorSeconds']} s "
            f"({r['sessions']:,} / {r['pace']:,} + idle rollout {overhead} s)", "within 15 %"),
        info(f"operator: CPU {r['operatorCpuSeconds']} s during the rollout "
             f"({100 * (r['operatorCpuSeconds'] or 0) / max(r['rolloutSeconds'], 0.1):.1f} % of "
             f"a core), peak RSS {(r['operatorPeakRssKiB'] or 0) / 1024:.1f} MiB"),
        info(f"sessions per relay before: {r['before']}"),
        info(f"sessions per relay after:  {r['finalSpread']}"),
        info(f"drains at once (watcher): {r['maxDrainingAtOnce']} in {r['watcherSamples']} "
             f"samples; relays that held sessions: {r['relaysThatHeldSessions']}; handovers at "
             f"SIGTERM (handed, cut): {sorted(set(r['handoversAtSigterm'].values()))}"),
        info(f"directory propagation, who takes sessions changed: "
             f"n={p['takingChanged']['samples']} p50 {p['takingChanged']['p50Ms']} ms p99 "
             f"{p['takingChanged']['p99Ms']} ms; every version: n={p['everyVersion']['samples']}"
             f" p50 {p['everyVersion']['p50Ms']} ms p99 {p['everyVersion']['p99Ms']} ms"),
        info(f"  (write -> file p50 {p['writeToFile']['p50Ms']} p99 {p['writeToFile']['p99Ms']}"
             f" ms; file -> reader p50 {p['fileToReader']['p50Ms']} p99 "
             f"{p['fileToReader']['p99Ms']} ms)"),
        info(f"CPU seconds during the rollout: {r['cpuSecondsDuringRollout']}"),
    ]


def run(api, args, work_dir):
    (pathlib.Path(work_dir) / "scale").mkdir(parents=True, exist_ok=True)
    s = ScaleRun(api, args, pathlib.Path(work_dir) / "scale")
    try:
        return s.run()
    finally:
        s.close()
