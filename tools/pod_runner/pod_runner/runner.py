"""The kubelet loop: watch harness pods, run their programs, report status."""
import json
import logging
import os
import queue
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from . import container_command, pod_credentials, pod_status, readiness_probe
from .ip_pool import IpPool

HARNESS_ANNOTATION = "harness.baton.dev/pod-runner"
# A container that ran this long before it exited starts a new series of
# crashes (kubelet resets its backoff after 10 minutes; shorter here).
CRASH_LOOP_RESET_S = 10.0
log = logging.getLogger("pod-runner")


def _int_rv(rv) -> int:
    """resourceVersions are opaque, but one server's are increasing integers
    (etcd revisions); 0 when absent."""
    try:
        return int(rv)
    except (TypeError, ValueError):
        return 0


@dataclass
class RunningPod:
    namespace: str
    name: str
    uid: str
    pod: dict
    ip: str = ""
    host_ip: str = ""
    proc: subprocess.Popen | None = None
    log_file: object = None
    started_at: str = ""
    restart_count: int = 0
    restart_after: float = 0.0
    # Exits in a row without running crash_loop_reset seconds in between:
    # from the second on the container is in CrashLoopBackOff until it restarts.
    crashes_in_a_row: int = 0
    proc_started: float = 0.0
    ready: bool = False
    ready_since: str = ""
    next_probe: float = 0.0
    term_sent_at: float = 0.0
    gone_from_api: bool = False
    failed: bool = False
    exit_code: int | None = None
    last_status: dict = field(default_factory=dict)
    # resourceVersion our last status write produced, and when the status may
    # next be written again to undo someone else's change.
    patched_rv: int = 0
    next_status_sync: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


class PodRunner:
    def __init__(self, api: client.CoreV1Api, binaries: dict[str, str], pool: IpPool,
                 log_dir: str, namespace: str | None, probe_interval: float,
                 max_grace: float, pod_kubeconfigs: bool = False):
        self.api = api
        self.binaries = binaries
        self.pool = pool
        self.log_dir = log_dir
        self.namespace = namespace
        self.probe_interval = probe_interval
        self.max_grace = max_grace
        # Give each pod a kubeconfig with its ServiceAccount's token, in
        # $KUBECONFIG (where client-go looks) and $(POD_KUBECONFIG).
        self.pod_kubeconfigs = pod_kubeconfigs
        self.pods: dict[str, RunningPod] = {}
        self.events: queue.Queue = queue.Queue()
        self.node_ips: dict[str, str] = {}
        # Pods already removed: their late watch events must not revive them.
        self.finished: set[str] = set()
        self.stop = threading.Event()
        os.makedirs(log_dir, exist_ok=True)

    # --- watch ------------------------------------------------------------

    def _list_pods(self, **kw):
        if self.namespace:
            return self.api.list_namespaced_pod(self.namespace, **kw)
        return self.api.list_pod_for_all_namespaces(**kw)

    def watch_pods(self) -> None:
        """List then watch, resuming from the last resourceVersion, relisting
        after 410 Gone; events go to the main loop's queue."""
        rv = None
        while not self.stop.is_set():
            try:
                if rv is None:
                    listed = self._list_pods(_preload_content=False)
                    body = json.loads(listed.data)
                    for item in body.get("items", []):
                        self.events.put(("SYNC", item))
                    rv = body["metadata"]["resourceVersion"]
                w = watch.Watch()
                for ev in w.stream(self._list_pods, resource_version=rv, timeout_seconds=60,
                                   allow_watch_bookmarks=True):
                    if self.stop.is_set():
                        w.stop()
                        break
                    obj = ev["raw_object"]
                    rv = obj.get("metadata", {}).get("resourceVersion", rv)
                    if ev["type"] in ("ADDED", "MODIFIED", "DELETED"):
                        self.events.put((ev["type"], obj))
            except ApiException as e:
                if e.status == 410:
                    rv = None
                    continue
                log.warning("watch: %s", e)
                time.sleep(1)
            except Exception as e:  # connection dropped, apiserver restarting
                log.warning("watch: %s", e)
                time.sleep(1)

    # --- main loop --------------------------------------------------------

    def run(self) -> None:
        threading.Thread(target=self.watch_pods, daemon=True).start()
        while not self.stop.is_set():
            try:
                kind, obj = self.events.get(timeout=0.05)
                self._observe(kind, obj)
                while True:
                    kind, obj = self.events.get_nowait()
                    self._observe(kind, obj)
            except queue.Empty:
                pass
            for rp in list(self.pods.values()):
                try:
                    self._tick(rp)
                except ApiException as e:
                    log.warning("%s: api: %s %s", rp.key, e.status, e.reason)
                except Exception:  # keep playing kubelet for the other pods
                    log.exception("%s: tick failed", rp.key)
        self.shutdown()

    def _observe(self, kind: str, pod: dict) -> None:
        meta = pod.get("metadata", {})
        if (meta.get("annotations") or {}).get(HARNESS_ANNOTATION) != "true":
            return
        uid = meta["uid"]
        if uid in self.finished:
            return
        rp = self.pods.get(uid)
        if kind == "DELETED":
            if rp:
                rp.gone_from_api = True
            return
        if rp is None:
            if not pod.get("spec", {}).get("nodeName"):
                return  # not scheduled yet: kubelet only sees bound pods
            rp = RunningPod(namespace=meta["namespace"], name=meta["name"], uid=uid, pod=pod)
            old_ip = pod.get("status", {}).get("podIP", "")
            if old_ip and self.pool.reserve(old_ip):
                rp.ip = old_ip
            self.pods[uid] = rp
        rp.pod = pod

    def _host_ip(self, node: str) -> str:
        if node not in self.node_ips:
            n = self.api.read_node(node)
            ips = [a.address for a in (n.status.addresses or []) if a.type == "InternalIP"]
            self.node_ips[node] = ips[0] if ips else ""
        return self.node_ips[node]

    def _start(self, rp: RunningPod) -> None:
        if not rp.ip:
            rp.ip = self.pool.allocate()
        rp.host_ip = self._host_ip(rp.pod["spec"]["nodeName"])
        extra_env = {}
        if self.pod_kubeconfigs:
            path = os.path.join(self.log_dir, f"{rp.namespace}_{rp.name}.kubeconfig")
            extra_env["POD_KUBECONFIG"] = pod_credentials.write_pod_kubeconfig(
                self.api, rp.pod, path)
            extra_env["KUBECONFIG"] = extra_env["POD_KUBECONFIG"]
        try:
            cmd = container_command.build(rp.pod, self.binaries, rp.ip, rp.host_ip, extra_env)
        except ValueError as e:
            log.error("%s: cannot run: %s", rp.key, e)
            rp.failed = True
            rp.exit_code = 127
            rp.started_at = pod_status.now_rfc3339()
            self._patch(rp, phase="Failed")
            return
        if rp.log_file is None:
            path = os.path.join(self.log_dir, f"{rp.namespace}_{rp.name}.log")
            rp.log_file = open(path, "ab", buffering=0)
        env = container_command.process_env(dict(os.environ), cmd.env)
        rp.proc = subprocess.Popen([cmd.program, *cmd.args], stdout=rp.log_file,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=env, start_new_session=True)
        rp.started_at = pod_status.now_rfc3339()
        rp.proc_started = time.monotonic()
        rp.ready = False
        rp.next_probe = 0.0
        print(f"pod-runner: started {rp.key} pid={rp.proc.pid} ip={rp.ip} "
              f"program={cmd.image_name}:{cmd.image_tag}", flush=True)
        self._patch(rp, phase="Running")

    def _patch(self, rp: RunningPod, phase: str) -> None:
        running = rp.proc is not None and rp.proc.poll() is None
        body = pod_status.status_patch(
            pod=rp.pod, pod_ip=rp.ip, host_ip=rp.host_ip, phase=phase, ready=rp.ready,
            running=running, restart_count=rp.restart_count, started_at=rp.started_at,
            ready_since=rp.ready_since, exit_code=rp.exit_code,
            crash_looping=not running and rp.crashes_in_a_row >= 2)
        key = (phase, rp.ready, running, rp.restart_count, rp.crashes_in_a_row >= 2)
        if rp.last_status.get("key") == key:
            return
        # A dict body goes as a strategic merge patch: conditions merge by
        # type and container statuses by name, as kubelet's own updates do.
        written = self.api.patch_namespaced_pod_status(rp.name, rp.namespace, body)
        rp.last_status["key"] = key
        rp.patched_rv = _int_rv(written.metadata.resource_version)

    def _resync_status(self, rp: RunningPod, now: float) -> None:
        """kubelet's status manager: when the API server's copy of a running
        pod's status says other than this kubelet knows, write it again.
        Others do change it: the node lifecycle controller marks every pod of
        a node whose heartbeat lapsed Ready=False (during a control-plane
        outage, for one), and only the kubelet ever sets it back. Without
        this, such a pod stayed NotReady for good (issue 24). Compared only
        against a copy newer than our own last write, at most once a second."""
        if not rp.last_status or now < rp.next_status_sync:
            return
        observed_rv = _int_rv(rp.pod.get("metadata", {}).get("resourceVersion"))
        if observed_rv <= rp.patched_rv:
            return  # the watch has not shown our last write yet
        status = rp.pod.get("status") or {}
        if not pod_status.differs_from_running(status, pod_ip=rp.ip, ready=rp.ready):
            return
        rp.next_status_sync = now + 1.0
        print(f"pod-runner: {rp.key} status changed by someone else (phase "
              f"{status.get('phase')}, Ready {pod_status.ready_condition(status)}); "
              "reporting it again", flush=True)
        rp.ready_since = pod_status.now_rfc3339()
        rp.last_status.clear()
        self._patch(rp, phase="Running")

    def _tick(self, rp: RunningPod) -> None:
        now = time.monotonic()
        deleting = bool(rp.pod.get("metadata", {}).get("deletionTimestamp")) or rp.gone_from_api
        alive = rp.proc is not None and rp.proc.poll() is None

        if deleting:
            self._terminate(rp, alive, now)
            return
        if rp.failed:
            return
        if rp.proc is None:
            if now >= rp.restart_after:
                self._start(rp)
            return
        if not alive:
            rp.exit_code = rp.proc.returncode
            self._reap_group(rp.proc)
            print(f"pod-runner: {rp.key} exited code={rp.exit_code} unexpectedly", flush=True)
            rp.ready = False
            policy = rp.pod.get("spec", {}).get("restartPolicy", "Always")
            if policy == "Always" or (policy == "OnFailure" and rp.exit_code != 0):
                rp.restart_count += 1
                rp.proc = None
                ran = now - rp.proc_started
                rp.crashes_in_a_row = 1 if ran >= CRASH_LOOP_RESET_S else rp.crashes_in_a_row + 1
                rp.restart_after = now + pod_status.crash_loop_delay(rp.crashes_in_a_row)
                self._patch(rp, phase="Running")
            else:
                rp.failed = True
                self._patch(rp, phase="Succeeded" if rp.exit_code == 0 else "Failed")
            return
        if now >= rp.next_probe:
            rp.next_probe = now + self.probe_interval
            ready = readiness_probe.probe(rp.pod, rp.ip)
            if ready != rp.ready:
                rp.ready = ready
                rp.ready_since = pod_status.now_rfc3339()
                self._patch(rp, phase="Running")
        self._resync_status(rp, now)

    @staticmethod
    def _reap_group(proc: subprocess.Popen) -> None:
        """Kills what the program left behind in its process group, as a
        container's teardown would."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _terminate(self, rp: RunningPod, alive: bool, now: float) -> None:
        if alive and not rp.term_sent_at:
            rp.term_sent_at = now
            print(f"pod-runner: SIGTERM {rp.key} pid={rp.proc.pid}", flush=True)
            rp.proc.send_signal(signal.SIGTERM)
            return
        if alive:
            grace = rp.pod.get("metadata", {}).get("deletionGracePeriodSeconds") or 30
            if now - rp.term_sent_at > min(float(grace), self.max_grace):
                print(f"pod-runner: SIGKILL {rp.key} after grace period", flush=True)
                rp.proc.kill()
            return
        if rp.proc is not None:
            self._reap_group(rp.proc)
            print(f"pod-runner: {rp.key} stopped code={rp.proc.returncode}", flush=True)
        if not rp.gone_from_api:
            try:
                self.api.delete_namespaced_pod(
                    rp.name, rp.namespace, grace_period_seconds=0,
                    body=client.V1DeleteOptions(grace_period_seconds=0,
                                                preconditions=client.V1Preconditions(uid=rp.uid)))
            except ApiException as e:
                if e.status not in (404, 409):
                    raise
        print(f"pod-runner: removed {rp.key}", flush=True)
        self.pool.release(rp.ip)
        if rp.log_file:
            rp.log_file.close()
        del self.pods[rp.uid]
        self.finished.add(rp.uid)

    def shutdown(self) -> None:
        """Stops every process it started: SIGTERM, then SIGKILL after 5 s."""
        procs = [rp.proc for rp in self.pods.values() if rp.proc and rp.proc.poll() is None]
        for p in procs:
            p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 5
        for p in procs:
            try:
                p.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
            self._reap_group(p)
