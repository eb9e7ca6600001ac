"""The RelayTier the end-to-end tests apply: the example relay run by the pod
runner, one drain at a time. Each test states only what it changes."""

DRAIN_PORT = 9090
# These scenarios are about rollouts, not about who may call the drain
# endpoint, so their relays opt out of authentication explicitly (the
# examples refuse to start otherwise). test_drain_auth.py and
# test_example_manifests.py run tiers that authenticate.
UNAUTHENTICATED = ("--drain-allow-unauthenticated",)


def relay_tier(version="v1", *, replicas=3, threshold=5, pace=200, timeout=600,
               on_timeout="Pause", max_sessions=5000, probe_port="chat", extra_args=(),
               drain_auth_args=UNAUTHENTICATED, service_account=None, auth=None, **rollout):
    """rollout: overrides of spec.rollout (e.g. partition=2, paused=True).
    drain_auth_args: how the relays authenticate drain calls."""
    ro = {"maxSurge": 1, "maxUnavailable": 0, "maxConcurrentDrains": 1,
          "minReadySeconds": 1, "progressDeadlineSeconds": 120}
    ro.update(rollout)
    drain = {"port": DRAIN_PORT, "sessionThreshold": threshold, "pollIntervalSeconds": 1,
             "timeoutSeconds": timeout, "onTimeout": on_timeout, "sessionsPerSecond": pace}
    if auth:
        drain["auth"] = auth
    pod_spec = {"containers": [{
        "name": "relay",
        "image": f"relay:{version}",
        "args": ["--host", "$(POD_IP)", "--port", "7000",
                 "--drain-port", str(DRAIN_PORT), "--version", "$(IMAGE_TAG)",
                 "--max-sessions", str(max_sessions), *drain_auth_args, *extra_args],
        "ports": [{"name": "chat", "containerPort": 7000},
                  {"name": "drain", "containerPort": DRAIN_PORT}],
        "readinessProbe": {"tcpSocket": {"port": probe_port}},
    }]}
    if service_account:
        pod_spec["serviceAccountName"] = service_account
    return {
        "apiVersion": "baton.dev/v1alpha1",
        "kind": "RelayTier",
        "metadata": {"name": "relay"},
        "spec": {
            "replicas": replicas,
            "servingPort": 7000,
            "template": {
                "metadata": {"labels": {"app": "relay"},
                             "annotations": {"harness.baton.dev/pod-runner": "true"}},
                "spec": pod_spec,
            },
            "drain": drain,
            "rollout": ro,
        },
    }
