"""What kubelet mounts for a pod's ServiceAccount, as a kubeconfig file: a
token from the TokenRequest API, bound to the pod (it stops working when the
pod is gone), with the API server's address and CA. Workloads that call the
API themselves (TokenReviews of the drain endpoint's callers) find it in
$KUBECONFIG (also $(POD_KUBECONFIG))."""
import os

import yaml
from kubernetes import client

TOKEN_SECONDS = 3600


def kubeconfig_text(server: str, ca_file: str, token: str) -> str:
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "pod", "cluster": {"server": server,
                                                 "certificate-authority": ca_file}}],
        "users": [{"name": "pod", "user": {"token": token}}],
        "contexts": [{"name": "pod", "context": {"cluster": "pod", "user": "pod"}}],
        "current-context": "pod",
    })


def write_pod_kubeconfig(api: client.CoreV1Api, pod: dict, path: str) -> str:
    """Requests the pod's ServiceAccount token and writes the kubeconfig
    (mode 0600) to `path`; returns the path."""
    meta = pod["metadata"]
    sa = pod.get("spec", {}).get("serviceAccountName") or "default"
    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(
        audiences=[], expiration_seconds=TOKEN_SECONDS,
        bound_object_ref=client.V1BoundObjectReference(
            api_version="v1", kind="Pod", name=meta["name"], uid=meta["uid"])))
    answer = api.create_namespaced_service_account_token(sa, meta["namespace"], request)
    conf = api.api_client.configuration
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(kubeconfig_text(conf.host, conf.ssl_ca_cert, answer.status.token))
    return path
