"""Issue 10: a BusinessTier rolls from v1 to v2 under request load and not
one request fails: a draining pod refuses new requests (the load generator
retries them elsewhere) and is deleted only once those in flight are done.

Judged without Baton's status: failures from the load generator, requests
cut from each pod's own SIGTERM line, drains at once from a watcher that
reads every pod's drain endpoint itself."""
import json
import re

from harness import BUILD, DrainWatcher, wait_for

REPLICAS = 3
DRAIN_PORT = 9090
HTTP_PORT = 8080
RATE = 200
DELAY_MS = 150  # every request is held this long: there is always one in flight


def business_tier(version):
    return {
        "apiVersion": "baton.dev/v1alpha1",
        "kind": "BusinessTier",
        "metadata": {"name": "business"},
        "spec": {
            "replicas": REPLICAS,
            "servingPort": HTTP_PORT,
            "template": {
                "metadata": {"labels": {"app": "business"},
                             "annotations": {"harness.baton.dev/pod-runner": "true"}},
                "spec": {"containers": [{
                    "name": "business",
                    "image": f"business:{version}",
                    "args": ["--host", "$(POD_IP)", "--port", str(HTTP_PORT),
                             "--drain-port", str(DRAIN_PORT), "--version", "$(IMAGE_TAG)",
                             "--drain-allow-unauthenticated"],  # a rollout test, not an auth test
                    "ports": [{"name": "http", "containerPort": HTTP_PORT},
                              {"name": "drain", "containerPort": DRAIN_PORT}],
                    "readinessProbe": {"tcpSocket": {"port": "http"}},
                }]},
            },
            "drain": {"port": DRAIN_PORT, "sessionThreshold": 0, "pollIntervalSeconds": 1,
                      "timeoutSeconds": 60, "onTimeout": "Pause"},
            "rollout": {"maxSurge": 1, "maxUnavailable": 0, "maxConcurrentDrains": 1,
                        "minReadySeconds": 1, "progressDeadlineSeconds": 120},
        },
    }


def rollout_done(h, generation):
    t = h.get_tier("businesstiers", "business")
    s = t.get("status", {})
    done = (s.get("observedGeneration") == generation and s.get("updatedReplicas") == REPLICAS
            and s.get("replicas") == REPLICAS and s.get("phase") == "Healthy")
    return t if done else None


def pod_log(h, pod):
    path = h.pod_logs / f"{h.ns}_{pod}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def test_business_tier_rolls_without_a_failed_request(harness):
    h = harness
    h.start_pod_runner("business")
    operator = h.start_operator()
    h.apply_tier(business_tier("v1"))
    wait_for("3 business pods in the directory",
             lambda: (d := h.directory()) and len(d["endpoints"]) == REPLICAS, 90)
    gen1 = h.get_tier("businesstiers", "business")["metadata"]["generation"]
    wait_for("v1 healthy", lambda: rollout_done(h, gen1), 60)
    v1_pods = {p.metadata.name for p in h.core.list_namespaced_pod(h.ns).items}

    report = h.tmp / "loadgen.json"
    loadgen = h.start("loadgen", [BUILD / "examples" / "loadgen" / "loadgen", "business",
                                  "--directory", h.tmp / "directory.json", "--rate", RATE,
                                  "--delay-ms", DELAY_MS, "--workers", 16,
                                  "--duration", 300, "--report", report])
    loadgen.wait_for_line("started", 30)

    watcher = DrainWatcher(h.core, h.ns, DRAIN_PORT)
    watcher.start()
    h.apply_tier(business_tier("v2"))
    gen2 = h.get_tier("businesstiers", "business")["metadata"]["generation"]
    assert gen2 > gen1
    tier = wait_for("the rollout to v2 to complete", lambda: rollout_done(h, gen2), 120,
                    interval=0.5)
    watcher.stop()
    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    r = json.loads(report.read_text())
    print(loadgen.output())

    pods = h.core.list_namespaced_pod(h.ns).items
    assert len(pods) == REPLICAS
    assert all(p.spec.containers[0].image == "business:v2" for p in pods)
    assert not v1_pods & {p.metadata.name for p in pods}
    assert tier["status"]["currentRevision"] == tier["status"]["updateRevision"]

    for old in sorted(v1_pods):
        log = pod_log(h, old)
        began = re.findall(r"drain: start requested at_ms=\d+ began=1", log)
        assert len(began) == 1, (old, log)
        # Deleted while draining, with nothing left in flight to cut.
        m = re.search(r"business: SIGTERM (while \w+) with (\d+) requests in flight, cut (\d+)",
                      log)
        assert m, (old, log)
        assert m.group(1) == "while draining" and m.group(3) == "0", m.group(0)

    watcher.assert_at_most(1)

    assert r["readsFailed"] == 0 and r["writesFailed"] == 0 and r["wrong"] == 0, r
    assert r["reads"] + r["writes"] > RATE  # it kept working through the rollout
    assert operator.proc.poll() is None, operator.output()
