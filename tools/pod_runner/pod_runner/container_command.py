"""Turns a pod's first container into a local command line, as kubelet would
turn it into a container: the image names the program, env is resolved
(values and the downward API fields kubelet supports here), and $(VAR) in args
is expanded from that env."""
import os
import re
from dataclasses import dataclass, field

_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


@dataclass
class Command:
    program: str
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    image_name: str = ""
    image_tag: str = ""


def split_image(image: str) -> tuple[str, str]:
    """'registry.example/team/relay:v2' -> ('relay', 'v2'); no tag -> 'latest'."""
    last = image.rsplit("/", 1)[-1]
    name, _, tag = last.partition(":")
    return name, tag or "latest"


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion: unknown references stay as written,
    and $$ escapes a dollar."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        m = _VAR.match(text, i)
        if m:
            out.append(env.get(m.group(1), m.group(0)))
            i = m.end()
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _field_ref(pod: dict, path: str, pod_ip: str, host_ip: str) -> str:
    meta = pod.get("metadata", {})
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": pod.get("spec", {}).get("nodeName", ""),
        "spec.serviceAccountName": pod.get("spec", {}).get("serviceAccountName", ""),
        "status.podIP": pod_ip,
        "status.hostIP": host_ip,
    }
    if path in simple:
        return simple[path]
    m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
    if m:
        return meta.get(m.group(1), {}).get(m.group(2), "")
    raise ValueError(f"unsupported fieldRef {path}")


def build(pod: dict, binaries: dict[str, str], pod_ip: str, host_ip: str,
          extra_env: dict[str, str] | None = None) -> Command:
    containers = pod.get("spec", {}).get("containers", [])
    if not containers:
        raise ValueError("pod has no containers")
    c = containers[0]
    name, tag = split_image(c.get("image", ""))
    if name not in binaries:
        raise ValueError(f"no local program for image {c.get('image')!r} (known: {sorted(binaries)})")
    meta = pod.get("metadata", {})
    env = {
        "POD_NAME": meta.get("name", ""),
        "POD_NAMESPACE": meta.get("namespace", ""),
        "POD_IP": pod_ip,
        "HOST_IP": host_ip,
        "IMAGE_TAG": tag,
        **(extra_env or {}),
    }
    for e in c.get("env", []) or []:
        if "value" in e:
            env[e["name"]] = expand(e["value"], env)
        elif "valueFrom" in e and "fieldRef" in e["valueFrom"]:
            env[e["name"]] = _field_ref(pod, e["valueFrom"]["fieldRef"]["fieldPath"], pod_ip, host_ip)
    args = [expand(a, env) for a in (c.get("args") or [])]
    return Command(program=binaries[name], args=args, env=env, image_name=name, image_tag=tag)


# The host's own credentials: a container never sees kubelet's environment, so
# a program that finds no credentials of its pod must fail, not use these.
HOST_ONLY_ENV = ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT")


def process_env(host_env: dict[str, str], pod_env: dict[str, str]) -> dict[str, str]:
    """The program's environment: the host's (PATH, locale, sanitizer
    options) without its cluster credentials, then the pod's own."""
    env = {k: v for k, v in host_env.items() if k not in HOST_ONLY_ENV}
    env.update(pod_env)
    return env


def default_binaries(bin_dir: str) -> dict[str, str]:
    """Every example program built under <build>/examples/<name>/<name>."""
    found = {}
    root = os.path.join(bin_dir, "examples")
    if os.path.isdir(root):
        for name in sorted(os.listdir(root)):
            path = os.path.join(root, name, name)
            if os.access(path, os.X_OK):
                found[name] = path
    return found
