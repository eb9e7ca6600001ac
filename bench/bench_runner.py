"""Baton's benchmarks, side by side with kube-controller-manager, on one
local control plane in one session (so that a ratio means something on a
noisy machine). Figures, not tests: nothing here passes or fails on a number.

Started by bench/run; see bench/RESULTS.md for what each figure means."""
import argparse
import concurrent.futures
import datetime
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import yaml
from kubernetes import client, config, watch

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from harness import wait_for  # noqa: E402  (the e2e tests' bounded poll)
import client_go_memory  # noqa: E402  (bench/, beside this file)
import scale_bench  # noqa: E402  (bench/scale_bench.py: issue 20's scale run)
import session_scale_bench  # noqa: E402  (issue 20: a SessionTier of 1,000,000 entries)
import targets  # noqa: E402
# kubectl of the cluster's own release: scripts/cluster env exports it.
KUBECTL = os.environ.get("BATON_KUBECTL", "kubectl")
# Baton's client identity in the audit log: the admin certificate is shared
# with this script and kubectl, so Baton is told apart by its User-Agent.
BATON_UA = "baton/"
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}
READ_VERBS = {"get", "list", "watch"}


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def kubectl(*args, check=True, stdin=None):
    r = subprocess.run([KUBECTL, *args], capture_output=True, text=True, timeout=300, input=stdin)
    if check and r.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args)}: {r.stderr}")
    return r


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


class Process:
    def __init__(self, name, argv, log_dir, env=None):
        self.name = name
        self.log_path = pathlib.Path(log_dir) / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(a) for a in argv], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=env or dict(os.environ), start_new_session=True)

    @property
    def pid(self):
        return self.proc.pid

    def output(self):
        return self.log_path.read_text(errors="replace")

    def proc_status(self):
        """VmRSS, VmHWM, RssAnon and RssFile in KiB, from /proc/<pid>/status."""
        out = {}
        for line in pathlib.Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:", "RssFile:")):
                out[line.split(":")[0]] = int(line.split()[1])
        return out

    def cpu_seconds(self):
        fields = pathlib.Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class IpRecycler(threading.Thread):
    """kwok hands a deleted pod's IP to the next pod; the responder keys its
    state by IP, so on a pod's deletion (or an IP changing hands) it is told
    to forget that IP: the next pod there is a new process, serving."""

    def __init__(self, core, ports):
        super().__init__(daemon=True)
        self.core, self.ports = core, ports
        self.stop_event = threading.Event()
        self.owner = {}
        self.forgotten = 0

    def forget(self, ip):
        for port in self.ports:
            try:
                urllib.request.urlopen(urllib.request.Request(
                    f"http://127.0.0.1:{port}/bench/forget?ip={ip}", data=b"", method="POST"),
                    timeout=2).read()
            except OSError:
                pass
        self.forgotten += 1

    def run(self):
        while not self.stop_event.is_set():
            w = watch.Watch()
            try:
                for ev in w.stream(self.core.list_pod_for_all_namespaces,
                                   label_selector="app=bench", timeout_seconds=5):
                    p = ev["object"]
                    ip, uid = p.status.pod_ip, p.metadata.uid
                    if not ip:
                        continue
                    if ev["type"] == "DELETED":
                        if self.owner.get(ip) == uid:
                            del self.owner[ip]
                        self.forget(ip)
                    elif self.owner.get(ip) not in (None, uid):
                        self.owner[ip] = uid
                        self.forget(ip)
                    else:
                        self.owner[ip] = uid
                    if self.stop_event.is_set():
                        break
            except Exception as ex:  # noqa: BLE001 - a broken watch is restarted
                log(f"ip recycler: {ex}")
                time.sleep(0.5)

    def stop(self):
        self.stop_event.set()
        self.join(timeout=15)


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = pathlib.Path(args.build_dir)
        self.tmp = pathlib.Path(args.work_dir)
        self.tmp.mkdir(parents=True, exist_ok=True)
        config.load_kube_config()
        self.api = client.ApiClient()
        self.core = client.CoreV1Api(self.api)
        self.apps = client.AppsV1Api(self.api)
        self.custom = client.CustomObjectsApi(self.api)
        self.audit_path = pathlib.Path(os.environ["BATON_AUDIT_LOG"])
        self.run_id = time.strftime("%H%M%S")
        self.processes = []
        self.namespaces = []
        self.switch_log = self.tmp / "switches.log"

    # --- processes ------------------------------------------------------------

    def start(self, name, argv, env=None):
        p = Process(name, argv, self.tmp, env)
        self.processes.append(p)
        return p

    def start_responder(self, name, sessions=0, drain_ms=0):
        p = self.start(name, [self.build / "bench" / "drain_responder", "--port", 0,
                              "--sessions", sessions, "--drain-ms", drain_ms,
                              "--switch-log", self.switch_log])
        m = wait_for(f"{name} to listen",
                     lambda: re.search(r"listening on [\d.]+:(\d+)", p.output()), 10)
        p.port = int(m.group(1))
        return p

    def start_operator(self, name, namespaces, env_extra=None, binary=None):
        env = dict(os.environ)
        env.update(env_extra or {})
        return self.start(name, [binary or self.build / "operator" / "baton-operator",
                                 "--kubeconfig", os.environ["KUBECONFIG"],
                                 "--namespaces", ",".join(namespaces), "--leader-elect=false",
                                 "--metrics-bind-address", "127.0.0.1:0",
                                 "--health-probe-bind-address", "127.0.0.1:0",
                                 "--log-format", "text"], env)

    def close(self):
        for p in reversed(self.processes):
            p.stop()
        if self.args.keep:
            return
        for ns in self.namespaces:
            for t in self.custom.list_namespaced_custom_object(
                    "baton.dev", "v1alpha1", ns, "relaytiers")["items"]:
                self.custom.patch_namespaced_custom_object(
                    "baton.dev", "v1alpha1", ns, "relaytiers", t["metadata"]["name"],
                    {"metadata": {"finalizers": None}})
            kubectl("delete", "namespace", ns, "--wait=false", check=False)

    # --- cluster helpers ------------------------------------------------------

    def ensure_crds(self):
        kubectl("apply", "--server-side", "--force-conflicts", "-f", str(REPO / "crds"))
        kubectl("wait", "--for=condition=Established", "--timeout=60s",
                "crd/relaytiers.baton.dev")

    def namespace(self, what):
        ns = f"bench-{what}-{self.run_id}-{len(self.namespaces)}"
        self.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
        self.namespaces.append(ns)
        return ns

    def pods_raw(self, ns, selector):
        r = self.core.list_namespaced_pod(ns, label_selector=selector, _preload_content=False)
        return json.loads(r.data)["items"]

    @staticmethod
    def pod_ready(p):
        return any(c["type"] == "Ready" and c["status"] == "True"
                   for c in p.get("status", {}).get("conditions", []) or [])

    def apply(self, doc, ns):
        doc.setdefault("metadata", {})["namespace"] = ns
        kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=bench",
                "-f", "-", stdin=yaml.safe_dump(doc))

    # --- rollouts -------------------------------------------------------------

    @staticmethod
    def pod_template(image, drain_port):
        return {"metadata": {"labels": {"app": "bench"}},
                "spec": {"terminationGracePeriodSeconds": 0,
                         "containers": [{"name": "app", "image": image,
                                         "ports": [{"name": "serve", "containerPort": 7000},
                                                   {"name": "drain",
                                                    "containerPort": drain_port}]}]}}

    def relay_tier(self, name, replicas, image, drain_port, paused=False, poll_s=5):
        return {"apiVersion": "baton.dev/v1alpha1", "kind": "RelayTier",
                "metadata": {"name": name},
                "spec": {"replicas": replicas, "servingPort": 7000,
                         "template": self.pod_template(image, drain_port),
                         "drain": {"port": drain_port, "sessionThreshold": 0,
                                   "pollIntervalSeconds": poll_s, "timeoutSeconds": 600,
                                   "onTimeout": "Pause", "sessionsPerSecond": 1000},
                         "rollout": {"maxSurge": 1, "maxUnavailable": 0,
                                     "maxConcurrentDrains": 1, "minReadySeconds": 0,
                                     "progressDeadlineSeconds": 600, "paused": paused}}}

    def statefulset(self, replicas, image, drain_port):
        return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "bench"},
                "spec": {"replicas": replicas, "serviceName": "bench",
                         "podManagementPolicy": "Parallel", "minReadySeconds": 0,
                         "selector": {"matchLabels": {"app": "bench"}},
                         "updateStrategy": {"type": "RollingUpdate"},
                         "template": self.pod_template(image, drain_port)}}

    def deployment(self, replicas, image, drain_port):
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bench"},
                "spec": {"replicas": replicas, "minReadySeconds": 0,
                         "selector": {"matchLabels": {"app": "bench"}},
                         "strategy": {"type": "RollingUpdate",
                                      "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                         "template": self.pod_template(image, drain_port)}}

    def settled(self, ns, n, image, ips):
        """The same end state for every system: exactly n pods, none
        terminating, all Ready, all on `image`. Records pod name -> IP."""
        pods = self.pods_raw(ns, "app=bench")
        for p in pods:
            ip = p.get("status", {}).get("podIP")
            if ip:
                ips[p["metadata"]["name"]] = ip
        if len(pods) != n:
            return False
        return all(not p["metadata"].get("deletionTimestamp") and self.pod_ready(p)
                   and p["spec"]["containers"][0]["image"] == image for p in pods)

    def rollout(self, system, n, responder, tag=""):
        ns = self.namespace(f"{system}{tag}-{n}")
        port = responder.port
        operator = None
        if system.startswith("baton"):
            # "baton-poll1": the same with drain.pollIntervalSeconds 1.
            poll_s = 1 if system == "baton-poll1" else self.args.poll_seconds
            operator = self.start_operator(f"operator-{system}-{n}", [ns])
            make = lambda image: self.relay_tier(  # noqa: E731
                "bench", n, image, port, poll_s=poll_s)
        elif system == "statefulset":
            make = lambda image: self.statefulset(n, image, port)  # noqa: E731
        else:
            make = lambda image: self.deployment(n, image, port)  # noqa: E731
        ips = {}
        self.apply(make("bench:v1"), ns)
        wait_for(f"{system} {n} pods on v1", lambda: self.settled(ns, n, "bench:v1", ips),
                 120 + n, interval=0.5)
        time.sleep(2)  # let status writes of the scale-up pass before the clock starts
        t0 = time.time()
        self.apply(make("bench:v2"), ns)
        wait_for(f"{system} {n} pods on v2", lambda: self.settled(ns, n, "bench:v2", ips),
                 60 + 10 * n, interval=0.2)
        t1 = time.time()
        if operator is not None:
            time.sleep(2)
            operator.stop()
        log(f"rollout {system} {n}: {t1 - t0:.2f} s")
        return {"system": system, "pods": n, "namespace": ns, "seconds": round(t1 - t0, 3),
                "t0": t0, "t1": t1, "ips": ips}

    # --- audit log ------------------------------------------------------------

    def audit_events(self):
        """Every completed request in the audit log(s), rotated ones included."""
        files = sorted(self.audit_path.parent.glob(self.audit_path.stem + "*.log"))
        for f in files:
            with open(f, errors="replace") as fh:
                for line in fh:
                    try:
                        e = json.loads(line)
                    except ValueError:
                        continue
                    if e.get("stage") == "ResponseComplete":
                        yield e

    @staticmethod
    def identity(e):
        user = e.get("user", {}).get("username", "?")
        ua = e.get("userAgent", "")
        if ua.startswith(BATON_UA):
            return "baton-operator"
        if user.startswith("system:serviceaccount:kube-system:"):
            return "kcm:" + user.rsplit(":", 1)[1]
        if user.startswith("kwok"):
            return "kwok"
        if user == "system:kube-scheduler":
            return "kube-scheduler"
        return f"{user} ({ua.split('/')[0]})"

    @staticmethod
    def ts(s):
        return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()

    def api_cost(self, rollouts, events):
        """Requests per replaced pod in each rollout's namespace, from the
        patch of v2 until 3 s after the last pod settled, by client."""
        by_ns = {r["namespace"]: r for r in rollouts}
        counts = {ns: {} for ns in by_ns}
        for e in events:
            ref = e.get("objectRef", {})
            r = by_ns.get(ref.get("namespace"))
            if r is None:
                continue
            t = self.ts(e["requestReceivedTimestamp"])
            if not r["t0"] <= t <= r["t1"] + 3:
                continue
            verb = e.get("verb")
            kind = "write" if verb in WRITE_VERBS else "read" if verb in READ_VERBS else None
            if kind is None:
                continue
            who = self.identity(e)
            c = counts[ref["namespace"]].setdefault(who, {})
            res = ref.get("resource", "?") + ("/" + ref["subresource"]
                                              if ref.get("subresource") else "")
            key = f"{kind}:{res}"
            c[key] = c.get(key, 0) + 1
        out = []
        for ns, r in by_ns.items():
            per_client = {}
            for who, c in counts[ns].items():
                n = r["pods"]
                per_client[who] = {
                    "podWritesPerPod": round(sum(v for k, v in c.items()
                                                 if k.startswith("write:pods")) / n, 2),
                    "writesPerPod": round(sum(v for k, v in c.items()
                                              if k.startswith("write:")) / n, 2),
                    "readsPerPod": round(sum(v for k, v in c.items()
                                             if k.startswith("read:")) / n, 2),
                    "requests": c}
            out.append({"system": r["system"], "pods": r["pods"], "clients": per_client})
        return out

    def reaction(self, rollout, events):
        """From a pod's switch to 0 sessions (the responder's log) to Baton's
        delete of that pod (audit requestReceivedTimestamp), in ms."""
        switches = {}
        for line in self.switch_log.read_text().splitlines():
            ip, us = line.split()
            switches.setdefault(ip, []).append(int(us) / 1e6)
        lat = []
        for e in events:
            ref = e.get("objectRef", {})
            if (ref.get("namespace") != rollout["namespace"] or e.get("verb") != "delete"
                    or ref.get("resource") != "pods" or self.identity(e) != "baton-operator"):
                continue
            td = self.ts(e["requestReceivedTimestamp"])
            ip = rollout["ips"].get(ref.get("name"))
            cands = [s for s in switches.get(ip, []) if rollout["t0"] - 1 <= s <= td]
            if cands:
                lat.append((td - max(cands)) * 1000)
        return {"samples": len(lat),
                "p50Ms": round(percentile(lat, 50), 1) if lat else None,
                "p99Ms": round(percentile(lat, 99), 1) if lat else None,
                "maxMs": round(max(lat), 1) if lat else None}

    # --- memory ---------------------------------------------------------------

    def create_pods(self, ns, tiers, start, end, workers=16):
        """Pods start..end-1 spread over the tiers, created in parallel
        bounded batches, shaped as Baton's own (labels, owner reference)."""
        def one(i):
            t = tiers[i % len(tiers)]
            body = {"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": f"{t['name']}-m{i}",
                                 "labels": {"app": "bench", "baton.dev/tier": t["name"],
                                            "baton.dev/kind": "RelayTier",
                                            "baton.dev/revision": t["revision"],
                                            "baton.dev/role": "serving"},
                                 "ownerReferences": [{"apiVersion": "baton.dev/v1alpha1",
                                                      "kind": "RelayTier", "name": t["name"],
                                                      "uid": t["uid"], "controller": True,
                                                      "blockOwnerDeletion": True}]},
                    "spec": self.pod_template("bench:v1", t["port"])["spec"]}
            for attempt in range(5):
                try:
                    self.core.create_namespaced_pod(ns, body, _preload_content=False)
                    return
                except client.ApiException as ex:
                    if ex.status == 409:
                        return
                    time.sleep(0.5 * (attempt + 1))
            raise RuntimeError(f"could not create pod {i}")
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, range(start, end)))

    def wait_operator_settled(self, op, max_s=120):
        """RSS steady (within 1% over 3 samples 2 s apart) and under 20% of a
        core, after at least 10 s."""
        t0 = time.monotonic()
        samples = []
        cpu_prev = op.cpu_seconds()
        while time.monotonic() - t0 < max_s:
            time.sleep(2)
            if op.proc.poll() is not None:
                raise RuntimeError(f"{op.name} exited: {op.output()[-2000:]}")
            rss = op.proc_status()["VmRSS"]
            cpu = op.cpu_seconds()
            samples.append((rss, cpu - cpu_prev))
            cpu_prev = cpu
            last = samples[-3:]
            if (time.monotonic() - t0 >= 10 and len(last) == 3
                    and max(r for r, _ in last) <= 1.01 * min(r for r, _ in last)
                    and all(c / 2 < 0.2 for _, c in last)):
                break
        return time.monotonic() - t0

    def memory(self, responder):
        sizes = self.args.memory_sizes
        ntiers = self.args.memory_tiers
        ns = self.namespace("memory")
        tiers = []
        for k in range(ntiers):
            name = f"t{k:03d}"
            self.apply(self.relay_tier(name, max(1, max(sizes) // ntiers), "bench:v1",
                                       responder.port, paused=True), ns)
        # One pass of the operator gives each tier its updateRevision, so the
        # pods created below are current, not outdated.
        op = self.start_operator("operator-memory-setup", [ns])
        for k in range(ntiers):
            name = f"t{k:03d}"
            t = wait_for(f"tier {name} status", lambda n=name: (
                o := self.custom.get_namespaced_custom_object(
                    "baton.dev", "v1alpha1", ns, "relaytiers", n)).get("status", {}).get(
                        "updateRevision") and o, 60)
            tiers.append({"name": name, "uid": t["metadata"]["uid"],
                          "revision": t["status"]["updateRevision"], "port": responder.port})
        op.stop()
        # As shipped: baton-operator sets 2 arenas itself (main.cpp) unless
        # MALLOC_ARENA_MAX is set; the second variant is glibc's default.
        variants = [("baton as shipped", {}),
                    ("baton, glibc arenas", {"MALLOC_ARENA_MAX": str(8 * os.cpu_count())})]
        if self.args.baseline_operator:
            variants.append(("baton baseline", {"BASELINE": "1"}))
        results = []
        have = 0
        for size in sizes:
            if size > have:
                t = time.monotonic()
                self.create_pods(ns, tiers, have, size)
                have = size
                wait_for(f"{size} pods running with an IP", lambda: sum(
                    1 for p in self.pods_raw(ns, "app=bench") if p.get("status", {}).get("podIP")
                    and self.pod_ready(p)) >= size, 900, interval=3)
                log(f"memory: {size} pods ready ({time.monotonic() - t:.0f} s)")
            for label, env in variants:
                op = self.start_operator(
                    f"operator-memory-{size}-{env.get('MALLOC_ARENA_MAX', 'shipped')}{len(env)}",
                    [ns], env, self.args.baseline_operator if "BASELINE" in env else None)
                took = self.wait_operator_settled(op)
                st = op.proc_status()
                cpu = op.cpu_seconds()
                op.stop()
                results.append({"pods": size, "tiers": ntiers, "variant": label,
                                "vmRssKiB": st["VmRSS"], "vmHwmKiB": st["VmHWM"],
                                "rssAnonKiB": st.get("RssAnon"), "rssFileKiB": st.get("RssFile"),
                                "settleSeconds": round(took, 1), "cpuSeconds": round(cpu, 2)})
                log(f"memory {size} pods, {label}: RSS {st['VmRSS'] / 1024:.1f} MiB, "
                    f"HWM {st['VmHWM'] / 1024:.1f} MiB")
            if self.args.client_go:
                results += client_go_memory.measure(self, ns, size, self.wait_operator_settled, log)
        for r in results:
            base = next(b for b in results if b["pods"] == 0 and b["variant"] == r["variant"]) \
                if any(b["pods"] == 0 for b in results) else None
            if base and r["pods"]:
                r["bytesPerPodOverEmpty"] = round((r["vmRssKiB"] - base["vmRssKiB"]) * 1024
                                                  / r["pods"])
        return results

    # --- fan-out --------------------------------------------------------------

    def fanout(self, responder):
        out = []
        for n in self.args.fanout_sizes:
            r = subprocess.run([str(self.build / "bench" / "bench_drain_fanout"),
                                "--endpoints", str(n), "--port", str(responder.port),
                                "--poll-ms", str(self.args.fanout_poll_ms),
                                "--warmup-s", str(self.args.fanout_warmup_s),
                                "--measure-s", str(self.args.fanout_measure_s),
                                "--rest-ms", str(self.args.fanout_rest_ms),
                                "--net", ".".join(os.environ.get("BATON_POD_CIDR",
                                                                 "127.1.0.0/16").split(".")[:2])],
                               capture_output=True, text=True, timeout=600)
            line = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
            if r.returncode != 0 or not line:
                raise RuntimeError(f"bench_drain_fanout {n}: {r.stdout}{r.stderr}")
            out.append(json.loads(line[-1]))
            log(r.stdout.splitlines()[0])
        return out


def load_average():
    return [round(x, 2) for x in os.getloadavg()]


def table(results):
    lines = []
    if results.get("rollout"):
        lines.append("Rollout, instant drain (wall s; ratio = system / Baton)")
        lines.append(f"{'pods':>6} {'baton':>9} {'statefulset':>12} {'ratio':>6} "
                     f"{'deployment':>11} {'ratio':>6}")
        by = {(r["system"], r["pods"]): r["seconds"] for r in results["rollout"]}
        for n in sorted({r["pods"] for r in results["rollout"]}):
            b, s, d = (by.get((x, n)) for x in ("baton", "statefulset", "deployment"))
            f = lambda v: f"{v:.2f}" if v is not None else "-"  # noqa: E731
            ratio = lambda v: f"{v / b:.2f}" if v and b else "-"  # noqa: E731
            lines.append(f"{n:>6} {f(b):>9} {f(s):>12} {ratio(s):>6} {f(d):>11} {ratio(d):>6}")
    if results.get("apiCost"):
        lines.append("")
        lines.append("API cost per replaced pod (audit log; controller identities)")
        lines.append(f"{'system':>12} {'pods':>5} {'client':<40} {'podW':>6} {'allW':>6} "
                     f"{'reads':>6}")
        for r in results["apiCost"]:
            for who, c in sorted(r["clients"].items()):
                lines.append(f"{r['system']:>12} {r['pods']:>5} {who:<40} "
                             f"{c['podWritesPerPod']:>6} {c['writesPerPod']:>6} "
                             f"{c['readsPerPod']:>6}")
    if results.get("memory"):
        lines.append("")
        lines.append("Operator memory (MiB) with N watched pods across the tiers")
        lines.append(f"{'pods':>6} {'variant':<27} {'VmRSS':>7} {'anon':>6} {'file':>6} "
                     f"{'VmHWM':>7} {'B/pod':>7}")
        for r in results["memory"]:
            target = targets.MEMORY_TARGET_MIB.get(r["pods"]) \
                if r["variant"] == "baton as shipped" else None
            mib = lambda k: f"{r[k] / 1024:.1f}" if r.get(k) is not None else "-"  # noqa: E731
            lines.append(f"{r['pods']:>6} {r['variant']:<27} {mib('vmRssKiB'):>7} "
                         f"{mib('rssAnonKiB'):>6} {mib('rssFileKiB'):>6} {mib('vmHwmKiB'):>7} "
                         f"{r.get('bytesPerPodOverEmpty', '-'):>7}"
                         + targets.judged(r['vmRssKiB'] / 1024, target, " MiB"))
    if results.get("reaction"):
        lines.append("")
        lines.append("Reaction: count at threshold -> Baton's delete request (ms)")
        for r in results["reaction"]:
            lines.append(f"  {r['scenario']:<34} n={r['samples']:<4} p50={r['p50Ms']} "
                         f"p99={r['p99Ms']} max={r['maxMs']}")
    if results.get("scale"):
        lines.append("")
        lines.extend(scale_bench.table(results["scale"]))
    if results.get("sessionScale"):
        lines.append("")
        lines.extend(session_scale_bench.table(results["sessionScale"]))
    if results.get("fanout"):
        lines.append("")
        lines.append("Drain-read fan-out (DrainMonitor + HTTP client, CPU of that process)")
        for r in results["fanout"]:
            lines.append(f"  {r['endpoints']:>6} endpoints, poll {r['pollMs']} ms: "
                         f"{100 * r['coreFraction']:.1f}% of a core, {r['reads']} reads, "
                         f"{r['cpuMicrosPerRead']} µs/read, unknown {r['unknownReads']}"
                         + targets.judged(r['coreFraction'],
                                          targets.FANOUT_TARGET_CORE.get(r['endpoints']), " core"))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ints = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
    ap.add_argument("--only", default="rollout,api,memory,latency,fanout",
                    help="comma list of: rollout,api,memory,latency,fanout,scale,"
                         "session-scale (api and latency reuse the rollouts; scale and "
                         "session-scale take minutes, only when named)")
    ap.add_argument("--systems", default="baton,statefulset,deployment")
    ap.add_argument("--rollout-sizes", type=ints, default=[10, 50, 200])
    ap.add_argument("--poll-seconds", type=int, default=5,
                    help="the Baton tiers' drain.pollIntervalSeconds (its default: 5)")
    ap.add_argument("--memory-sizes", type=ints, default=[0, 1000, 5000, 10000])
    ap.add_argument("--memory-tiers", type=int, default=100)
    ap.add_argument("--latency-pods", type=int, default=50)
    ap.add_argument("--latency-drain-ms", type=int, default=300)
    ap.add_argument("--fanout-sizes", type=ints, default=[1000, 10000])
    ap.add_argument("--fanout-poll-ms", type=int, default=5000)
    # Warm-up past the serving reads' back-off (5, 10, 20 s, then at rest).
    ap.add_argument("--fanout-warmup-s", type=int, default=90)
    ap.add_argument("--fanout-measure-s", type=int, default=60)
    ap.add_argument("--baseline-operator", default=None,
                    help="another baton-operator binary (e.g. of an older commit) to measure "
                         "beside this build's in the memory part")
    ap.add_argument("--client-go", action=argparse.BooleanOptionalAction, default=True,
                    help="measure the client-go informer (tools/informer-memory) beside Baton")
    ap.add_argument("--fanout-rest-ms", type=int, default=30000,
                    help="rest interval of serving reads (baton-operator --serving-read-seconds)")
    scale_bench.add_arguments(ap)
    session_scale_bench.add_arguments(ap)
    ap.add_argument("--build-dir", default=os.environ.get("BATON_BUILD_DIR", str(REPO / "build")))
    ap.add_argument("--work-dir", default=f"/tmp/baton-bench-{time.strftime('%H%M%S')}")
    ap.add_argument("--out", default=None, help="JSON path (default bench/results/<date>.json)")
    ap.add_argument("--keep", action="store_true", help="keep the namespaces")
    args = ap.parse_args()
    only = set(args.only.split(","))
    systems = args.systems.split(",")

    b = Bench(args)
    results = {"startedAt": datetime.datetime.now(datetime.timezone.utc).isoformat(),
               "machine": {"cpus": os.cpu_count(),
                           "memTotalKiB": int(pathlib.Path("/proc/meminfo").read_text()
                                              .split()[1]),
                           "loadAverageAtStart": load_average()},
               "args": {k: v for k, v in vars(args).items()}}
    try:
        b.ensure_crds()
        rollouts = []
        if only & {"rollout", "api", "latency"}:
            responder = b.start_responder("responder-instant")
            slow = b.start_responder("responder-slow", sessions=10,
                                     drain_ms=args.latency_drain_ms)
            recycler = IpRecycler(b.core, [responder.port, slow.port])
            recycler.start()
            if only & {"rollout", "api"}:
                for n in args.rollout_sizes:
                    for s in systems:
                        rollouts.append(b.rollout(s, n, responder))
            lat_rollout = None
            if "latency" in only:
                lat_rollout = b.rollout("baton", args.latency_pods, slow, "slowdrain")
                lat_rollout["system"] = "baton-slow-drain"
            recycler.stop()
            results["ipsRecycled"] = recycler.forgotten
            time.sleep(3)  # the audit log is written in batches
            events = list(b.audit_events())
            if only & {"rollout", "api"}:
                results["rollout"] = [{k: v for k, v in r.items() if k != "ips"}
                                      for r in rollouts]
                results["apiCost"] = b.api_cost(rollouts, events)
            if "latency" in only:
                results["reaction"] = []
                if lat_rollout:
                    results["reaction"].append(
                        {"scenario": f"drain {args.latency_drain_ms} ms, "
                                     f"{args.latency_pods} pods",
                         **b.reaction(lat_rollout, events)})
                for r in rollouts:
                    if r["system"] == "baton":
                        results["reaction"].append(
                            {"scenario": f"instant drain, {r['pods']} pods",
                             **b.reaction(r, events)})
        if "memory" in only or "fanout" in only:
            responder = next((p for p in b.processes if p.name == "responder-instant"), None) \
                or b.start_responder("responder-instant")
            if "memory" in only:
                results["memory"] = b.memory(responder)
            if "fanout" in only:
                results["fanout"] = b.fanout(responder)
        if "scale" in only:
            results["scale"] = scale_bench.run(b.api, args, b.tmp)
        if "session-scale" in only:
            results["sessionScale"] = session_scale_bench.run(b.api, args, b.tmp)
    finally:
        results["finishedAt"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
        results["machine"]["loadAverageAtEnd"] = load_average()
        b.close()
        out = pathlib.Path(args.out) if args.out else \
            REPO / "bench" / "results" / f"{time.strftime('%Y-%m-%d')}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(table(results))
        print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
