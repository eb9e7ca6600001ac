"""kubectl baton against the real API server: exit codes of `status` for a
completed, a degraded, a paused-until-timeout and a deleted tier; `get` on a
known state; the spec and annotation writes of pause, resume, restart, undo
and skip-drain."""
import json
import time

import pytest
from kubernetes import client

GROUP, VERSION, PLURAL = "baton.dev", "v1alpha1", "relaytiers"


def tier_doc(name, image="relay:v1", replicas=2):
    return {
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "RelayTier",
        "metadata": {"name": name},
        "spec": {"replicas": replicas,
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "relay", "image": image}]}},
                 "drain": {"port": 9090}},
    }


@pytest.fixture
def custom(api):
    return client.CustomObjectsApi(api)


def create_tier(custom, ns, name, **kw):
    return custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, tier_doc(name, **kw))


def write_status(custom, ns, name, status):
    """Plays the operator: writes status through the status subresource. Used
    only where the test is about how the plugin reads a status."""
    t = custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name)
    status.setdefault("observedGeneration", t["metadata"]["generation"])
    return custom.patch_namespaced_custom_object_status(GROUP, VERSION, ns, PLURAL, name,
                                                        {"status": status})


def test_status_of_a_completed_tier_exits_0(custom, ns, plugin):
    create_tier(custom, ns, "done")
    write_status(custom, ns, "done", {"phase": "Healthy", "replicas": 2, "updatedReplicas": 2,
                                      "readyReplicas": 2, "availableReplicas": 2})
    r = plugin("status", "done", "-n", ns, "--watch", "--timeout", "20s")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("Healthy updated 2/2 ready 2"), r.stdout
    assert "rollout complete" in r.stdout


def test_status_without_watch_says_where_it_is(custom, ns, plugin):
    create_tier(custom, ns, "mid")
    write_status(custom, ns, "mid", {"phase": "Progressing", "updatedReplicas": 1,
                                     "readyReplicas": 2})
    r = plugin("status", "mid", "-n", ns)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout.startswith("Progressing updated 1/2"), r.stdout


def test_status_follows_progress_and_exits_0_when_it_completes(custom, ns, plugin):
    create_tier(custom, ns, "moving")
    write_status(custom, ns, "moving", {
        "phase": "Progressing", "updatedReplicas": 1, "readyReplicas": 2,
        "drainingPods": [{"name": "moving-old-0", "sessionsNow": 900, "sessionsPerSecond": 100.0,
                          "etaSeconds": 9}]})
    watch = plugin("status", "moving", "-n", ns, "--watch", "--timeout", "60s", background=True)
    time.sleep(1.5)
    write_status(custom, ns, "moving", {
        "drainingPods": [{"name": "moving-old-0", "sessionsNow": 400, "sessionsPerSecond": 100.0,
                          "etaSeconds": 4}]})
    time.sleep(1.5)
    write_status(custom, ns, "moving", {"phase": "Healthy", "updatedReplicas": 2,
                                        "drainingPods": None})
    out, err = watch.communicate(timeout=30)
    assert watch.returncode == 0, err
    lines = out.splitlines()
    assert "draining moving-old-0: 900 sessions left, 100/s, ETA 9s" in lines[0], out
    assert any("400 sessions left" in line for line in lines), out
    assert lines[-1] == "rollout complete", out


def test_status_of_a_degraded_tier_exits_1(custom, ns, plugin):
    create_tier(custom, ns, "broken")
    write_status(custom, ns, "broken", {"phase": "Degraded", "updatedReplicas": 0,
                                        "message": "new pod missed progressDeadlineSeconds"})
    start = time.monotonic()
    r = plugin("status", "broken", "-n", ns, "--watch", "--timeout", "60s")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert time.monotonic() - start < 30  # at once, not at the timeout
    assert "degraded" in r.stderr
    assert r.stdout.startswith("Degraded updated 0/2"), r.stdout


def test_status_of_a_paused_tier_exits_1_at_the_timeout(custom, ns, plugin):
    create_tier(custom, ns, "held")
    write_status(custom, ns, "held", {"phase": "Paused", "updatedReplicas": 1,
                                      "message": "paused by spec.rollout.paused"})
    start = time.monotonic()
    r = plugin("status", "held", "-n", ns, "--watch", "--timeout", "3s")
    took = time.monotonic() - start
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert 3 <= took < 20, took
    assert "timed out" in r.stderr
    assert r.stdout.startswith("Paused updated 1/2"), r.stdout


def test_status_of_a_deleted_tier_exits_1(custom, ns, plugin):
    create_tier(custom, ns, "doomed")
    write_status(custom, ns, "doomed", {"phase": "Progressing", "updatedReplicas": 1})
    watch = plugin("status", "doomed", "-n", ns, "--watch", "--timeout", "60s", background=True)
    time.sleep(1.5)
    custom.delete_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "doomed")
    out, err = watch.communicate(timeout=30)
    assert watch.returncode == 1, (out, err)
    assert "was deleted" in err
    # ...and one that never existed.
    r = plugin("status", "doomed", "-n", ns)
    assert r.returncode == 1 and "no tier" in r.stderr, (r.stdout, r.stderr)


def test_get_shows_the_known_state_as_a_tree(api, custom, ns, plugin):
    """The tier's status and its pods are written here (no operator runs):
    the test is about what `get` reads and how it shows it."""
    core = client.CoreV1Api(api)
    tier = create_tier(custom, ns, "relay", replicas=3)
    write_status(custom, ns, "relay", {
        "phase": "Progressing", "updatedReplicas": 1, "readyReplicas": 2,
        "updateRevision": "bbbbbbbbbbbbbbbb", "currentRevision": "aaaaaaaaaaaaaaaa",
        "drainingPods": [{"name": "relay-a1", "sessionsNow": 1234}]})
    owner = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "RelayTier", "name": "relay",
             "uid": tier["metadata"]["uid"], "controller": True}
    for name, rev, role, ready in [("relay-a1", "aaaaaaaaaaaaaaaa", "draining", True),
                                   ("relay-a2", "aaaaaaaaaaaaaaaa", "serving", True),
                                   ("relay-b1", "bbbbbbbbbbbbbbbb", "serving", False)]:
        core.create_namespaced_pod(ns, {
            "metadata": {"name": name, "ownerReferences": [owner],
                         "labels": {"baton.dev/tier": "relay", "baton.dev/kind": "RelayTier",
                                    "baton.dev/revision": rev, "baton.dev/role": role},
                         # kwok leaves pod-runner pods alone: their status is ours to set.
                         "annotations": {"harness.baton.dev/pod-runner": "true"}},
            "spec": {"containers": [{"name": "relay", "image": "relay:v1"}],
                     "nodeName": "does-not-exist"}})
        core.patch_namespaced_pod_status(name, ns, {"status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}})
    # A pod with the same labels that the tier does not own is not shown.
    core.create_namespaced_pod(ns, {
        "metadata": {"name": "stranger", "annotations": {"harness.baton.dev/pod-runner": "true"},
                     "labels": {"baton.dev/tier": "relay", "baton.dev/kind": "RelayTier"}},
        "spec": {"containers": [{"name": "x", "image": "x"}], "nodeName": "does-not-exist"}})
    core.create_namespaced_config_map(ns, {
        "metadata": {"name": "relay-serving"},
        "data": {"directory.json": json.dumps({"endpoints": [
            {"pod": "relay-a2", "address": "127.0.0.2", "port": 7000, "sessions": 800},
            {"pod": "relay-b1", "address": "127.0.0.3", "port": 7000}]})}})

    r = plugin("get", "relay", "-n", ns)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        f"RelayTier {ns}/relay  Progressing  updated 1/3  update revision bbbbbbbbbb "
        "(current aaaaaaaaaa)\n"
        "├── relay-a1  aaaaaaaaaa (old)  Ready        draining  1,234 sessions left\n"
        "├── relay-a2  aaaaaaaaaa (old)  Ready        serving   800 sessions\n"
        "└── relay-b1  bbbbbbbbbb (new)  NotReady     serving   ? sessions\n"), r.stdout


def managers(obj):
    return {m["manager"] for m in obj["metadata"].get("managedFields", [])}


def test_pause_resume_restart_write_the_spec_as_kubectl_baton(custom, ns, plugin):
    create_tier(custom, ns, "steer")
    get = lambda: custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "steer")
    assert plugin("pause", "steer", "-n", ns).returncode == 0
    assert get()["spec"]["rollout"]["paused"] is True
    assert "kubectl-baton" in managers(get())
    assert plugin("resume", "steer", "-n", ns).returncode == 0
    assert get()["spec"]["rollout"]["paused"] is False
    r = plugin("restart", "steer", "-n", ns)
    assert r.returncode == 0, r.stderr
    assert get()["spec"]["rollout"]["restartAt"].endswith("Z")
    assert "status" not in get() or "phase" not in get().get("status", {})  # never status


def test_undo_goes_back_to_the_previous_revision(api, custom, ns, plugin):
    apps = client.AppsV1Api(api)
    tier = create_tier(custom, ns, "relay", image="relay:v3")
    write_status(custom, ns, "relay", {"updateRevision": "h3"})
    for n, (h, image) in enumerate([("h1", "relay:v1"), ("h2", "relay:v2"), ("h3", "relay:v3")]):
        apps.create_namespaced_controller_revision(ns, {
            "metadata": {"name": f"relay-{h}",
                         "labels": {"baton.dev/tier": "relay", "baton.dev/kind": "RelayTier",
                                    "baton.dev/revision": h},
                         "ownerReferences": [{"apiVersion": f"{GROUP}/{VERSION}",
                                              "kind": "RelayTier", "name": "relay",
                                              "uid": tier["metadata"]["uid"],
                                              "controller": True}]},
            "revision": n + 1,
            "data": {"spec": {"template": tier_doc("relay", image=image)["spec"]["template"]}}})
    r = plugin("undo", "relay", "-n", ns)
    assert r.returncode == 0, r.stderr
    assert "relay-h2" in r.stdout
    t = custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "relay")
    assert t["spec"]["template"]["spec"]["containers"][0]["image"] == "relay:v2"
    assert "kubectl-baton" in managers(t)


def test_undo_with_no_history_fails(custom, ns, plugin):
    create_tier(custom, ns, "fresh")
    write_status(custom, ns, "fresh", {"updateRevision": "h1"})
    r = plugin("undo", "fresh", "-n", ns)
    assert r.returncode == 1
    assert "no earlier revision" in r.stderr


def test_skip_drain_annotates_only_a_tier_pod(api, ns, plugin):
    core = client.CoreV1Api(api)
    for name, labels in [("relay-x", {"baton.dev/tier": "relay", "baton.dev/kind": "RelayTier",
                                      "baton.dev/role": "draining"}),
                         ("plain", {})]:
        core.create_namespaced_pod(ns, {
            "metadata": {"name": name, "labels": labels,
                         "annotations": {"harness.baton.dev/pod-runner": "true"}},
            "spec": {"containers": [{"name": "x", "image": "x"}], "nodeName": "does-not-exist"}})
    r = plugin("skip-drain", "relay-x", "-n", ns)
    assert r.returncode == 0, r.stderr
    pod = core.read_namespaced_pod("relay-x", ns)
    assert pod.metadata.annotations["baton.dev/skip-drain"].endswith("Z")
    r = plugin("skip-drain", "plain", "-n", ns)
    assert r.returncode == 1 and "no Baton tier" in r.stderr
    assert "baton.dev/skip-drain" not in (core.read_namespaced_pod("plain", ns).metadata.annotations or {})


def test_drain_annotates_only_a_tier_pod(api, ns, plugin):
    """Issue 19: `kubectl baton drain POD` asks the operator to move the pod
    through the drain (tests/e2e/test_node_evacuation.py runs it end to end)."""
    core = client.CoreV1Api(api)
    for name, labels in [("relay-y", {"baton.dev/tier": "relay", "baton.dev/kind": "RelayTier",
                                      "baton.dev/role": "serving"}),
                         ("other", {})]:
        core.create_namespaced_pod(ns, {
            "metadata": {"name": name, "labels": labels,
                         "annotations": {"harness.baton.dev/pod-runner": "true"}},
            "spec": {"containers": [{"name": "x", "image": "x"}], "nodeName": "does-not-exist"}})
    r = plugin("drain", "relay-y", "-n", ns)
    assert r.returncode == 0, r.stderr
    assert "replacement" in r.stdout
    pod = core.read_namespaced_pod("relay-y", ns)
    assert pod.metadata.annotations["baton.dev/evacuate"].endswith("Z")
    assert "kubectl-baton" in [m.manager for m in pod.metadata.managed_fields]
    r = plugin("drain", "other", "-n", ns)
    assert r.returncode == 1 and "no Baton tier" in r.stderr
    assert "baton.dev/evacuate" not in (core.read_namespaced_pod("other", ns).metadata.annotations or {})
