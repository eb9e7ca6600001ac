"""The Prometheus fixture (tests/support/prometheus_fixture.py) against real
relays: two relay pods run by the pod runner, one of them a bad version that
drops 30 % of the messages it should relay; with load from the load
generator, the real Prometheus finds both pods through Kubernetes service
discovery and the drop share of each revision comes out of a PromQL query.
Bare pods, no operator: this is about the signal, not the canary."""
import json

from kubernetes import client

from harness import BUILD, wait_for
from tiers import DRAIN_PORT, UNAUTHENTICATED

SHARE = ('sum(rate(relay_messages_dropped_total{{revision="{r}"}}[10s])) / '
         '(sum(rate(relay_messages_relayed_total{{revision="{r}"}}[10s])) + '
         'sum(rate(relay_messages_dropped_total{{revision="{r}"}}[10s])))')


def relay_pod(name, revision, extra_args=()):
    return client.V1Pod(
        metadata=client.V1ObjectMeta(
            name=name, labels={"baton.dev/tier": "relay", "baton.dev/revision": revision},
            annotations={"harness.baton.dev/pod-runner": "true"}),
        spec=client.V1PodSpec(containers=[client.V1Container(
            name="relay", image=f"relay:{revision}",
            args=["--host", "$(POD_IP)", "--port", "7000", "--drain-port", str(DRAIN_PORT),
                  "--version", "$(IMAGE_TAG)", *UNAUTHENTICATED, *extra_args],
            ports=[client.V1ContainerPort(name="chat", container_port=7000),
                   client.V1ContainerPort(name="drain", container_port=DRAIN_PORT)],
            readiness_probe=client.V1Probe(tcp_socket=client.V1TCPSocketAction(port="chat")))]))


def test_prometheus_scrapes_the_relays_and_shows_the_bad_versions_drop_share(harness,
                                                                             prometheus):
    h = harness
    h.start_pod_runner("relay")
    h.core.create_namespaced_pod(h.ns, relay_pod("relay-good", "v1"))
    h.core.create_namespaced_pod(h.ns, relay_pod("relay-bad", "v2",
                                                 ("--drop-message-share", "0.3")))

    def ips():
        pods = h.core.list_namespaced_pod(h.ns).items
        ready = [p for p in pods if p.status.pod_ip and any(
            c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])]
        return {p.metadata.name: p.status.pod_ip for p in ready} if len(ready) == 2 else None
    addresses = wait_for("both relay pods ready", ips, 90)

    server = prometheus(h.ns, DRAIN_PORT)
    report = h.tmp / "loadgen.json"
    loadgen = h.start("loadgen", [BUILD / "examples" / "loadgen" / "loadgen",
                                  "--targets", ",".join(f"{ip}:7000" for ip in addresses.values()),
                                  "--sessions", 200, "--rate", 400, "--duration", 120,
                                  "--settle", 2, "--allow-loss", "--report", report])
    loadgen.wait_for_line("established", 60)

    # Discovery found both pods, with the labels the fixture keeps.
    def scraped():
        up = server.query("up == 1")
        return up if len(up) == 2 else None
    up = wait_for("both relays scraped", scraped, 60, interval=1)
    labels = {s["metric"]["pod"]: s["metric"] for s in up}
    assert set(labels) == {"relay-good", "relay-bad"}, up
    assert {labels[p]["revision"] for p in labels} == {"v1", "v2"}
    assert all(m["namespace"] == h.ns and m["tier"] == "relay" for m in labels.values())

    bad = wait_for("the bad revision's drop share",
                   lambda: server.value(SHARE.format(r="v2")), 60, interval=1)
    good = wait_for("the good revision's drop share",
                    lambda: (v := server.value(SHARE.format(r="v1"))) is not None and (v,), 60,
                    interval=1)[0]
    print(f"drop share: v2 {bad:.3f}, v1 {good:.3f}")
    assert abs(bad - 0.3) < 0.05
    assert good == 0

    # The same loss, seen from the load generator's side.
    assert loadgen.stop(sig=2, timeout=60) == 0, loadgen.output()
    r = json.loads(report.read_text())
    assert r["messages"]["lost"] > 0
    dropped = server.value('sum(relay_messages_dropped_total{revision="v2"})')
    assert dropped is not None and dropped <= r["messages"]["lost"]
