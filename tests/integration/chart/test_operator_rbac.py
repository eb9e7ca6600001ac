"""The operator, run from the build directory on this host, under exactly the
chart's ServiceAccount and RBAC: the rendered ServiceAccount, Roles and
RoleBindings are applied, a token of that ServiceAccount is minted with
`kubectl create token`, and the operator's kubeconfig holds only that token.

The scenario: a RelayTier of 2 relays (with a Service, a PodDisruptionBudget
and drain authentication by ServiceAccount token) rolls from v1 to v2 under the pod runner. It passes only if the
rollout completes AND the operator never got a 403. Then each rule of the
chart's roles is removed in turn and the same scenario must fail, naming
the resource of the rule removed: every rule is needed. The scenario stops
at the first 403, so these runs take seconds each."""
import base64
import os
import pathlib
import sys
import time
import uuid

import pytest
import yaml
from kubernetes import client

from conftest import BUILD, KUBECONFIG, REPO, kubectl, render, to_yaml

sys.path.insert(0, str(REPO / "tests" / "e2e"))
from harness import Harness  # noqa: E402

RELEASE = "baton"
SA = "baton"  # the chart's ServiceAccount for release "baton"
DRAIN_PORT = 9090
SCENARIO_TIMEOUT = 120


def relay_tier(ns, version):
    # The relay takes the audience from BATON_DRAIN_AUDIENCE, set by Baton,
    # and its kubeconfig from $KUBECONFIG, set by the pod runner.
    args = ["--host", "$(POD_IP)", "--port", "7000", "--drain-port", str(DRAIN_PORT),
            "--version", "$(IMAGE_TAG)",
            "--drain-allowed-identity", f"system:serviceaccount:{ns}:{SA}"]
    drain = {"port": DRAIN_PORT, "sessionThreshold": 0, "pollIntervalSeconds": 1,
             "timeoutSeconds": 60, "onTimeout": "Pause", "auth": {"type": "ServiceAccountToken"}}
    return {
        "apiVersion": "baton.dev/v1alpha1", "kind": "RelayTier",
        "metadata": {"name": "relay", "namespace": ns},
        "spec": {
            "replicas": 2,
            "servingPort": 7000,
            "template": {
                "metadata": {"labels": {"app": "relay"},
                             "annotations": {"harness.baton.dev/pod-runner": "true"}},
                "spec": {"containers": [{
                    "name": "relay", "image": f"relay:{version}", "args": args,
                    "ports": [{"name": "chat", "containerPort": 7000},
                              {"name": "drain", "containerPort": DRAIN_PORT}],
                    "readinessProbe": {"tcpSocket": {"port": "chat"}},
                }]},
            },
            "drain": drain,
            "rollout": {"maxSurge": 1, "maxUnavailable": 0, "maxConcurrentDrains": 1,
                        "minReadySeconds": 0, "progressDeadlineSeconds": 60},
            "service": {"type": "ClusterIP", "ports": [{"name": "chat", "port": 7000,
                                                         "targetPort": 7000}]},
            "podDisruptionBudget": {},
        },
    }


RBAC_KINDS = ("ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")


def chart_rbac(ns):
    """The chart's ServiceAccount, Roles and RoleBindings for an operator
    that lives in and watches `ns`."""
    objects = render(ns, {"watchNamespaces": [ns]}, release=RELEASE)
    return [o for o in objects if o["kind"] in RBAC_KINDS]


def rule_ids():
    """(role name, rule index, resources) of every rule, from a render."""
    ids = []
    for o in chart_rbac("rules"):
        if o["kind"] == "Role":
            for i, rule in enumerate(o["rules"]):
                ids.append((o["metadata"]["name"], i, tuple(rule["resources"]),
                            tuple(rule["verbs"])))
    return ids


RULES = rule_ids()


def sa_kubeconfig(path, token):
    """A kubeconfig with the admin one's server and CA and nothing but `token`."""
    admin = yaml.safe_load(pathlib.Path(KUBECONFIG).read_text())
    cluster = dict(admin["clusters"][0]["cluster"])
    ca = cluster.get("certificate-authority")
    if ca and not os.path.isabs(ca):
        cluster["certificate-authority"] = str(pathlib.Path(KUBECONFIG).parent / ca)
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "sa", "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "c", "user": "sa"}}],
        "current-context": "sa"}))
    path.chmod(0o600)
    return path


class Scenario:
    """One namespace with the chart's RBAC (optionally minus one rule), the
    pod runner, and the operator under the chart's ServiceAccount."""

    def __init__(self, api, tmp, drop=None):
        self.api = api
        tmp.mkdir(parents=True, exist_ok=True)
        self.ns = "chart-rbac-" + uuid.uuid4().hex[:6]
        self.h = Harness(api, self.ns, tmp)
        self.tmp = pathlib.Path(tmp)
        self.crb = None
        objects = self.rbac_objects()
        if drop is not None:
            role, index = drop
            [r] = [o for o in objects if o["kind"] in ("Role", "ClusterRole")
                   and o["metadata"]["name"] == role]
            del r["rules"][index]
        self.cluster_scoped = [o for o in objects if "namespace" not in o["metadata"]]
        kubectl("apply", "--server-side", "--field-manager=helm", "-f", "-",
                input=to_yaml(objects))
        # The relays review Baton's tokens: their ServiceAccount may create
        # TokenReviews (what a real workload gets from system:auth-delegator).
        self.crb = f"{self.ns}-auth-delegator"
        kubectl("create", "clusterrolebinding", self.crb, "--clusterrole=system:auth-delegator",
                f"--serviceaccount={self.ns}:default")
        token = kubectl("create", "token", SA, "-n", self.ns, "--duration=1h").stdout.strip()
        self.kubeconfig = sa_kubeconfig(self.tmp / "operator.kubeconfig", token)

    def rbac_objects(self):
        return chart_rbac(self.ns)

    def operator_args(self):
        return [f"--namespaces={self.ns}"]

    def whoami(self):
        return kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}",
                       kubeconfig=str(self.kubeconfig)).stdout

    def can_i(self, *args):
        r = kubectl("auth", "can-i", *args, kubeconfig=str(self.kubeconfig), check=False)
        return r.stdout.strip()

    def start(self):
        runner = [REPO / "tools" / "pod_runner" / "pod-runner", "--namespace", self.ns,
                  "--build-dir", BUILD, "--log-dir", self.tmp / "pods", "--pod-kubeconfigs"]
        # Pod IPs of runs side by side on one machine must not collide: two
        # relays on one address share its ports (SO_REUSEPORT) and answer
        # each other's drain calls, as seen when this test ran beside an
        # end-to-end run that used the default range too.
        if os.environ.get("BATON_POD_CIDR"):
            runner += ["--pod-cidr", os.environ["BATON_POD_CIDR"]]
        self.h.start("pod-runner", runner)
        # What the chart's Deployment passes, but for the addresses (many
        # operators may run on this host) and the log format.
        env = dict(os.environ, POD_NAMESPACE=self.ns, POD_NAME="operator-0")
        env.pop("KUBECONFIG", None)
        self.operator = self.h.start("operator", [
            BUILD / "operator" / "baton-operator", "--kubeconfig", self.kubeconfig,
            *self.operator_args(), "--leader-elect=true",
            f"--leader-election-namespace={self.ns}", "--leader-election-id=baton-operator",
            "--leader-election-identity=operator-0", "--lease-duration-seconds=15",
            "--metrics-bind-address=127.0.0.1:0", "--health-probe-bind-address=127.0.0.1:0",
            "--log-format=text"], env=env)

    def forbidden(self):
        lines = [line for line in self.operator.output().splitlines()
                 if "forbidden" in line.lower()]
        return lines

    def tier(self):
        return self.h.get_tier("relaytiers", "relay")

    def healthy_at(self, generation):
        s = self.tier().get("status", {})
        return (s.get("observedGeneration") == generation and s.get("phase") == "Healthy"
                and s.get("updatedReplicas") == 2 and s.get("replicas") == 2)

    def run(self, timeout=SCENARIO_TIMEOUT):
        """(passed, why): v1 healthy, then v2 rolled out, and no 403 ever.
        Returns at the first 403."""
        self.start()
        kubectl("apply", "--server-side", "--field-manager=e2e-user", "-f", "-",
                input=to_yaml([relay_tier(self.ns, "v1")]))
        deadline = time.monotonic() + timeout
        step, generation = "v1", self.tier()["metadata"]["generation"]
        while time.monotonic() < deadline:
            if bad := self.forbidden():
                return False, f"403 during {step}: {bad[0]}"
            if self.healthy_at(generation):
                if step == "v2":
                    return True, "rolled out v1 -> v2 without a 403"
                kubectl("apply", "--server-side", "--field-manager=e2e-user", "-f", "-",
                        input=to_yaml([relay_tier(self.ns, "v2")]))
                step, generation = "v2", self.tier()["metadata"]["generation"]
            time.sleep(0.2)
        s = self.tier().get("status", {})
        return False, f"timed out in {step}: phase {s.get('phase')}: {s.get('message')}"

    def close(self):
        self.h.close()
        if self.crb:
            kubectl("delete", "clusterrolebinding", self.crb, "--wait=false", check=False)
        for o in self.cluster_scoped:  # the chart's ClusterRoles and bindings
            kubectl("delete", o["kind"].lower(), o["metadata"]["name"], "--wait=false",
                    check=False)


def scenarios(cls, api, tmp_path):
    """A fixture's body: yields make(drop=None) -> a new `cls` scenario, and
    closes every scenario made once the test is done."""
    made = []

    def make(drop=None):
        s = cls(api, tmp_path / f"s{len(made)}", drop)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


@pytest.fixture
def scenario_factory(api, crds, tmp_path):
    yield from scenarios(Scenario, api, tmp_path)


def test_operator_rolls_out_under_exactly_the_chart_rbac(scenario_factory):
    s = scenario_factory()
    assert s.whoami() == f"system:serviceaccount:{s.ns}:{SA}"
    # What the chart must not grant, asked of the API server as that identity.
    for verb, what in [("get", "secrets"), ("list", "secrets"), ("watch", "secrets"),
                       ("delete", "deployments.apps"), ("delete", "statefulsets.apps"),
                       ("create", "deployments.apps"), ("delete", "namespaces"),
                       ("delete", "customresourcedefinitions.apiextensions.k8s.io"),
                       ("delete", "relaytiers.baton.dev"), ("update", "relaytiers.baton.dev"),
                       ("delete", "services"), ("update", "pods"), ("delete", "leases"),
                       ("create", "rolebindings.rbac.authorization.k8s.io"),
                       ("create", "serviceaccounts")]:
        assert s.can_i(verb, what, "-n", s.ns) == "no", f"can {verb} {what}"
    assert s.can_i("create", "pods", "--subresource=exec", "-n", s.ns) == "no"
    assert s.can_i("list", "secrets", "--all-namespaces") == "no"
    assert s.can_i("list", "pods", "-n", "default") == "no"  # not a watched namespace
    assert s.can_i("create", "serviceaccounts/default", "--subresource=token",
                   "-n", s.ns) == "no"
    assert s.can_i("create", f"serviceaccounts/{SA}", "--subresource=token",
                   "-n", s.ns) == "yes"
    assert s.can_i("patch", "relaytiers.baton.dev", "--subresource=status", "-n", s.ns) == "yes"

    started = time.monotonic()
    passed, why = s.run()
    print(f"full chart RBAC: {why} in {time.monotonic() - started:.1f}s (drain auth on)")
    assert passed, why + "\n" + s.operator.output()[-4000:]
    lease = client.CoordinationV1Api(s.api).read_namespaced_lease("baton-operator", s.ns)
    assert lease.spec.holder_identity == "operator-0"


@pytest.mark.parametrize("role,index,resources,verbs", RULES,
                         ids=[f"{r}[{i}]:{'+'.join(res)}" for r, i, res, _ in RULES])
def test_removing_any_rule_breaks_the_scenario(scenario_factory, role, index, resources, verbs):
    s = scenario_factory(drop=(role, index))
    started = time.monotonic()
    passed, why = s.run(timeout=60)
    print(f"without {role}[{index}] {resources} {verbs}: {why} "
          f"({time.monotonic() - started:.1f}s)")
    assert not passed, f"the scenario passed without {resources} {verbs}"
    # It failed for the reason of the rule removed: a 403 on that resource.
    names = {r.split("/")[0] for r in resources}
    subresources = {r.split("/")[1] for r in resources if "/" in r}
    assert "403" in why, why
    assert any(n in why for n in names | subresources), why
