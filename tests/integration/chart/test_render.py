"""helm lint and helm template: the chart renders what the operator needs,
and its schema refuses values that would render something broken."""
import json

import pytest
import yaml

from conftest import CHART, HELMS, helm, render


def by_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


@pytest.mark.parametrize("major", sorted(HELMS))
def test_lint_strict_passes(major):
    out = helm("lint", "--strict", str(CHART), binary=HELMS[major]).stdout
    assert "1 chart(s) linted, 0 chart(s) failed" in out, out


@pytest.mark.parametrize("major", sorted(HELMS))
def test_lint_strict_passes_with_every_option_on(major):
    out = helm("lint", "--strict", str(CHART), "--set", "metrics.serviceMonitor.enabled=true",
               "--set-json", 'watchNamespaces=["a","b"]', binary=HELMS[major]).stdout
    assert "0 chart(s) failed" in out, out


def test_helm4_renders_what_helm3_renders():
    # One chart for both majors: the same values give the same objects.
    argv = ("template", "b", str(CHART), "--namespace", "baton-system",
            "--set", "metrics.serviceMonitor.enabled=true")
    [three, four] = [list(yaml.safe_load_all(helm(*argv, binary=HELMS[m]).stdout))
                     for m in ("helm3", "helm4")]
    assert [d for d in four if d] == [d for d in three if d]


def test_default_render_is_cluster_wide_with_two_leader_elected_replicas():
    objects = render("baton-system")
    kinds = sorted(o["kind"] for o in objects)
    assert kinds == ["ClusterRole", "ClusterRole", "ClusterRole", "ClusterRole",
                     "ClusterRoleBinding", "ClusterRoleBinding", "ClusterRoleBinding", "Deployment",
                     "NetworkPolicy", "Role", "RoleBinding", "Service", "ServiceAccount",
                     "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"], kinds
    [dep] = by_kind(objects, "Deployment")
    assert dep["spec"]["replicas"] == 2
    [c] = dep["spec"]["template"]["spec"]["containers"]
    assert "--leader-elect=true" in c["args"]
    assert "--leader-election-namespace=$(POD_NAMESPACE)" in c["args"]
    assert not any(a.startswith("--namespaces") for a in c["args"])
    probes = {c["livenessProbe"]["httpGet"]["path"], c["readinessProbe"]["httpGet"]["path"]}
    assert probes == {"/healthz", "/readyz"}
    assert c["livenessProbe"]["httpGet"]["port"] == "health"
    assert "--health-probe-bind-address=:8081" in c["args"]
    assert "--metrics-bind-address=:8080" in c["args"]
    assert "--metrics-secure=true" in c["args"]
    assert not any(a.startswith("--metrics-cert-dir") for a in c["args"])
    [svc] = by_kind(objects, "Service")
    assert svc["spec"]["ports"][0]["targetPort"] == "metrics"


def test_restricted_security_context():
    [dep] = by_kind(render("baton-system"), "Deployment")
    pod = dep["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    sc = pod["containers"][0]["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"] == {"drop": ["ALL"]}


def test_watch_namespaces_give_one_role_per_namespace_and_no_cluster_role():
    objects = render("ops", {"watchNamespaces": ["team-a", "team-b"]})
    # Cluster-wide only what secure /metrics needs (reviews, and the reader
    # role) and reading nodes (to move pods off leaving nodes).
    assert {r["metadata"]["name"]: r["rules"] for r in by_kind(objects, "ClusterRole")} == {
        "baton-metrics-auth": [
            {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"],
             "verbs": ["create"]},
            {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"],
             "verbs": ["create"]}],
        "baton-metrics-reader": [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}],
        "baton-nodes": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["list", "watch"]}]}
    crbs = {c["roleRef"]["name"]: c for c in by_kind(objects, "ClusterRoleBinding")}
    assert set(crbs) == {"baton-metrics-auth", "baton-nodes"}
    for crb in crbs.values():
        assert crb["subjects"] == [{"kind": "ServiceAccount", "name": "baton",
                                    "namespace": "ops"}]
    assert not by_kind(render("ops", {"watchNamespaces": ["a"], "metrics.secure": False,
                                      "nodeEvacuation.enabled": False}), "ClusterRole")
    roles = {(r["metadata"]["namespace"], r["metadata"]["name"]) for r in by_kind(objects, "Role")}
    assert roles == {("team-a", "baton"), ("team-b", "baton"), ("ops", "baton-self")}
    for rb in by_kind(objects, "RoleBinding"):
        assert rb["subjects"] == [{"kind": "ServiceAccount", "name": "baton", "namespace": "ops"}]
    [dep] = by_kind(objects, "Deployment")
    assert "--namespaces=team-a,team-b" in dep["spec"]["template"]["spec"]["containers"][0]["args"]


def test_no_rule_touches_secrets_or_uses_wildcards():
    for values in ({}, {"watchNamespaces": ["a"]}):
        for role in [o for o in render("ops", values) if o["kind"] in ("Role", "ClusterRole")]:
            for rule in role["rules"]:
                names = rule.get("resources", []) + rule.get("nonResourceURLs", [])
                assert "*" not in rule["verbs"] + names + rule.get("apiGroups", []), rule
                assert "secrets" not in names, rule
                if "serviceaccounts/token" in names:
                    assert rule["resourceNames"] == ["baton"] and rule["verbs"] == ["create"]


def test_service_monitor_is_optional():
    assert not by_kind(render("ops"), "ServiceMonitor")
    [sm] = by_kind(render("ops", {"metrics.serviceMonitor.enabled": True,
                                  "metrics.serviceMonitor.labels": {"release": "prom"}}),
                   "ServiceMonitor")
    assert sm["metadata"]["labels"]["release"] == "prom"
    [ep] = sm["spec"]["endpoints"]
    assert ep["port"] == "metrics"
    # Secure metrics: HTTPS with Prometheus' own ServiceAccount token.
    assert ep["scheme"] == "https"
    assert ep["bearerTokenFile"] == "/var/run/secrets/kubernetes.io/serviceaccount/token"
    assert ep["tlsConfig"] == {"insecureSkipVerify": True}
    [plain] = by_kind(render("ops", {"metrics.serviceMonitor.enabled": True,
                                     "metrics.secure": False}), "ServiceMonitor")
    assert "scheme" not in plain["spec"]["endpoints"][0]


def test_metrics_cert_secret_is_mounted_and_passed():
    objects = render("ops", {"metrics.certSecret": "baton-metrics-tls"})
    [dep] = by_kind(objects, "Deployment")
    pod = dep["spec"]["template"]["spec"]
    [c] = pod["containers"]
    assert "--metrics-cert-dir=/etc/baton/metrics-tls" in c["args"]
    [mount] = [m for m in c["volumeMounts"] if m["name"] == "metrics-tls"]
    assert mount == {"name": "metrics-tls", "mountPath": "/etc/baton/metrics-tls",
                     "readOnly": True}
    [vol] = [v for v in pod["volumes"] if v["name"] == "metrics-tls"]
    assert vol["secret"] == {"secretName": "baton-metrics-tls"}


def test_network_policy_admits_scrapes_from_the_peers_and_probes_only():
    [np] = by_kind(render("ops"), "NetworkPolicy")
    assert np["spec"]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "baton", "app.kubernetes.io/instance": "baton"}
    assert np["spec"]["policyTypes"] == ["Ingress"]
    assert np["spec"]["ingress"] == [
        {"ports": [{"port": "metrics", "protocol": "TCP"}],
         "from": [{"namespaceSelector": {"matchLabels": {"metrics": "enabled"}}}]},
        {"ports": [{"port": "health", "protocol": "TCP"}]}]
    # The named ports are the Deployment's.
    [dep] = by_kind(render("ops"), "Deployment")
    names = {p["name"] for p in dep["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert names == {"metrics", "health"}
    peers = [{"podSelector": {"matchLabels": {"app": "prometheus"}}}]
    [np] = by_kind(render("ops", {"networkPolicy.metricsFrom": peers}), "NetworkPolicy")
    assert np["spec"]["ingress"][0]["from"] == peers
    # No peers: the metrics port admits nobody, probes still pass.
    [np] = by_kind(render("ops", {"networkPolicy.metricsFrom": []}), "NetworkPolicy")
    assert np["spec"]["ingress"] == [{"ports": [{"port": "health", "protocol": "TCP"}]}]
    assert not by_kind(render("ops", {"networkPolicy.enabled": False}), "NetworkPolicy")


def test_dashboard_configmap_carries_the_chart_dashboards():
    dashboards = sorted((CHART / "dashboards").glob("*.json"))
    if not dashboards:
        r = helm("template", "b", str(CHART), "--set", "grafanaDashboard.enabled=true",
                 check=False)
        assert r.returncode != 0 and "no dashboards/*.json" in r.stderr
        return
    [cm] = by_kind(render("ops", {"grafanaDashboard.enabled": True}), "ConfigMap")
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    for path in dashboards:
        assert json.loads(cm["data"][path.name]) == json.loads(path.read_text())


@pytest.mark.parametrize("key,value", [
    ("replicaCount", -1),
    ("logFormat", "xml"),
    ("watchNamespaces", ["Not_A_Namespace"]),
    ("metrics.port", 70000),
    ("noSuchValue", True),
    ("image.pullPolicy", "Sometimes"),
    ("metrics.secure", "yes"),
    ("metrics.certSecret", "Not A Secret"),
    ("networkPolicy.metricsFrom", [{}]),
    ("prometheus.url", "https://prometheus:9090"),
    ("prometheus.url", "prometheus:9090"),
])
# Helm 3 and Helm 4 check values.schema.json with different JSON Schema
# libraries: each must refuse.
@pytest.mark.parametrize("major", sorted(HELMS))
def test_schema_refuses_bad_values(key, value, major):
    r = helm("template", "b", str(CHART), "--set-json", f"{key}={json.dumps(value)}",
             check=False, binary=HELMS[major])
    assert r.returncode != 0, f"{key}={value} was accepted"
    assert "schema" in r.stderr.lower(), r.stderr


def test_prometheus_url_reaches_the_operator_only_when_set():
    [dep] = by_kind(render("ops", {"prometheus.url": "http://prometheus.monitoring:9090"}),
                    "Deployment")
    args = dep["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--prometheus-url=http://prometheus.monitoring:9090" in args
    [dep] = by_kind(render("ops"), "Deployment")
    assert not [a for a in dep["spec"]["template"]["spec"]["containers"][0]["args"]
                if a.startswith("--prometheus-url")]


def test_node_evacuation_reads_nodes_and_can_be_turned_off():
    [dep] = by_kind(render("ops", {"nodeEvacuation.extraTaints": ["example.com/retiring"]}),
                    "Deployment")
    args = dep["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--evacuate-leaving-nodes=true" in args
    assert "--departure-taints=example.com/retiring" in args
    off = render("ops", {"nodeEvacuation.enabled": False})
    [dep] = by_kind(off, "Deployment")
    assert "--evacuate-leaving-nodes=false" in dep["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "baton-nodes" not in {r["metadata"]["name"] for r in by_kind(off, "ClusterRole")}


def test_drain_guard_refuses_only_the_garbage_collectors_delete_of_a_running_tier_pod():
    """The policy as rendered; tests/e2e/test_delete_propagation.py runs it in
    the API server against a real foreground delete."""
    [policy] = by_kind(render("ops"), "ValidatingAdmissionPolicy")
    [binding] = by_kind(render("ops"), "ValidatingAdmissionPolicyBinding")
    assert binding["spec"]["policyName"] == policy["metadata"]["name"]
    assert binding["spec"]["validationActions"] == ["Deny"]
    [rule] = policy["spec"]["matchConstraints"]["resourceRules"]
    assert rule["operations"] == ["DELETE"] and rule["resources"] == ["pods"]
    [condition] = policy["spec"]["matchConditions"]
    assert "generic-garbage-collector" in condition["expression"]
    assert not by_kind(render("ops", {"drainGuard.enabled": False}), "ValidatingAdmissionPolicy")
