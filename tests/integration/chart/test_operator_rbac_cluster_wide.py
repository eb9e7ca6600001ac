"""The default install (watchNamespaces empty: a ClusterRole bound
cluster-wide) is the minimum too, as test_operator_rbac.py proves for the
namespaced mode, with the same scenario: the operator, run on this host
under exactly the chart's ServiceAccount, ClusterRoles, Role and bindings,
rolls a RelayTier from v1 to v2 without a 403; removing any one rule of the
operator's roles makes it fail with a 403 on that rule's resource.

The scenario also scrapes the operator's secure /metrics, against the real
API server's TokenReview and SubjectAccessReview: a token bound to the
chart's metrics-reader ClusterRole gets 200; a valid token of a
ServiceAccount without it, 403; none or a forged one, 401; plain HTTP,
nothing. The certificate comes from --metrics-cert-dir and is verified."""
import re
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import kubectl, render
from test_operator_rbac import RBAC_KINDS, RELEASE, SA, Scenario, scenarios

READER_ROLE = f"{RELEASE}-metrics-reader"  # the chart's, for Prometheus to bind


def cluster_wide_rbac(ns):
    """The default install's RBAC objects for an operator living in `ns`."""
    return [o for o in render(ns, {}, release=RELEASE) if o["kind"] in RBAC_KINDS]


def rule_ids():
    """(role, rule index, resources, verbs) of every rule the operator holds;
    the reader ClusterRole is Prometheus', not the operator's."""
    ids = []
    for o in cluster_wide_rbac("rules"):
        if o["kind"] in ("Role", "ClusterRole") and o["metadata"]["name"] != READER_ROLE:
            for i, rule in enumerate(o["rules"]):
                ids.append((o["metadata"]["name"], i, tuple(rule["resources"]),
                            tuple(rule["verbs"])))
    return ids


RULES = rule_ids()


def https_get(port, cafile, token=None):
    """Status of GET https://127.0.0.1:port/metrics, verifying the server
    against `cafile`, and the body."""
    context = ssl.create_default_context(cafile=str(cafile))
    req = urllib.request.Request(f"https://127.0.0.1:{port}/metrics")
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def plain_http_status(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            return r.status
    except (urllib.error.URLError, ConnectionError, OSError) as e:
        return type(e).__name__


class ClusterWideScenario(Scenario):
    """Scenario with the default install's RBAC, the operator watching every
    namespace, and the /metrics scrapes above right after it starts."""

    def rbac_objects(self):
        # The serving certificate for --metrics-cert-dir, as cert-manager
        # would put it in a Secret: tls.crt and tls.key.
        self.certs = self.tmp / "metrics-certs"
        self.certs.mkdir()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
                        "/CN=baton-metrics", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", self.certs / "tls.key", "-out", self.certs / "tls.crt"],
                       check=True, capture_output=True)
        self.reader_binding = f"{self.ns}-metrics-reader"
        self.metrics = {}
        return cluster_wide_rbac(self.ns)

    def operator_args(self):
        return [f"--metrics-cert-dir={self.certs}"]

    def forbidden(self):
        # Watching every namespace, the operator also meets tiers left in
        # namespaces being deleted, where a create is refused with 403 "being
        # terminated": only RBAC's refusals ("User ... cannot ...") count.
        return [line for line in super().forbidden() if " cannot " in line]

    def start(self):
        super().start()
        self.operator.wait_for_line("serving /metrics on", 30)
        port = int(re.search(r"serving /metrics on [\d.]+:(\d+) over https",
                             self.operator.output()).group(1))
        for name in ("prometheus", "nobody"):
            kubectl("create", "serviceaccount", name, "-n", self.ns)
        kubectl("create", "clusterrolebinding", self.reader_binding,
                f"--clusterrole={READER_ROLE}", f"--serviceaccount={self.ns}:prometheus")
        reader = f"system:serviceaccount:{self.ns}:prometheus"
        deadline = time.monotonic() + 10
        while kubectl("auth", "can-i", "get", "/metrics", f"--as={reader}",
                      check=False).stdout.strip() != "yes":
            assert time.monotonic() < deadline, "the reader binding never took effect"
            time.sleep(0.2)
        tokens = {name: kubectl("create", "token", name, "-n", self.ns,
                                "--duration=10m").stdout.strip()
                  for name in ("prometheus", "nobody")}
        ca = self.certs / "tls.crt"
        self.metrics = {
            "none": https_get(port, ca)[0],
            "forged": https_get(port, ca, tokens["prometheus"][:-4] + "AAAA")[0],
            "nobody": https_get(port, ca, tokens["nobody"])[0],
            "reader": https_get(port, ca, tokens["prometheus"]),
            "plain http": plain_http_status(port),
        }

    def close(self):
        super().close()
        kubectl("delete", "clusterrolebinding", self.reader_binding, "--wait=false",
                check=False)


@pytest.fixture
def cluster_wide(api, crds, tmp_path):
    yield from scenarios(ClusterWideScenario, api, tmp_path)


def test_default_install_rolls_out_and_serves_metrics_under_exactly_its_rbac(cluster_wide):
    s = cluster_wide()
    assert s.whoami() == f"system:serviceaccount:{s.ns}:{SA}"
    # What the cluster-wide install must not grant, anywhere.
    for verb, what in [("get", "secrets"), ("list", "secrets"), ("watch", "secrets"),
                       ("create", "deployments.apps"), ("delete", "deployments.apps"),
                       ("delete", "statefulsets.apps"), ("delete", "namespaces"),
                       ("get", "nodes"), ("update", "nodes"), ("patch", "nodes"),
                       ("delete", "customresourcedefinitions.apiextensions.k8s.io"),
                       ("delete", "relaytiers.baton.dev"), ("update", "relaytiers.baton.dev"),
                       ("delete", "services"), ("update", "pods"), ("delete", "configmaps"),
                       ("create", "clusterrolebindings.rbac.authorization.k8s.io"),
                       ("create", "rolebindings.rbac.authorization.k8s.io"),
                       ("impersonate", "serviceaccounts"), ("create", "serviceaccounts"),
                       ("create", "certificatesigningrequests.certificates.k8s.io")]:
        assert s.can_i(verb, what, "--all-namespaces") == "no", f"can {verb} {what}"
    assert s.can_i("create", "pods", "--subresource=exec", "-n", "default") == "no"
    assert s.can_i("create", "pods", "--subresource=eviction", "-n", "default") == "no"
    assert s.can_i("delete", "leases", "-n", s.ns) == "no"
    assert s.can_i("update", "leases", "-n", "kube-system") == "no"
    assert s.can_i("create", "serviceaccounts/default", "--subresource=token",
                   "-n", s.ns) == "no"
    assert s.can_i("create", f"serviceaccounts/{SA}", "--subresource=token",
                   "-n", "default") == "no"
    assert s.can_i("get", "/metrics") == "no", "the operator need not read metrics"
    # What it must have: every namespace's tiers and pods, and the reviews.
    assert s.can_i("list", "pods", "--all-namespaces") == "yes"
    # Issue 19: nodes are read (list and watch only) to move pods off leaving ones.
    assert s.can_i("list", "nodes") == "yes" and s.can_i("watch", "nodes") == "yes"
    assert s.can_i("patch", "relaytiers.baton.dev", "--subresource=status", "-n",
                   "default") == "yes"
    assert s.can_i("create", "tokenreviews.authentication.k8s.io") == "yes"
    assert s.can_i("create", "subjectaccessreviews.authorization.k8s.io") == "yes"

    started = time.monotonic()
    passed, why = s.run()
    print(f"full cluster-wide RBAC: {why} in {time.monotonic() - started:.1f}s "
          f"(drain auth on); "
          f"/metrics: { {k: v if k != 'reader' else v[0] for k, v in s.metrics.items()} }")
    assert passed, why + "\n" + s.operator.output()[-4000:]
    status, body = s.metrics["reader"]
    assert status == 200, body
    assert "rest_client_requests_total" in body and "leader_election_master_status" in body, \
        body[:2000]
    assert s.metrics["nobody"] == 403
    assert s.metrics["none"] == 401
    assert s.metrics["forged"] == 401
    assert s.metrics["plain http"] != 200


@pytest.mark.parametrize("role,index,resources,verbs", RULES,
                         ids=[f"{r}[{i}]:{'+'.join(res)}" for r, i, res, _ in RULES])
def test_removing_any_rule_of_the_default_install_breaks_the_scenario(
        cluster_wide, role, index, resources, verbs):
    s = cluster_wide(drop=(role, index))
    started = time.monotonic()
    passed, why = s.run(timeout=60)
    print(f"without {role}[{index}] {resources} {verbs}: {why} "
          f"({time.monotonic() - started:.1f}s)")
    assert not passed, f"the scenario passed without {resources} {verbs}"
    names = {r.split("/")[0] for r in resources}
    subresources = {r.split("/")[1] for r in resources if "/" in r}
    assert "403" in why, why
    assert any(n in why for n in names | subresources), why
