"""No takeover of objects Baton does not own (issue 18, item 2).

A tenant who may create tiers names one after objects that already exist in
the namespace: a Service "relay" (someone else's selector and ports), a
PodDisruptionBudget "relay" and a ConfigMap "relay-serving". Before, Baton
applied its own with force under those names: it rewrote them, became their
controller and deleted them with the tier. Now each is left byte for byte as
it was, the tier reports the conflict in an Event and a condition, its pods
still roll out, and once the team deletes its Service Baton creates its own."""
import json

from kubernetes import client

from harness import wait_for
from tiers import relay_tier

REPLICAS = 2


def foreign_objects(h):
    labels = {"team": "payments"}
    h.core.create_namespaced_service(h.ns, client.V1Service(
        metadata=client.V1ObjectMeta(name="relay", labels=labels),
        spec=client.V1ServiceSpec(selector={"app": "payments"},
                                  ports=[client.V1ServicePort(name="http", port=80)])))
    h.core.create_namespaced_config_map(h.ns, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="relay-serving", labels=labels),
        data={"directory.json": '{"owner": "payments"}'}))
    client.PolicyV1Api(h.api).create_namespaced_pod_disruption_budget(
        h.ns, client.V1PodDisruptionBudget(
            metadata=client.V1ObjectMeta(name="relay", labels=labels),
            spec=client.V1PodDisruptionBudgetSpec(
                min_available=1, selector=client.V1LabelSelector(match_labels={"app": "payments"}))))


def snapshot(h, kinds=("service", "configmap", "pdb")):
    """The objects as the API server holds them, whole but for their status
    (a PDB's is the disruption controller's, not Baton's, and so is the
    resourceVersion its writes move)."""
    policy = client.PolicyV1Api(h.api)
    read = {"service": lambda: h.core.read_namespaced_service("relay", h.ns,
                                                              _preload_content=False),
            "configmap": lambda: h.core.read_namespaced_config_map("relay-serving", h.ns,
                                                                   _preload_content=False),
            "pdb": lambda: policy.read_namespaced_pod_disruption_budget("relay", h.ns,
                                                                        _preload_content=False)}
    out = {}
    for kind in kinds:
        obj = json.loads(read[kind]().data)
        obj.pop("status", None)
        if kind == "pdb":
            # The disruption controller writes the PDB's status whenever it
            # likes, which moves its resourceVersion and managedFields.
            obj["metadata"].pop("resourceVersion", None)
            obj["metadata"]["managedFields"] = [
                f for f in obj["metadata"].get("managedFields", [])
                if f.get("subresource") != "status"]
        out[kind] = obj
    return out


def conflict_condition(h):
    status = h.get_tier("relaytiers", "relay").get("status", {})
    return next((c for c in status.get("conditions", [])
                 if c["type"] == "OwnedObjectConflict" and c["status"] == "True"), None)


def test_objects_named_like_the_tier_are_left_alone_and_reported(harness):
    h = harness
    foreign_objects(h)
    before = snapshot(h)
    h.start_pod_runner("relay")
    h.start_operator()
    tier = relay_tier("v1", replicas=REPLICAS)
    tier["spec"]["service"] = {"ports": [{"name": "chat", "port": 7000}]}
    tier["spec"]["podDisruptionBudget"] = {}
    h.apply_tier(tier)

    cond = wait_for("the conflict condition naming all three", lambda: (
        c := conflict_condition(h)) and all(
            n in c["message"] for n in ("services relay", "configmaps relay-serving",
                                        "poddisruptionbudgets relay")) and c, 60)
    assert cond["reason"] == "NotControlledByTier", cond
    # Events are recorded after the status write that reports the conflict.
    events = wait_for("an OwnedObjectConflict Event per object", lambda: (
        ev := [e for e in h.core.list_namespaced_event(h.ns).items
               if e.reason == "OwnedObjectConflict"]) and len(ev) >= 3 and ev, 30)
    assert len(events) == 3 and all(e.type == "Warning" for e in events), \
        [(e.reason, e.message) for e in events]
    # The tier itself still works: its pods run and serve.
    wait_for(f"{REPLICAS} pods Ready", lambda: len([
        p for p in h.core.list_namespaced_pod(h.ns).items
        if any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
    ]) == REPLICAS, 90)
    assert snapshot(h) == before, "a foreign object was changed"

    # The team removes its Service: Baton may now create its own.
    h.core.delete_namespaced_service("relay", h.ns)
    tier_uid = h.get_tier("relaytiers", "relay")["metadata"]["uid"]

    def ours():
        try:
            svc = h.core.read_namespaced_service("relay", h.ns)
        except client.ApiException:
            return False
        return any(r.controller and r.uid == tier_uid for r in svc.metadata.owner_references or [])
    wait_for("Baton's own Service", ours, 60, interval=1)
    # The two still foreign objects are still untouched.
    assert snapshot(h, ("configmap", "pdb")) == {k: before[k] for k in ("configmap", "pdb")}
