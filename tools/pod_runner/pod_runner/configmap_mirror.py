"""Projects ConfigMap keys to files, as kubelet does for ConfigMap volumes:
the check-in stand-in (the load generator) reads Baton's serving directory
from a file that follows the ConfigMap."""
import logging
import os
import threading
import time

from kubernetes import client, watch
from kubernetes.client.rest import ApiException

log = logging.getLogger("pod-runner")


class ConfigMapMirror:
    def __init__(self, api: client.CoreV1Api, spec: str):
        """spec: NAMESPACE/NAME:KEY=PATH"""
        ref, _, self.path = spec.partition("=")
        nsname, _, self.key = ref.partition(":")
        self.namespace, _, self.name = nsname.partition("/")
        if not (self.path and self.key and self.namespace and self.name):
            raise ValueError(f"--mirror-configmap wants NAMESPACE/NAME:KEY=PATH, got {spec!r}")
        self.api = api
        self.last = None

    def _write(self, data: dict | None) -> None:
        value = (data or {}).get(self.key)
        if value is None or value == self.last:
            return
        tmp = f"{self.path}.tmp"
        with open(tmp, "w") as f:
            f.write(value)
        os.replace(tmp, self.path)  # atomic: readers never see half a file
        self.last = value

    def run(self, stop: threading.Event) -> None:
        selector = f"metadata.name={self.name}"
        while not stop.is_set():
            try:
                w = watch.Watch()
                for ev in w.stream(self.api.list_namespaced_config_map, self.namespace,
                                   field_selector=selector, timeout_seconds=60):
                    if stop.is_set():
                        w.stop()
                        break
                    if ev["type"] in ("ADDED", "MODIFIED"):
                        self._write(ev["raw_object"].get("data"))
            except (ApiException, Exception) as e:  # apiserver restarts: keep following
                log.warning("mirror %s/%s: %s", self.namespace, self.name, e)
                time.sleep(1)

    def start(self, stop: threading.Event) -> None:
        threading.Thread(target=self.run, args=(stop,), daemon=True).start()
