"""Readiness from the pod's own readinessProbe, checked against the pod IP,
as kubelet does: httpGet (2xx/3xx) or tcpSocket. Without a probe a running
process is ready."""
import http.client
import socket


def _port(c: dict, port) -> int:
    if isinstance(port, int):
        return port
    for p in c.get("ports", []) or []:
        if p.get("name") == port:
            return int(p["containerPort"])
    return int(port)


def probe(pod: dict, pod_ip: str, timeout: float = 0.5) -> bool:
    containers = pod.get("spec", {}).get("containers", [])
    if not containers:
        return False
    c = containers[0]
    rp = c.get("readinessProbe")
    if not rp:
        return True
    try:
        if "httpGet" in rp:
            h = rp["httpGet"]
            conn = http.client.HTTPConnection(pod_ip, _port(c, h["port"]), timeout=timeout)
            try:
                conn.request("GET", h.get("path", "/"))
                return 200 <= conn.getresponse().status < 400
            finally:
                conn.close()
        if "tcpSocket" in rp:
            with socket.create_connection((pod_ip, _port(c, rp["tcpSocket"]["port"])), timeout=timeout):
                return True
    except (OSError, http.client.HTTPException, ValueError):
        return False
    return False
