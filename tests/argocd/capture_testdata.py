"""Drives real tiers through every state ArgoCD must tell apart and writes
what the API server returned, as ArgoCD's resource_customizations testdata.

The expected health of each capture comes from the state this script drove
the tier into (not from running health.lua); the expected message is
derived from the captured status by the small formatter below, written
independently of health.lua. See tests/argocd/capture-testdata."""
import argparse
import os
import pathlib
import sys
import tempfile
import time
import uuid

import yaml
from kubernetes import client, config

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from harness import BUILD, Harness, kubectl, wait_for  # noqa: E402

OUT = REPO / "argocd" / "resource_customizations" / "baton.dev"
DRAIN_PORT = 9090
PLURAL = {"RelayTier": "relaytiers", "SessionTier": "sessiontiers",
          "BusinessTier": "businesstiers"}


# --- the workloads -----------------------------------------------------------

def container(kind, version, directory, ready_port=None):
    if kind == "RelayTier":
        port, name, args = 7000, "relay", ["--max-sessions", "5000"]
    elif kind == "SessionTier":
        port, name, args = 7100, "session", ["--shard", "$(SHARD)", "--shards", "2",
                                             "--directory", str(directory)]
    else:
        port, name, args = 8080, "business", []
    c = {
        "name": name,
        "image": f"{name}:{version}",
        "args": ["--host", "$(POD_IP)", "--port", str(port), "--drain-port", str(DRAIN_PORT),
                 "--version", "$(IMAGE_TAG)", "--drain-allow-unauthenticated", *args],
        "ports": [{"name": "serve", "containerPort": port},
                  {"name": "drain", "containerPort": DRAIN_PORT}],
        # ready_port: a port nobody listens on, for a pod that never gets Ready.
        "readinessProbe": {"tcpSocket": {"port": ready_port or "serve"}},
    }
    if kind == "SessionTier":
        c["env"] = [{"name": "SHARD", "valueFrom": {"fieldRef": {
            "fieldPath": "metadata.labels['baton.dev/shard']"}}}]
    return c, port


def tier(kind, name, version, directory, *, replicas=2, pace=50, timeout=600,
         deadline=120, ready_port=None, paused=False, drains=1, canary=None):
    c, port = container(kind, version, directory, ready_port)
    doc = {
        "apiVersion": "baton.dev/v1alpha1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "servingPort": port,
            "template": {
                "metadata": {"labels": {"app": name},
                             "annotations": {"harness.baton.dev/pod-runner": "true"}},
                "spec": {"containers": [c]},
            },
            "drain": {"port": DRAIN_PORT, "sessionThreshold": 0, "pollIntervalSeconds": 1,
                      "timeoutSeconds": timeout, "onTimeout": "Pause",
                      "sessionsPerSecond": pace},
            "rollout": {"maxSurge": 1, "maxUnavailable": 0, "maxConcurrentDrains": drains,
                        "minReadySeconds": 1, "progressDeadlineSeconds": deadline,
                        "paused": paused},
        },
    }
    if canary:
        doc["spec"]["rollout"]["canary"] = canary
    return doc


def start_load(h, kind, directory):
    loadgen = BUILD / "examples" / "loadgen" / "loadgen"
    if kind == "RelayTier":
        p = h.start("loadgen", [loadgen, "--directory", directory, "--sessions", 1200,
                                "--rate", 50, "--duration", 600, "--allow-loss"])
        p.wait_for_line("established", 60)
    elif kind == "SessionTier":
        p = h.start("loadgen", [loadgen, "registry", "--directory", directory,
                                "--users", 2000, "--rate", 50, "--duration", 600,
                                "--allow-loss"])
        p.wait_for_line("registered", 60)
    else:
        # Requests held 20 s by the server: in flight while a pod drains.
        p = h.start("loadgen", [loadgen, "business", "--directory", directory,
                                "--rate", 20, "--delay-ms", 20000, "--workers", 64,
                                "--duration", 600, "--allow-loss"])
        time.sleep(3)
    return p


# --- capture -----------------------------------------------------------------

class Capture:
    def __init__(self, h, kind):
        self.h, self.kind, self.plural = h, kind, PLURAL[kind]
        self.dir = OUT / kind / "testdata"
        self.tests = []

    def get(self, name):
        return self.h.get_tier(self.plural, name)

    def save(self, obj, file, status, message):
        obj = dict(obj)
        meta = dict(obj["metadata"])
        meta.pop("managedFields", None)
        meta["namespace"] = "baton-example"  # the random test namespace says nothing
        obj["metadata"] = meta
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / file).write_text(yaml.safe_dump(obj, sort_keys=False))
        self.tests.append({"healthStatus": {"status": status, "message": message},
                           "inputPath": f"testdata/{file}"})
        print(f"  {self.kind}: {file}: {status}: {message}", flush=True)

    def write_tests(self):
        """health_test.yaml: the cases captured now, then the earlier cases
        whose input this run did not capture (states that are derived by
        hand, e.g. no status yet), so that a capture never drops a case."""
        path = OUT / self.kind / "health_test.yaml"
        captured = {t["inputPath"] for t in self.tests}
        header = []
        kept = []
        if path.exists():
            text = path.read_text()
            header = [ln for ln in text.splitlines() if ln.startswith("#")]
            kept = [t for t in (yaml.safe_load(text) or {}).get("tests", [])
                    if t["inputPath"] not in captured]
        if not header:
            header = ["# ArgoCD health cases, run by tests/argocd/run-lua-tests. Inputs are",
                      "# captured by tests/argocd/capture-testdata from real runs, except those",
                      "# whose first line says what they were derived from."]
        path.write_text("\n".join(header) + "\n"
                        + yaml.safe_dump({"tests": self.tests + kept}, sort_keys=False,
                                         width=1000))


def phase_is(c, name, phase, pred=lambda s: True):
    def check():
        t = c.get(name)
        s = t.get("status", {})
        ok = (s.get("observedGeneration") == t["metadata"]["generation"]
              and s.get("phase") == phase and pred(s))
        return t if ok else None
    return check


def stalled(reason):
    return lambda s: any(x["type"] == "Stalled" and x["status"] == "True"
                         and x["reason"] == reason for x in s.get("conditions", []))


def capture_kind(api, kind, tmp):
    ns = "argocd-capture-" + uuid.uuid4().hex[:6]
    h = Harness(api, ns, tmp)
    c = Capture(h, kind)
    name = {"RelayTier": "relay", "SessionTier": "sessions", "BusinessTier": "business"}[kind]
    directory = h.tmp / "directory.json"
    try:
        h.start_pod_runner(name)
        operator = h.start_operator()

        # Healthy: v1 rolled out.
        h.apply_tier(tier(kind, name, "v1", directory))
        t = wait_for("v1 Healthy", phase_is(c, name, "Healthy"), 90)
        wait_for("the serving directory", lambda: (d := h.directory()) and
                 len(d["endpoints"]) == 2, 30)
        c.save(t, "healthy.yaml", "Healthy", t["status"]["message"])

        # Progressing with a drain under way: v2, paced so slowly that the
        # drain cannot finish before its deadline (12 s from its start).
        load = start_load(h, kind, directory)
        v2 = dict(kind=kind, name=name, version="v2", directory=directory, pace=20, timeout=12)
        h.apply_tier(tier(**v2))

        def draining():
            t = c.get(name)
            s = t.get("status", {})
            pods = s.get("drainingPods", [])
            ok = (s.get("observedGeneration") == t["metadata"]["generation"]
                  and s.get("phase") == "Progressing" and pods
                  and all(p.get("sessionsNow", 0) > 0 and "etaSeconds" in p for p in pods))
            return t if ok else None
        t = wait_for("a drain with sessions left and an ETA", draining, 90, interval=0.1)
        c.save(t, "progressing-draining.yaml", "Progressing", t["status"]["message"])

        # Suspended: paused by spec in the middle of the drain, then resumed.
        h.apply_tier(tier(**v2, paused=True))
        t = wait_for("Paused", phase_is(c, name, "Paused", lambda s: any(
            x["type"] == "Paused" and x["reason"] == "PausedBySpec"
            for x in s.get("conditions", []))), 30, interval=0.1)
        c.save(t, "suspended-paused.yaml", "Suspended", t["status"]["message"])
        h.apply_tier(tier(**v2))

        # Suspended: the drain passed its deadline under onTimeout: Pause.
        t = wait_for("Paused by a drain timeout",
                     phase_is(c, name, "Paused", stalled("DrainTimedOut")), 60, interval=0.2)
        c.save(t, "suspended-drain-timed-out.yaml", "Suspended", t["status"]["message"])
        load.stop(sig=2)

        # Progressing: a spec the operator has not seen yet (it is stopped).
        operator.stop()
        h.apply_tier(tier(kind, name, "v3", directory))
        t = c.get(name)
        assert t["status"]["observedGeneration"] < t["metadata"]["generation"]
        c.save(t, "progressing-stale-generation.yaml", "Progressing",
               f"waiting for the operator to observe generation {t['metadata']['generation']}")
        h.start_operator()

        # Degraded: a new pod that never becomes Ready misses its deadline.
        stuck = f"{name}-stuck"
        h.apply_tier(tier(kind, stuck, "v1", h.tmp / "stuck.json", replicas=1, deadline=3,
                          ready_port=1))
        t = wait_for("Degraded", phase_is(c, stuck, "Degraded"), 60)
        c.save(t, "degraded-progress-deadline.yaml", "Degraded", t["status"]["message"])

        # A canary (docs/canary.md): one pod of v2 waits for a promote
        # (Suspended), then is aborted and rolled back (Degraded).
        canary = f"{name}-canary"
        steps = {"steps": [{"replicas": 1, "waitForPromote": True}]}
        h.apply_tier(tier(kind, canary, "v1", h.tmp / "canary.json", canary=steps))
        wait_for("canary tier v1 Healthy", phase_is(c, canary, "Healthy"), 90)
        h.apply_tier(tier(kind, canary, "v2", h.tmp / "canary.json", canary=steps))
        t = wait_for("a canary awaiting promotion", phase_is(
            c, canary, "Paused", lambda s: (s.get("canary") or {}).get("state")
            == "AwaitingPromotion"), 90)
        c.save(t, "suspended-canary-awaiting-promotion.yaml", "Suspended", t["status"]["message"])
        h.custom.patch_namespaced_custom_object(
            "baton.dev", "v1alpha1", h.ns, c.plural, canary,
            {"metadata": {"annotations": {"baton.dev/abort": t["status"]["canary"]["revision"]}}})
        t = wait_for("the canary rolled back", phase_is(c, canary, "Degraded", lambda s: not s.get(
            "drainingPods") and s.get("updatedReplicas") == 2), 90)
        c.save(t, "degraded-canary-rolled-back.yaml", "Degraded", t["status"]["message"])

        c.write_tests()
    except BaseException:
        for p in h.processes:
            print(f"--- {p.name} (last lines) ---\n" + "\n".join(p.output().splitlines()[-15:]),
                  file=sys.stderr)
        raise
    finally:
        h.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kinds", nargs="*", default=list(PLURAL))
    args = parser.parse_args()
    config.load_kube_config(config_file=os.environ["KUBECONFIG"])
    api = client.ApiClient()
    kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=baton-capture",
            "-f", str(REPO / "crds"))
    kubectl("wait", "--for=condition=Established", "--timeout=60s",
            *[f"crd/{p}.baton.dev" for p in PLURAL.values()])
    for kind in args.kinds:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"capture-{kind}-") as tmp:
            capture_kind(api, kind, tmp)
        print(f"{kind}: captured in {time.monotonic() - started:.0f}s", flush=True)


if __name__ == "__main__":
    main()
