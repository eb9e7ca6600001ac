"""The status a kubelet would report for a pod (pure)."""
from datetime import datetime, timezone


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _condition(ctype: str, ok: bool, since: str) -> dict:
    return {"type": ctype, "status": "True" if ok else "False", "lastTransitionTime": since}


def crash_loop_delay(crashes_in_a_row: int) -> float:
    """Seconds before restarting a container that exited `crashes_in_a_row`
    times in a row: kubelet's crash-loop backoff (10 s doubling to 5 min),
    scaled down to 1 s doubling to 30 s so tests stay short."""
    return min(1.0 * 2 ** max(crashes_in_a_row - 1, 0), 30.0)


def status_patch(*, pod: dict, pod_ip: str, host_ip: str, phase: str, ready: bool,
                 running: bool, restart_count: int, started_at: str, ready_since: str,
                 exit_code: int | None = None, crash_looping: bool = False) -> dict:
    """The whole status kubelet would report now. crash_looping: the
    container exited again and waits out its restart backoff, which kubelet
    reports as waiting CrashLoopBackOff with the exit in lastState."""
    containers = pod.get("spec", {}).get("containers", [])
    statuses = []
    for i, c in enumerate(containers):
        last_state = {}
        if running:
            state = {"running": {"startedAt": started_at}}
        elif crash_looping:
            state = {"waiting": {"reason": "CrashLoopBackOff",
                                 "message": f"back-off restarting failed container {c.get('name')}"}}
            last_state = {"terminated": {"exitCode": exit_code if exit_code is not None else 0,
                                         "startedAt": started_at, "finishedAt": now_rfc3339(),
                                         "reason": "Completed" if exit_code == 0 else "Error"}}
        else:
            state = {"terminated": {"exitCode": exit_code if exit_code is not None else 0,
                                    "startedAt": started_at, "finishedAt": now_rfc3339(),
                                    "reason": "Completed" if exit_code == 0 else "Error"}}
        statuses.append({
            "name": c.get("name", f"c{i}"),
            "image": c.get("image", ""),
            "imageID": "",
            "ready": ready,
            "started": running,
            "restartCount": restart_count,
            # A strategic merge patch merges `state` key by key: the states
            # not in force now are removed with null, or a restarted
            # container would still show its CrashLoopBackOff.
            "state": {**{k: None for k in ("running", "waiting", "terminated")}, **state},
            "lastState": last_state,
        })
    since = ready_since or started_at
    return {
        "status": {
            "phase": phase,
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}] if host_ip else [],
            "startTime": started_at,
            "conditions": [
                _condition("PodScheduled", True, started_at),
                _condition("Initialized", True, started_at),
                _condition("ContainersReady", ready, since),
                _condition("Ready", ready, since),
            ],
            "containerStatuses": statuses,
        }
    }


def ready_condition(status: dict) -> str | None:
    """The Ready condition's status ("True", "False", "Unknown"), None without one."""
    return next((c.get("status") for c in status.get("conditions") or []
                 if c.get("type") == "Ready"), None)


def differs_from_running(status: dict, *, pod_ip: str, ready: bool) -> bool:
    """Whether an API server's copy of a running pod's status says other than
    its kubelet knows: phase, IP or readiness."""
    return (status.get("phase") != "Running" or status.get("podIP") != pod_ip
            or ready_condition(status) != ("True" if ready else "False"))
