"""Drain-endpoint authentication with audience-bound ServiceAccount tokens,
against the real control plane: a real relay checks each caller's token with
a TokenReview (audience + the one allowed identity) and refuses everything
else with 401 (docs/drain-protocol.md, "Authentication").

Tokens come from the real TokenRequest API; the expired one is a real token
of the operator's ServiceAccount re-signed by the cluster's own
service-account key with its times moved into the past, so that its only
flaw is its expiry (the same forging with future times is accepted)."""
import base64
import json
import os
import pathlib
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest
import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from kubernetes import client, config

# What Baton derives for a RelayTier "b" in namespace "shop" (issue 18:
# api::DrainAudienceOf); the relay under test plays one of that tier's pods.
AUDIENCE = "baton.dev/drain/shop/RelayTier/b"
RELAY_BIN = os.environ.get("RELAY_BIN", "")


def kubeconfig_path():
    path = os.environ.get("KUBECONFIG")
    assert path and os.path.exists(path), "KUBECONFIG must name the local control plane"
    return path


@pytest.fixture(scope="module")
def api():
    config.load_kube_config(config_file=kubeconfig_path())
    return client.ApiClient()


@pytest.fixture(scope="module")
def ns(api):
    core, rbac = client.CoreV1Api(api), client.RbacAuthorizationV1Api(api)
    name = "drain-auth-" + uuid.uuid4().hex[:8]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    for sa in ("baton-operator", "intruder", "relay", "relay-without-rbac"):
        core.create_namespaced_service_account(
            name, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=sa)))
    # The workload's only API permission: create TokenReviews.
    binding = f"{name}-relay-tokenreview"
    rbac.create_cluster_role_binding(client.V1ClusterRoleBinding(
        metadata=client.V1ObjectMeta(name=binding),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                  name="system:auth-delegator"),
        subjects=[client.RbacV1Subject(kind="ServiceAccount", name="relay", namespace=name)]))
    yield name
    rbac.delete_cluster_role_binding(binding)
    core.delete_namespace(name)


def request_token(api, ns, sa, audiences, seconds=600):
    body = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(
        audiences=audiences, expiration_seconds=seconds))
    return client.CoreV1Api(api).create_namespaced_service_account_token(sa, ns, body).status.token


def workload_kubeconfig(api, ns, sa, path):
    """What the pod runner gives a pod: its ServiceAccount's token, the server and CA."""
    conf = api.configuration
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": conf.host,
                                               "certificate-authority": conf.ssl_ca_cert}}],
        "users": [{"name": "u", "user": {"token": request_token(api, ns, sa, [])}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "c"}))
    return path


class Relay:
    def __init__(self, tmp, kubeconfig, identity, host="127.0.0.1", kubeconfig_in_env=False):
        """kubeconfig_in_env: give it as $KUBECONFIG, as the pod runner does,
        instead of --token-review-kubeconfig."""
        assert os.access(RELAY_BIN, os.X_OK), f"RELAY_BIN={RELAY_BIN!r}"
        self.log = open(tmp / f"relay-{uuid.uuid4().hex[:6]}.log", "w+b")
        env = dict(os.environ)
        flag = ["--token-review-kubeconfig", str(kubeconfig)]
        if kubeconfig_in_env:
            env["KUBECONFIG"], flag = str(kubeconfig), []
        self.proc = subprocess.Popen(
            [RELAY_BIN, "--host", host, "--port", "0", "--drain-port", "0", *flag,
             "--drain-audience", AUDIENCE, "--drain-allowed-identity", identity,
             "--max-sessions", "100"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 10
        self.base = None
        while time.monotonic() < deadline and self.proc.poll() is None:
            m = re.search(rb"drain=([0-9.]+):(\d+)(\S*)", self.output())
            if m:
                self.base = f"http://{m[1].decode()}:{m[2].decode()}{m[3].decode()}"
                break
            time.sleep(0.05)
        assert self.base, self.output()

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def call(self, path="", token=None, method="GET", header=None):
        req = urllib.request.Request(self.base + path, method=method,
                                     data=b"{}" if method == "POST" else None)
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
        if header is not None:
            req.add_header("Authorization", header)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def relay(api, ns, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("drain-auth")
    r = Relay(tmp, workload_kubeconfig(api, ns, "relay", tmp / "relay.kubeconfig"),
              f"system:serviceaccount:{ns}:baton-operator")
    yield r
    r.stop()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def resign(token: str, shift_seconds: int) -> str:
    """The same token, its iat/nbf/exp moved by shift_seconds, signed again
    with the cluster's service-account signing key."""
    cluster_dir = os.environ.get("BATON_CLUSTER_DIR") or os.path.dirname(kubeconfig_path())
    key_path = pathlib.Path(cluster_dir) / "pki" / "sa.key"
    assert key_path.exists(), f"no service-account signing key at {key_path}"
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    header, claims, _ = token.split(".")
    c = json.loads(unb64url(claims))
    for k in ("iat", "nbf", "exp"):
        if k in c:
            c[k] += shift_seconds
    signing_input = f"{header}.{b64url(json.dumps(c).encode())}"
    sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(sig)}"


def test_the_operators_token_for_the_audience_is_accepted(api, ns, relay):
    token = request_token(api, ns, "baton-operator", [AUDIENCE])
    status, body = relay.call(token=token)
    assert status == 200, body
    assert body["protocol"] == "baton.dev/drain/v1"
    # Every verb, not only reads.
    assert relay.call("/cancel", token=token, method="POST")[0] == 200


@pytest.mark.parametrize("case", ["missing", "garbage", "not-bearer", "empty"])
def test_no_real_token_is_refused(relay, case):
    kwargs = {"missing": {}, "garbage": {"token": "not.a.jwt"},
              "not-bearer": {"header": "Basic YmF0b246YmF0b24="}, "empty": {"token": ""}}[case]
    status, body = relay.call(**kwargs)
    assert status == 401, body
    assert body == {"error": "unauthorized"}


def test_a_token_for_another_audience_is_refused(api, ns, relay):
    # The API server's own audience: a token that works against the API is
    # useless at the drain endpoint, and vice versa.
    assert relay.call(token=request_token(api, ns, "baton-operator", []))[0] == 401
    assert relay.call(token=request_token(api, ns, "baton-operator", ["other"]))[0] == 401


def test_a_token_minted_for_another_tier_is_refused(api, ns, relay):
    # Baton's own token, but for tier "a" (or tier "b" of another namespace or
    # kind): the pods of tier "b" must refuse it, so a tier whose pods see
    # Baton's token cannot use it to drain or cancel another tier's pods.
    for other in ("baton.dev/drain/shop/RelayTier/a", "baton.dev/drain/other/RelayTier/b",
                  "baton.dev/drain/shop/SessionTier/b"):
        status, body = relay.call(token=request_token(api, ns, "baton-operator", [other]))
        assert status == 401, (other, body)


def test_a_token_of_another_service_account_is_refused(api, ns, relay):
    assert relay.call(token=request_token(api, ns, "intruder", [AUDIENCE]))[0] == 401


def test_an_expired_token_is_refused(api, ns, relay):
    real = request_token(api, ns, "baton-operator", [AUDIENCE])
    # Control: the re-signed token with its own times is accepted (the
    # forgery is sound), so the refusal below is down to the expiry alone.
    assert relay.call(token=resign(real, 0))[0] == 200
    assert relay.call(token=resign(real, -3600))[0] == 401


def test_a_refused_call_changes_nothing(api, ns, relay):
    token = request_token(api, ns, "baton-operator", [AUDIENCE])
    body = {"pace": 10, "deadline": "2099-01-01T00:00:00Z"}
    req = urllib.request.Request(relay.base + "/start", method="POST",
                                 data=json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer nope",
                                          "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 401
    assert relay.call(token=token)[1]["state"] == "Serving"


def test_a_workload_that_may_not_review_tokens_grants_nothing(api, ns, tmp_path):
    # Its ServiceAccount lacks tokenreviews create: the review fails, the call
    # is refused (503: not the caller's fault, still no access).
    r = Relay(tmp_path, workload_kubeconfig(api, ns, "relay-without-rbac", tmp_path / "k"),
              f"system:serviceaccount:{ns}:baton-operator")
    try:
        status, body = r.call(token=request_token(api, ns, "baton-operator", [AUDIENCE]))
        assert status == 503, body
    finally:
        r.stop()


@pytest.mark.parametrize("sa, expected", [("relay", 200), ("relay-without-rbac", 503)])
def test_without_the_flag_the_workload_reviews_with_the_kubeconfig_in_its_environment(
        api, ns, tmp_path, sa, expected):
    # As client-go does: $KUBECONFIG when no flag names one. The ServiceAccount
    # without review rights proves that this kubeconfig, and no other, is used.
    r = Relay(tmp_path, workload_kubeconfig(api, ns, sa, tmp_path / "k"),
              f"system:serviceaccount:{ns}:baton-operator", kubeconfig_in_env=True)
    try:
        assert b"using $KUBECONFIG" in r.output(), r.output()
        status, body = r.call(token=request_token(api, ns, "baton-operator", [AUDIENCE]))
        assert status == expected, body
        assert r.call()[0] == 401
    finally:
        r.stop()


def test_a_revoked_token_stops_working_once_the_short_cache_ends(api, ns, tmp_path):
    core = client.CoreV1Api(api)
    core.create_namespaced_service_account(
        ns, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="short-lived")))
    r = Relay(tmp_path, workload_kubeconfig(api, ns, "relay", tmp_path / "k"),
              f"system:serviceaccount:{ns}:short-lived")
    try:
        token = request_token(api, ns, "short-lived", [AUDIENCE])
        assert r.call(token=token)[0] == 200
        core.delete_namespaced_service_account("short-lived", ns)
        # Deleting the ServiceAccount revokes its tokens; the relay trusts a
        # positive review for 10 s at most.
        deadline = time.monotonic() + 20
        while r.call(token=token)[0] == 200:
            assert time.monotonic() < deadline, "revoked token still accepted after 20 s"
            time.sleep(0.5)
        assert r.call(token=token)[0] == 401
    finally:
        r.stop()
