"""SessionTier at scale (issue 20): 4 registry shards holding N entries in
all (1,000,000 by default) rolled v1 -> v2 while the registry load
generator keeps looking users up and re-registering some; every failed or
wrong lookup counts. Prints the handover rate and each shard's memory.

The tier is the end-to-end test's (tests/e2e/test_session_tier.py), run by
the same harness; only the size differs."""
import json
import pathlib
import re
import time

import harness
from harness import DrainWatcher, Harness, wait_for
from test_session_tier import DRAIN_PORT, SHARDS, registry_entries, rollout_done, session_tier


def log(msg):
    print(f"[session-scale {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def add_arguments(ap):
    ap.add_argument("--session-entries", type=int, default=1000000,
                    help="users registered across the 4 shards")
    ap.add_argument("--session-pace", type=int, default=20000,
                    help="drain.sessionsPerSecond: entries handed over per second")
    ap.add_argument("--session-rate", type=int, default=2000,
                    help="lookups and re-registrations per second during the rollout")


def rss_kib(pid):
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def shard_rss(h):
    """pod name -> VmRSS (KiB) of the registry process the pod runner started."""
    text = (h.tmp / "pod-runner.log").read_text(errors="replace")
    pids = {m.group(1): int(m.group(2))
            for m in re.finditer(rf"started {h.ns}/(\S+) pid=(\d+)", text)}
    return {pod: rss_kib(pid) for pod, pid in pids.items() if pod in h.pods()}


def drain_starts_ms(h):
    out = []
    for f in h.pod_logs.glob(f"{h.ns}_*.log"):
        m = re.search(r"drain: start requested at_ms=(\d+) began=1", f.read_text(errors="replace"))
        if m:
            out.append(int(m.group(1)))
    return sorted(out)


def run(api, args, work_dir):
    tmp = pathlib.Path(work_dir) / "session-scale"
    tmp.mkdir(parents=True, exist_ok=True)
    harness.BUILD = pathlib.Path(args.build_dir)
    h = Harness(api, f"bench-sessions-{time.strftime('%H%M%S')}", tmp)
    h.pod_logs.mkdir(parents=True, exist_ok=True)
    directory = h.tmp / "directory.json"

    def tier(version):
        t = session_tier(version, directory)
        t["spec"]["drain"].update({"sessionsPerSecond": args.session_pace,
                                   "timeoutSeconds": 1800})
        t["spec"]["rollout"]["progressDeadlineSeconds"] = 1800
        return t
    try:
        h.start_pod_runner("sessions")
        op = h.start_operator()
        h.apply_tier(tier("v1"))
        wait_for(f"{SHARDS} shards in the directory",
                 lambda: (d := h.directory()) and len(d["endpoints"]) == SHARDS, 90)
        gen1 = h.get_tier("sessiontiers", "sessions")["metadata"]["generation"]
        wait_for("v1 healthy", lambda: rollout_done(h, gen1), 60)
        empty = shard_rss(h)
        report = h.tmp / "loadgen.json"
        t = time.monotonic()
        loadgen = h.start("loadgen", [harness.BUILD / "examples" / "loadgen" / "loadgen",
                                      "registry", "--directory", directory,
                                      "--users", args.session_entries,
                                      "--rate", args.session_rate, "--write-fraction", 0.1,
                                      "--workers", 4, "--duration", 7200, "--report", report])
        loadgen.wait_for_line("registered", 60 + args.session_entries / 1000)
        register_s = time.monotonic() - t
        held = registry_entries(h)
        full = shard_rss(h)
        log(f"{held} entries registered in {register_s:.1f} s; shard RSS KiB {full}")

        watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT, max_s=3600, interval=0.2)
        watcher.start()
        time.sleep(2)  # lookups before the rollout
        t0 = time.time()
        h.apply_tier(tier("v2"))
        gen2 = h.get_tier("sessiontiers", "sessions")["metadata"]["generation"]
        wait_for("the rollout to v2", lambda: rollout_done(h, gen2),
                 300 + 4 * args.session_entries / args.session_pace, interval=0.5)
        t1 = time.time()
        watcher.stop()
        after = registry_entries(h)
        new_rss = shard_rss(h)
        time.sleep(2)  # and after
        if loadgen.stop(sig=2, timeout=120) not in (0, 1):
            raise RuntimeError(loadgen.output()[-2000:])
        r = json.loads(report.read_text())
        starts = drain_starts_ms(h)
        handing_s = t1 - starts[0] / 1000 if starts else None
        return {"shards": SHARDS, "entries": args.session_entries, "pace": args.session_pace,
                "rate": args.session_rate, "registerSeconds": round(register_s, 1),
                "entriesBefore": held, "entriesAfter": after,
                "rolloutSeconds": round(t1 - t0, 1),
                "firstDrainToEndSeconds": round(handing_s, 1) if handing_s else None,
                "handoverEntriesPerSecond": round(held / handing_s) if handing_s else None,
                "maxDrainingAtOnce": watcher.max_draining,
                "shardRssKiBEmpty": empty, "shardRssKiBFull": full,
                "shardRssKiBAfter": new_rss,
                "operatorPeakRssKiB": peak_rss(op.proc.pid),
                "loadgen": r}
    finally:
        h.close()


def peak_rss(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def table(r):
    lg = r["loadgen"]
    failed = lg["readsFailed"] + lg["writesFailed"] + lg["wrong"] + lg["setupFailed"]
    full = [v for v in r["shardRssKiBFull"].values() if v]
    empty = [v for v in r["shardRssKiBEmpty"].values() if v]
    per_entry = ((sum(full) - sum(empty)) * 1024 / r["entriesBefore"]) if full and empty else 0
    return [
        f"SessionTier: {r['shards']} shards, {r['entriesBefore']:,} entries (registered in "
        f"{r['registerSeconds']} s), pace {r['pace']:,}/s, {r['rate']:,} operations/s",
        f"  {'PASS' if failed == 0 else 'MISS'}  failed lookups: reads {lg['readsFailed']} of "
        f"{lg['reads']:,}, writes {lg['writesFailed']} of {lg['writes']:,}, wrong {lg['wrong']}"
        f"  [0]",
        f"  {'PASS' if r['entriesAfter'] == r['entriesBefore'] else 'MISS'}  entries after: "
        f"{r['entriesAfter']:,}  [all of them]",
        f"        rollout {r['rolloutSeconds']} s; first drain to end {r['firstDrainToEndSeconds']}"
        f" s: {r['handoverEntriesPerSecond']:,} entries/s handed over (pace {r['pace']:,}/s); "
        f"shards draining at once: {r['maxDrainingAtOnce']}",
        f"        shard RSS: empty {[round(v / 1024, 1) for v in empty]} MiB, full "
        f"{[round(v / 1024, 1) for v in full]} MiB ({per_entry:.0f} B/entry); after the "
        f"rollout {[round((v or 0) / 1024, 1) for v in r['shardRssKiBAfter'].values()]} MiB",
    ]
