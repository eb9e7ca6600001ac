"""Pure parts of the pod runner: IP allocation, the pod → command mapping and
the status comparison of its kubelet loop."""
import pytest

from pod_runner import container_command, pod_status
from pod_runner.ip_pool import IpPool


def test_pool_refuses_a_cidr_outside_loopback():
    with pytest.raises(ValueError, match="not inside 127.0.0.0/8"):
        IpPool("192.0.2.0/24")


def test_pool_allocates_lowest_free_and_reuses_released():
    pool = IpPool("127.2.0.0/29")
    assert pool.reserve("127.2.0.1")
    assert not pool.reserve("127.2.0.1"), "an address is reserved once"
    assert not pool.reserve("127.9.0.1"), "addresses outside the pool are refused"
    a, b = pool.allocate(), pool.allocate()
    assert (a, b) == ("127.2.0.2", "127.2.0.3")
    pool.release(a)
    assert pool.allocate() == a


def test_pool_exhaustion_is_an_error():
    pool = IpPool("127.2.0.0/30")  # two usable hosts
    pool.allocate()
    pool.allocate()
    with pytest.raises(RuntimeError, match="exhausted"):
        pool.allocate()


@pytest.mark.parametrize("image,expected", [
    ("relay:v2", ("relay", "v2")),
    ("registry.example:5000/team/relay:v3", ("relay", "v3")),
    ("relay", ("relay", "latest")),
])
def test_split_image(image, expected):
    assert container_command.split_image(image) == expected


@pytest.mark.parametrize("text,expected", [
    ("--bind=$(POD_IP)", "--bind=127.2.0.7"),
    ("$(POD_IP):$(PORT)", "127.2.0.7:7000"),
    ("$(UNKNOWN)", "$(UNKNOWN)"),
    ("$$(POD_IP)", "$(POD_IP)"),
    ("plain", "plain"),
])
def test_expand_follows_kubernetes_rules(text, expected):
    assert container_command.expand(text, {"POD_IP": "127.2.0.7", "PORT": "7000"}) == expected


def test_build_resolves_env_field_refs_and_args():
    pod = {
        "metadata": {"name": "relay-abc-0", "namespace": "ns1", "labels": {"baton.dev/tier": "r"}},
        "spec": {"nodeName": "kwok-node-0", "containers": [{
            "name": "relay", "image": "relay:v2",
            "env": [{"name": "PORT", "value": "7000"},
                    {"name": "ME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "TIER", "valueFrom": {"fieldRef": {
                        "fieldPath": "metadata.labels['baton.dev/tier']"}}}],
            "args": ["--listen=$(POD_IP):$(PORT)", "--name=$(ME)", "--tier=$(TIER)",
                     "--version=$(IMAGE_TAG)"],
        }]},
    }
    cmd = container_command.build(pod, {"relay": "/bin/relay"}, "127.2.0.7", "127.0.100.1")
    assert cmd.program == "/bin/relay"
    assert cmd.args == ["--listen=127.2.0.7:7000", "--name=relay-abc-0", "--tier=r", "--version=v2"]
    assert cmd.env["POD_NAMESPACE"] == "ns1"


def test_a_program_never_inherits_the_hosts_cluster_credentials():
    # Else a drain server with TokenReview would find the pod runner's admin
    # kubeconfig in $KUBECONFIG and review tokens as cluster-admin.
    host = {"PATH": "/usr/bin", "KUBECONFIG": "/admin.kubeconfig",
            "KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "6443"}
    assert container_command.process_env(host, {"POD_IP": "127.2.0.7"}) == {
        "PATH": "/usr/bin", "POD_IP": "127.2.0.7"}
    # The pod's own kubeconfig (--pod-kubeconfigs) is what it gets.
    assert container_command.process_env(host, {"KUBECONFIG": "/pods/p.kubeconfig"})[
        "KUBECONFIG"] == "/pods/p.kubeconfig"


def test_build_refuses_an_unknown_image():
    pod = {"spec": {"containers": [{"name": "x", "image": "nginx:1"}]}}
    with pytest.raises(ValueError, match="no local program"):
        container_command.build(pod, {"relay": "/bin/relay"}, "127.2.0.7", "")


def _status(phase="Running", ip="127.2.0.1", ready="True"):
    return {"phase": phase, "podIP": ip,
            "conditions": [{"type": "ContainersReady", "status": "True"},
                           {"type": "Ready", "status": ready}]}


def test_a_status_that_matches_the_running_pod_does_not_differ():
    assert not pod_status.differs_from_running(_status(), pod_ip="127.2.0.1", ready=True)
    assert not pod_status.differs_from_running(_status(ready="False"), pod_ip="127.2.0.1",
                                               ready=False)


@pytest.mark.parametrize("status", [
    _status(ready="False"),    # what the node lifecycle controller writes for a lapsed node
    _status(ready="Unknown"),
    _status(phase="Pending"),
    _status(ip=""),
    {"phase": "Running", "podIP": "127.2.0.1"},  # no Ready condition at all
])
def test_a_status_someone_else_changed_differs(status):
    assert pod_status.differs_from_running(status, pod_ip="127.2.0.1", ready=True)
    assert pod_status.ready_condition(_status(ready="Unknown")) == "Unknown"


def test_crash_loop_delay_doubles_to_a_cap():
    assert [pod_status.crash_loop_delay(n) for n in (1, 2, 3, 4, 6, 20)] == \
        [1.0, 2.0, 4.0, 8.0, 30.0, 30.0]


def _container_state(**kw):
    pod = {"spec": {"containers": [{"name": "relay", "image": "relay:v2"}]}}
    status = pod_status.status_patch(pod=pod, pod_ip="127.2.0.9", host_ip="", phase="Running",
                                     ready=False, restart_count=3, started_at="t0",
                                     ready_since="", **kw)
    return status["status"]["containerStatuses"][0]


def test_a_crash_looping_container_waits_in_crash_loop_back_off():
    c = _container_state(running=False, exit_code=2, crash_looping=True)
    assert c["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert c["state"]["running"] is None and c["state"]["terminated"] is None
    assert c["lastState"]["terminated"]["exitCode"] == 2


def test_a_restarted_container_clears_its_crash_loop_state():
    # Strategic merge patch: the states not in force are removed with null.
    c = _container_state(running=True)
    assert c["state"]["running"] == {"startedAt": "t0"}
    assert c["state"]["waiting"] is None and c["state"]["terminated"] is None
