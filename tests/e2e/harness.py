"""The processes of an end-to-end test and the observations made of them.

Nothing here reads Baton's own status to judge Baton: sessions lost come
from the load generator, the count at SIGTERM from each relay's own log
(kept by the pod runner), and how many pods drain at once from an
independent watcher that polls every pod's drain endpoint itself."""
import json
import os
import pathlib
import re
import signal
import subprocess
import threading
import time
import urllib.request

import yaml
from kubernetes import client

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("BATON_BUILD_DIR", REPO / "build"))
# kubectl of the cluster's own release: scripts/cluster env exports it.
KUBECTL = os.environ.get("BATON_KUBECTL", "kubectl")


def kubectl(*args, check=True):
    r = subprocess.run([KUBECTL, *args], capture_output=True, text=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)}: {r.stderr}")
    return r


def control_plane(*args, **env):
    """scripts/cluster ARGS against the tests' own control plane (fault
    tests: restart-apiserver, compact, stop-etcd, pause-nodes, ...); env
    overrides for that call (e.g. BATON_WATCH_CACHE="true"). Returns the
    seconds it took."""
    env = dict(os.environ, **env)
    env.setdefault("BATON_WATCH_CACHE", "false")
    t0 = time.monotonic()
    r = subprocess.run([str(REPO / "scripts" / "cluster"), *args], capture_output=True, text=True,
                       timeout=150, env=env)
    assert r.returncode == 0, f"scripts/cluster {' '.join(args)}: {r.stderr}"
    return time.monotonic() - t0


def wait_for(what, pred, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class Process:
    """A child process with its output in a file; stopped on close()."""

    def __init__(self, name, argv, log_dir, env=None):
        self.name = name
        self.log_path = pathlib.Path(log_dir) / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env or dict(os.environ),
                                     start_new_session=True)

    def output(self):
        return self.log_path.read_text(errors="replace")

    def wait_for_line(self, needle, timeout):
        return wait_for(f"{self.name} to print {needle!r}",
                        lambda: needle in self.output(), timeout)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class BoundedSampler(threading.Thread):
    """A thread that calls sample() every `interval` seconds until stop() is
    called or max_s has passed. An exception in sample() ends the thread and
    is raised by stop(): a sampler that died fails its test instead of
    leaving a silent gap that the test would judge as calm."""

    what = "sampler"

    def __init__(self, interval, max_s):
        super().__init__(daemon=True)
        self.interval, self.max_s = interval, max_s
        self.stop_event = threading.Event()
        self.error = None

    def run(self):
        deadline = time.monotonic() + self.max_s
        try:
            while not self.stop_event.is_set() and time.monotonic() < deadline:
                self.sample()
                self.stop_event.wait(self.interval)
        except Exception as e:  # noqa: BLE001 - reported by stop(), not lost in a thread
            self.error = e

    def sample(self):
        raise NotImplementedError

    def stop(self):
        self.stop_event.set()
        self.join(timeout=15)
        assert not self.is_alive(), f"{self.what} did not stop"
        assert self.error is None, f"{self.what} died: {self.error!r}"


class DrainWatcher(BoundedSampler):
    """Polls every pod's drain endpoint itself and records the most pods it
    ever saw possibly draining at once, and the most sessions it saw on each
    pod (max_sessions: pod name -> count). Unknown is not "not draining": a
    pod that is Ready and not terminating but whose endpoint does not answer
    counts as possibly draining. A watcher that died makes stop() fail, and
    assert_at_most() refuses to judge from too few samples. Bounded: it stops
    when told, or after max_s."""

    what = "drain watcher"

    def __init__(self, core, ns, port, path="/drain", max_s=600, interval=0.05):
        super().__init__(interval=interval, max_s=max_s)
        self.core, self.ns, self.port, self.path = core, ns, port, path
        self.max_draining = 0  # draining, drained or unreadable, at once
        self.max_sessions = {}
        self.samples = 0
        self.unreadable = 0  # readings of Ready pods that did not answer

    def sample(self):
        draining = 0
        for p in self.core.list_namespaced_pod(self.ns).items:
            ip = p.status.pod_ip
            if not ip:
                continue  # not started: it cannot have been asked to drain
            assert ip.startswith("127."), f"pod IP {ip} is not loopback"
            try:
                with urllib.request.urlopen(f"http://{ip}:{self.port}{self.path}",
                                            timeout=2) as r:
                    answer = json.loads(r.read())
            except Exception:  # noqa: BLE001 - any failure is "cannot tell"
                ready = any(c.type == "Ready" and c.status == "True"
                            for c in p.status.conditions or [])
                if p.metadata.deletion_timestamp or not ready:
                    continue  # going away, or not serving yet
                self.unreadable += 1
                draining += 1
                continue
            if isinstance(answer.get("sessions"), int):
                name = p.metadata.name
                self.max_sessions[name] = max(self.max_sessions.get(name, 0), answer["sessions"])
            if answer.get("state") in ("Draining", "Drained"):
                draining += 1
        self.max_draining = max(self.max_draining, draining)
        self.samples += 1

    def assert_at_most(self, limit, min_samples=20):
        """Never more than `limit` pods draining (or unreadable) at once,
        judged from at least min_samples samples."""
        assert self.error is None, f"drain watcher died: {self.error!r}"
        assert self.samples >= min_samples, f"only {self.samples} drain samples"
        assert self.max_draining <= limit, (
            f"{self.max_draining} pods draining or unreadable at once "
            f"({self.unreadable} unreadable readings of Ready pods)")


class Harness:
    def __init__(self, api, ns, tmp):
        self.api = api
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)
        self.ns = ns
        self.tmp = pathlib.Path(tmp)
        self.processes = []
        self.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
        wait_for("default ServiceAccount",
                 lambda: any(sa.metadata.name == "default"
                             for sa in self.core.list_namespaced_service_account(ns).items), 30)
        self.pod_logs = self.tmp / "pods"

    def start(self, name, argv, env=None):
        p = Process(name, [str(a) for a in argv], self.tmp, env)
        self.processes.append(p)
        return p

    def start_operator(self, *extra, name="operator", env=None):
        """env: extra environment variables for this operator process."""
        return self.start(name, [BUILD / "operator" / "baton-operator",
                                 "--kubeconfig", os.environ["KUBECONFIG"],
                                 "--namespaces", self.ns, "--leader-elect=false",
                                 "--metrics-bind-address", "127.0.0.1:0",
                                 "--health-probe-bind-address", "127.0.0.1:0",
                                 "--log-format", "text",
                                 "--log-level", os.environ.get("BATON_E2E_LOG_LEVEL", "info"),
                                 *extra],
                          env=dict(os.environ, **env) if env else None)

    def start_pod_runner(self, tier, *extra):
        directory = self.tmp / "directory.json"
        # Pod IPs of runs side by side on one machine must not collide.
        if os.environ.get("BATON_POD_CIDR"):
            extra = ("--pod-cidr", os.environ["BATON_POD_CIDR"], *extra)
        return self.start("pod-runner", [REPO / "tools" / "pod_runner" / "pod-runner",
                                         "--namespace", self.ns, "--build-dir", BUILD,
                                         "--log-dir", self.pod_logs,
                                         "--mirror-configmap",
                                         f"{self.ns}/{tier}-serving:directory.json={directory}",
                                         *extra])

    def directory(self):
        try:
            return json.loads((self.tmp / "directory.json").read_text())
        except (OSError, ValueError):
            return None

    def apply_tier(self, doc):
        doc.setdefault("metadata", {})["namespace"] = self.ns
        path = self.tmp / f"{doc['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump(doc))
        kubectl("apply", "--server-side", "--field-manager=e2e-user", "-f", str(path))

    def get_tier(self, plural, name):
        return self.custom.get_namespaced_custom_object("baton.dev", "v1alpha1", self.ns,
                                                        plural, name)

    def patch_tier(self, plural, name, patch):
        return self.custom.patch_namespaced_custom_object("baton.dev", "v1alpha1", self.ns,
                                                          plural, name, patch)

    def start_loadgen(self, sessions, rate, duration=600, settle=3, allow_loss=False):
        """The load generator on this test's serving directory, once it has
        its sessions; its verdict goes to self.tmp / "loadgen.json"."""
        p = self.start("loadgen", [BUILD / "examples" / "loadgen" / "loadgen",
                                   "--directory", self.tmp / "directory.json",
                                   "--sessions", sessions, "--rate", rate,
                                   "--duration", duration, "--settle", settle,
                                   *(["--allow-loss"] if allow_loss else []),
                                   "--report", self.tmp / "loadgen.json"])
        p.wait_for_line("established", 60)
        return p

    def wait_serving(self, plural, name, count):
        """Until `count` pods are in the serving directory and the tier is Healthy."""
        wait_for(f"{count} serving pods in the directory",
                 lambda: (d := self.directory()) and len(d["endpoints"]) == count, 90)
        self.wait_phase(plural, name, "Healthy", 60)

    def sigterm_counts(self):
        """pod name -> the session count its process logged at SIGTERM."""
        counts = {}
        if not self.pod_logs.exists():
            return counts
        for f in self.pod_logs.glob(f"{self.ns}_*.log"):
            m = re.search(r"relay: SIGTERM with (\d+) sessions", f.read_text(errors="replace"))
            if m:
                counts[f.stem[len(self.ns) + 1:]] = int(m.group(1))
        return counts

    # --- lifecycle helpers (tests/e2e/test_lifecycle*.py) -------------------

    def pods(self):
        """The namespace's pods that still exist, by name."""
        return {p.metadata.name: p for p in self.core.list_namespaced_pod(self.ns).items}

    def events(self, reason=None):
        """Events recorded in the namespace as (reason, message), oldest first."""
        items = self.core.list_namespaced_event(self.ns).items
        items.sort(key=lambda e: (e.last_timestamp or e.event_time or e.metadata.creation_timestamp))
        return [(e.reason, e.message or "") for e in items if reason is None or e.reason == reason]

    def condition(self, plural, name, ctype):
        for c in self.get_tier(plural, name).get("status", {}).get("conditions", []):
            if c["type"] == ctype:
                return c
        return None

    def wait_phase(self, plural, name, phase, timeout, generation=None):
        """Waits until status.phase is `phase` for the current (or given) generation."""
        def ok():
            t = self.get_tier(plural, name)
            s = t.get("status", {})
            gen = generation or t["metadata"]["generation"]
            return t if s.get("phase") == phase and s.get("observedGeneration") == gen else None
        return wait_for(f"{plural}/{name} phase {phase}", ok, timeout, interval=0.3)

    @staticmethod
    def drain_reading(pod, port, timeout=1.0):
        """GET /drain on the pod itself; None when it cannot be read."""
        try:
            with urllib.request.urlopen(f"http://{pod.status.pod_ip}:{port}/drain",
                                        timeout=timeout) as r:
                return json.loads(r.read())
        except Exception:
            return None

    def pod_log(self, pod_name):
        f = self.pod_logs / f"{self.ns}_{pod_name}.log"
        return f.read_text(errors="replace") if f.exists() else ""

    def handovers(self):
        """pod name -> (handed over, cut) as the relay logged them at SIGTERM while draining."""
        out = {}
        if not self.pod_logs.exists():
            return out
        for f in self.pod_logs.glob(f"{self.ns}_*.log"):
            m = re.search(r"relay: handed over (\d+) sessions at SIGTERM, cut (\d+)",
                          f.read_text(errors="replace"))
            if m:
                out[f.stem[len(self.ns) + 1:]] = (int(m.group(1)), int(m.group(2)))
        return out

    def spec_writers(self, plural, name):
        """Field managers that own anything under spec of the tier (not through
        the status subresource): the operator must never be one of them."""
        t = self.get_tier(plural, name)
        return {m["manager"] for m in t["metadata"].get("managedFields", [])
                if m.get("subresource", "") == "" and "f:spec" in (m.get("fieldsV1") or {})}

    def close(self):
        for p in reversed(self.processes):
            p.stop()
        if os.environ.get("BATON_KEEP_NAMESPACES") is None:
            # With the operator gone nobody would release the drain finalizer,
            # and the namespace would stay Terminating for ever.
            for plural in ("relaytiers", "sessiontiers", "businesstiers"):
                for t in self.custom.list_namespaced_custom_object(
                        "baton.dev", "v1alpha1", self.ns, plural)["items"]:
                    self.patch_tier(plural, t["metadata"]["name"],
                                    {"metadata": {"finalizers": None}})
            # With the pod runner gone nobody finishes their graceful delete.
            kubectl("delete", "pods", "-n", self.ns, "--all", "--grace-period=0", "--force",
                    check=False)
            kubectl("delete", "namespace", self.ns, "--wait=false", check=False)
