"""The real Prometheus server for end-to-end tests (issue 23), as a pytest
fixture: `prometheus(ns, port)` starts $BATON_PROMETHEUS (scripts/build-gotools
builds it, scripts/test exports it) on 127.0.0.1:<free port> with its storage
and log in the test's tmp dir, scraping every second the pods of namespace
`ns` found through kubernetes_sd_configs (role pod, the test cluster's
KUBECONFIG) on their container port `port`, GET /metrics. Each series keeps
`namespace`, `pod`, and the pod labels baton.dev/revision as `revision` and
baton.dev/tier as `tier`. Stopped at teardown. Tests import the fixture from
their conftest.py."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml

START_TIMEOUT_S = 30


def _free_port():
    # Prometheus cannot report a port it picked itself: take one free now.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kubeconfig():
    """The first file of $KUBECONFIG that exists (as client-go reads a list)."""
    for path in os.environ.get("KUBECONFIG", "").split(os.pathsep):
        if path and pathlib.Path(path).exists():
            return path
    raise AssertionError("KUBECONFIG names no file: the Prometheus fixture needs the test cluster")


def scrape_config(namespace, port, kubeconfig):
    """The scrape job: pods of `namespace` on container port `port`."""
    meta = "__meta_kubernetes_"
    return {
        "job_name": "pods",
        "scrape_interval": "1s",
        "scrape_timeout": "1s",
        "kubernetes_sd_configs": [{"role": "pod", "kubeconfig_file": kubeconfig,
                                   "namespaces": {"names": [namespace]}}],
        "relabel_configs": [
            # One target per declared container port: keep the metrics port's.
            {"source_labels": [meta + "pod_container_port_number"], "regex": str(port),
             "action": "keep"},
            {"source_labels": [meta + "pod_ip"], "regex": ".+", "action": "keep"},
            {"source_labels": [meta + "namespace"], "target_label": "namespace"},
            {"source_labels": [meta + "pod_name"], "target_label": "pod"},
            {"source_labels": [meta + "pod_label_baton_dev_revision"], "target_label": "revision"},
            {"source_labels": [meta + "pod_label_baton_dev_tier"], "target_label": "tier"},
        ],
    }


class PrometheusServer:
    def __init__(self, binary, workdir, namespace, port, kubeconfig):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                  "scrape_configs": [scrape_config(namespace, port, kubeconfig)]}
        (self.workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log_path = self.workdir / "prometheus.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={self.workdir / 'prometheus.yml'}",
             f"--storage.tsdb.path={self.workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        self._wait_ready()

    def log(self):
        return self.log_path.read_text(errors="replace")

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"prometheus exited {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"prometheus not ready in {START_TIMEOUT_S}s:\n{self.log()}")

    def query(self, promql):
        """An instant query: its result list (vector or scalar data), raising
        on an HTTP or query error."""
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        with urllib.request.urlopen(url, timeout=5) as r:
            answer = json.loads(r.read())
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def value(self, promql):
        """The single number a query gives, or None (no series, several, NaN)."""
        result = self.query(promql)
        if not result or not isinstance(result[0], dict) or len(result) != 1:
            return None
        v = float(result[0]["value"][1])
        return None if v != v else v

    def targets(self):
        with urllib.request.urlopen(self.url + "/api/v1/targets", timeout=5) as r:
            return json.loads(r.read())["data"]["activeTargets"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture
def prometheus(tmp_path):
    """A factory: prometheus(namespace, port) -> a started PrometheusServer;
    every server started is stopped at teardown."""
    binary = os.environ.get("BATON_PROMETHEUS")
    assert binary, "BATON_PROMETHEUS is not set (scripts/build-gotools builds it)"
    servers = []

    def start(namespace, port):
        s = PrometheusServer(binary, tmp_path / f"prometheus-{len(servers)}", namespace, port,
                             _kubeconfig())
        servers.append(s)
        return s

    try:
        yield start
    finally:
        for s in servers:
            s.stop()
