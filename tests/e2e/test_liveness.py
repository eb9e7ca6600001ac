"""/healthz fails when a work loop hangs (issue 24), so that the chart's
liveness probe restarts the operator instead of leaving it silent.

The hang is real: BATON_STALL_AFTER=create-pod makes the worker that
created the tier's first pod block for good right after that write, as a
deadlock would (operator/controller/crash_point.h). /healthz answers 200
before, and 503 naming the tier once the reconcile has run longer than
--worker-stuck-seconds."""
import re
import signal
import urllib.error
import urllib.request

from harness import wait_for
from tiers import relay_tier


def probe(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_healthz_fails_when_a_worker_hangs(harness):
    h = harness
    h.start_pod_runner("relay")
    operator = h.start_operator("--worker-stuck-seconds", "3",
                                env={"BATON_STALL_AFTER": "create-pod"})
    line = wait_for("the health port", lambda: re.search(
        r"serving /healthz and /readyz on 127\.0\.0\.1:(\d+)", operator.output()), 30)
    port = int(line.group(1))
    wait_for("/healthz to pass while nothing hangs", lambda: probe(port)[0] == 200, 30)

    h.apply_tier(relay_tier("v1", replicas=2))
    operator.wait_for_line("stall point reached: after create-pod", 60)
    status, body = wait_for("/healthz to fail", lambda: (r := probe(port))[0] == 503 and r, 20,
                            interval=0.5)
    assert f"reconciling RelayTier/{h.ns}/relay" in body, body
    assert operator.proc.poll() is None, "the operator exited instead of hanging"
    operator.stop(sig=signal.SIGKILL)  # what the kubelet does when the probe keeps failing
