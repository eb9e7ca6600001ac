"""Every bound, enum, pattern and CEL rule of the tier schema, on the real API
server: one object that breaks the rule is refused with causes[].field naming
the field, and one at the boundary is accepted.

Each case is a JSON merge patch (None deletes) on the minimal tier of its
kind; the minimal tier runs 3 replicas so that rules relative to replicas
have room on both sides.
"""

import copy

import pytest
from kubernetes.client import ApiException

from conftest import GROUP, PLURALS, VERSION, causes_of, create, minimal


def merge(target, patch):
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def tier(kind, patch, name):
    obj = minimal(kind, name)
    obj["spec"]["replicas"] = 3
    return merge(obj, patch)


def drain(**fields):
    return {"spec": {"drain": fields}}


def rollout(**fields):
    return {"spec": {"rollout": fields}}


def pod_spec(**fields):
    return {"spec": {"template": {"spec": fields}}}


PORT = {"name": "chat", "port": 7000}
CONTAINER = {"name": "app", "image": "relay:v1"}

# (id, kind, patch that breaks the rule, causes[].field, patch at the boundary)
CASES = [
    # --- bounds ---------------------------------------------------------------
    ("replicas-negative", "RelayTier", {"spec": {"replicas": -1}}, "spec.replicas",
     {"spec": {"replicas": 0}}),
    ("replicas-too-many", "RelayTier", {"spec": {"replicas": 1001}}, "spec.replicas",
     {"spec": {"replicas": 1000}}),
    ("sessiontier-zero-shards", "SessionTier", {"spec": {"replicas": 0}}, "spec.replicas",
     {"spec": {"replicas": 1}}),
    ("drain-port-zero", "RelayTier", drain(port=0), "spec.drain.port", drain(port=1)),
    ("drain-port-too-big", "BusinessTier", drain(port=65536), "spec.drain.port",
     drain(port=65535)),
    ("drain-port-missing", "RelayTier", drain(port=None), "spec.drain.port", drain(port=80)),
    ("drain-path-relative", "RelayTier", drain(path="drain"), "spec.drain.path",
     drain(path="/")),
    ("drain-path-space", "RelayTier", drain(path="/a b"), "spec.drain.path",
     drain(path="/v1/drain-x_y.z~")),
    ("session-threshold-negative", "RelayTier", drain(sessionThreshold=-1),
     "spec.drain.sessionThreshold", drain(sessionThreshold=0)),
    ("poll-interval-zero", "RelayTier", drain(pollIntervalSeconds=0),
     "spec.drain.pollIntervalSeconds", drain(pollIntervalSeconds=1)),
    ("poll-interval-too-long", "RelayTier", drain(pollIntervalSeconds=301),
     "spec.drain.pollIntervalSeconds", drain(pollIntervalSeconds=300)),
    ("timeout-zero", "RelayTier", drain(timeoutSeconds=0, pollIntervalSeconds=1),
     "spec.drain.timeoutSeconds", drain(timeoutSeconds=1, pollIntervalSeconds=1)),
    ("timeout-over-7-days", "RelayTier", drain(timeoutSeconds=604801),
     "spec.drain.timeoutSeconds", drain(timeoutSeconds=604800)),
    ("pace-zero", "RelayTier", drain(sessionsPerSecond=0), "spec.drain.sessionsPerSecond",
     drain(sessionsPerSecond=1)),
    ("max-surge-negative", "RelayTier", rollout(maxSurge=-1, maxUnavailable=1),
     "spec.rollout.maxSurge", rollout(maxSurge=0, maxUnavailable=1)),
    ("max-unavailable-too-big", "RelayTier", rollout(maxUnavailable=101),
     "spec.rollout.maxUnavailable", rollout(maxUnavailable=100)),
    ("max-concurrent-drains-zero", "RelayTier", rollout(maxConcurrentDrains=0),
     "spec.rollout.maxConcurrentDrains", rollout(maxConcurrentDrains=1)),
    ("partition-negative", "RelayTier", rollout(partition=-1), "spec.rollout.partition",
     rollout(partition=0)),
    ("min-ready-negative", "RelayTier", rollout(minReadySeconds=-1),
     "spec.rollout.minReadySeconds", rollout(minReadySeconds=0)),
    ("progress-deadline-zero", "RelayTier", rollout(progressDeadlineSeconds=0),
     "spec.rollout.progressDeadlineSeconds", rollout(progressDeadlineSeconds=1)),
    ("revision-history-negative", "RelayTier", {"spec": {"revisionHistoryLimit": -1}},
     "spec.revisionHistoryLimit", {"spec": {"revisionHistoryLimit": 0}}),
    ("serving-port-too-big", "RelayTier", {"spec": {"servingPort": 65536}}, "spec.servingPort",
     {"spec": {"servingPort": 65535}}),
    ("service-port-zero", "RelayTier",
     {"spec": {"service": {"ports": [{"name": "chat", "port": 0}]}}},
     "spec.service.ports[0].port", {"spec": {"service": {"ports": [{"name": "chat", "port": 1}]}}}),
    ("service-no-ports", "RelayTier", {"spec": {"service": {"ports": []}}}, "spec.service.ports",
     {"spec": {"service": {"ports": [PORT]}}}),
    ("service-duplicate-port-name", "RelayTier",
     {"spec": {"service": {"ports": [PORT, {"name": "chat", "port": 7001}]}}},
     "spec.service.ports[1]",
     {"spec": {"service": {"ports": [PORT, {"name": "chat2", "port": 7001}]}}}),
    ("service-port-name-uppercase", "RelayTier",
     {"spec": {"service": {"ports": [{"name": "Chat", "port": 7000}]}}},
     "spec.service.ports[0].name", {"spec": {"service": {"ports": [PORT]}}}),
    ("name-too-long", "RelayTier", {"metadata": {"name": "r" * 41}}, "metadata.name",
     {"metadata": {"name": "r" * 40}}),
    ("name-leading-digit", "RelayTier", {"metadata": {"name": "7relay"}}, "metadata.name",
     {"metadata": {"name": "relay7"}}),
    # --- enums and formats -------------------------------------------------------
    ("on-timeout-unknown", "RelayTier", drain(onTimeout="Abort"), "spec.drain.onTimeout",
     drain(onTimeout="Proceed")),
    ("auth-type-unknown", "RelayTier", drain(auth={"type": "Basic"}), "spec.drain.auth.type",
     drain(auth={"type": "None"})),
    ("service-type-unknown", "RelayTier",
     {"spec": {"service": {"type": "ExternalName", "ports": [PORT]}}}, "spec.service.type",
     {"spec": {"service": {"type": "LoadBalancer", "ports": [PORT]}}}),
    ("service-protocol-unknown", "RelayTier",
     {"spec": {"service": {"ports": [{"name": "chat", "port": 7000, "protocol": "QUIC"}]}}},
     "spec.service.ports[0].protocol",
     {"spec": {"service": {"ports": [{"name": "chat", "port": 7000, "protocol": "SCTP"}]}}}),
    ("restart-at-not-a-time", "RelayTier", rollout(restartAt="yesterday"),
     "spec.rollout.restartAt", rollout(restartAt="2026-01-02T03:04:05Z")),
    # The pod template's own schema, generated from the apiserver's OpenAPI.
    ("template-container-port-protocol", "RelayTier",
     pod_spec(containers=[dict(CONTAINER, ports=[{"containerPort": 7000, "protocol": "QUIC"}])]),
     "spec.template.spec.containers[0].ports[0].protocol",
     pod_spec(containers=[dict(CONTAINER, ports=[{"containerPort": 7000, "protocol": "UDP"}])])),
    ("template-without-spec", "RelayTier",
     {"spec": {"template": {"spec": None, "metadata": {"labels": {"a": "b"}}}}},
     "spec.template.spec", {"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}),
    ("template-no-containers", "RelayTier", pod_spec(containers=None),
     "spec.template.spec.containers", pod_spec(containers=[CONTAINER])),
    # --- CEL cross-field rules -----------------------------------------------------
    ("timeout-shorter-than-poll", "RelayTier", drain(pollIntervalSeconds=10, timeoutSeconds=9),
     "spec.drain.timeoutSeconds", drain(pollIntervalSeconds=10, timeoutSeconds=10)),
    # Issue 18: a tier naming the API server's audience would have its pods
    # handed a token the API server accepts as the operator; naming another
    # tier's, drain that tier. The audience is Baton's, never the tier's.
    ("audience-of-the-api-server", "RelayTier",
     drain(auth={"type": "ServiceAccountToken",
                 "audience": "https://kubernetes.default.svc.cluster.local"}),
     "spec.drain.auth.audience", drain(auth={"type": "ServiceAccountToken"})),
    ("audience-of-another-tier", "SessionTier",
     drain(auth={"type": "ServiceAccountToken", "audience": "baton.dev/drain/other/RelayTier/r"}),
     "spec.drain.auth.audience", drain(auth={"type": "ServiceAccountToken"})),
    ("surge-and-unavailable-both-zero", "RelayTier", rollout(maxSurge=0, maxUnavailable=0),
     "spec.rollout.maxSurge", rollout(maxSurge=0, maxUnavailable=1)),
    ("partition-above-replicas", "RelayTier", rollout(partition=4), "spec.rollout.partition",
     rollout(partition=3)),
    ("progress-deadline-not-above-min-ready", "RelayTier",
     rollout(minReadySeconds=30, progressDeadlineSeconds=30),
     "spec.rollout.progressDeadlineSeconds",
     rollout(minReadySeconds=30, progressDeadlineSeconds=31)),
    # Issue 19: evictions wait for the drain; a budget that would let one
    # pod with sessions be evicted is refused, naming the field.
    ("pdb-max-unavailable", "RelayTier",
     {"spec": {"podDisruptionBudget": {"maxUnavailable": 1}}},
     "spec.podDisruptionBudget.maxUnavailable",
     {"spec": {"podDisruptionBudget": {}}}),
    ("pdb-min-available", "RelayTier",
     {"spec": {"podDisruptionBudget": {"minAvailable": 2}}},
     "spec.podDisruptionBudget.maxUnavailable",
     {"spec": {"podDisruptionBudget": {}}}),
    ("reserved-template-label", "RelayTier",
     {"spec": {"template": {"metadata": {"labels": {"baton.dev/revision": "x"}}}}},
     "spec.template.metadata.labels",
     {"spec": {"template": {"metadata": {"labels": {"example.com/revision": "x"}}}}}),
    ("reserved-template-annotation", "RelayTier",
     {"spec": {"template": {"metadata": {"annotations": {"baton.dev/skip-drain": "true"}}}}},
     "spec.template.metadata.annotations",
     {"spec": {"template": {"metadata": {"annotations": {"example.com/skip-drain": "true"}}}}}),
    ("reserved-template-annotation-drain-state", "SessionTier",
     {"spec": {"template": {"metadata": {"annotations": {"baton.dev/drain-successor": "x"}}}}},
     "spec.template.metadata.annotations",
     {"spec": {"template": {"metadata": {"annotations": {"team.example/owner": "x"}}}}}),
    # Issue 18: a hostNetwork pod's drain endpoint is its node's address.
    ("host-network-without-opt-in", "RelayTier", pod_spec(hostNetwork=True),
     "spec.template.spec.hostNetwork",
     {"spec": {"template": {"spec": {"hostNetwork": True}},
               "drain": {"allowHostNetwork": True}}}),
    ("restart-policy-never", "BusinessTier", pod_spec(restartPolicy="Never"),
     "spec.template.spec.restartPolicy", pod_spec(restartPolicy="Always")),
    # Issue 23: canary steps and the Prometheus check.
    ("canary-step-zero", "RelayTier", rollout(canary={"steps": [{"replicas": 0}]}),
     "spec.rollout.canary.steps[0].replicas", rollout(canary={"steps": [{"replicas": 1}]})),
    ("canary-step-percent-over", "SessionTier", rollout(canary={"steps": [{"replicas": "101%"}]}),
     "spec.rollout.canary.steps[0].replicas", rollout(canary={"steps": [{"replicas": "100%"}]})),
    ("canary-step-not-a-percent", "BusinessTier",
     rollout(canary={"steps": [{"replicas": "half"}]}),
     "spec.rollout.canary.steps[0].replicas", rollout(canary={"steps": [{"replicas": "1%"}]})),
    ("canary-no-steps", "RelayTier", rollout(canary={"steps": []}), "spec.rollout.canary.steps",
     rollout(canary={"steps": [{"replicas": 1, "bakeSeconds": 86400}]})),
    ("canary-bake-too-long", "RelayTier",
     rollout(canary={"steps": [{"replicas": 1, "bakeSeconds": 86401}]}),
     "spec.rollout.canary.steps[0].bakeSeconds",
     rollout(canary={"steps": [{"replicas": 1, "bakeSeconds": 86400}]})),
    ("canary-prometheus-without-bounds", "RelayTier",
     rollout(canary={"steps": [{"replicas": 1}], "analysis": {"prometheus": {"query": "up"}}}),
     "spec.rollout.canary.analysis.prometheus.max",
     rollout(canary={"steps": [{"replicas": 1}],
                     "analysis": {"prometheus": {"query": "up", "min": 1}}})),
    ("selector-not-in-template", "RelayTier",
     {"spec": {"selector": {"matchLabels": {"app": "relay"}},
               "template": {"metadata": {"labels": {"app": "other"}}}}},
     "spec.selector.matchLabels",
     {"spec": {"selector": {"matchLabels": {"app": "relay"}},
               "template": {"metadata": {"labels": {"app": "relay", "extra": "ok"}}}}}),
]


@pytest.mark.parametrize("case_id,kind,bad,field,good", CASES, ids=[c[0] for c in CASES])
def test_rule_refuses_breach_and_accepts_boundary(custom, namespace, case_id, kind, bad, field,
                                                  good):
    with pytest.raises(ApiException) as refused:
        create(custom, namespace, tier(kind, bad, "bad"))
    status, causes = causes_of(refused.value)
    assert status == 422, refused.value.body
    assert field in [c[0] for c in causes], f"{case_id}: causes {causes} do not name {field}"

    accepted = create(custom, namespace, tier(kind, good, "good"))
    assert accepted["metadata"]["uid"]


def test_at_least_twenty_refusals():
    assert len(CASES) + len(TRANSITIONS) >= 20


def replace(custom, namespace, obj):
    return custom.replace_namespaced_custom_object(GROUP, VERSION, namespace,
                                                   PLURALS[obj["kind"]], obj["metadata"]["name"],
                                                   obj)


SELECTED = {"spec": {"selector": {"matchLabels": {"app": "relay"}},
                     "template": {"metadata": {"labels": {"app": "relay", "track": "a"}}}}}

# Rules on updates (CEL transition rules): (id, kind, created, bad update, field, good update)
TRANSITIONS = [
    ("selector-changed", "RelayTier", SELECTED,
     {"spec": {"selector": {"matchLabels": {"track": "a"}}}}, "spec.selector",
     {"spec": {"replicas": 4}}),
    ("selector-removed", "RelayTier", SELECTED, {"spec": {"selector": None}}, "spec.selector",
     {"spec": {"template": {"metadata": {"labels": {"track": "b"}}}}}),
    ("selector-added", "BusinessTier", {}, {"spec": {"selector": {"matchLabels": {}}}},
     "spec.selector", {"spec": {"replicas": 5}}),
    ("shard-count-changed", "SessionTier", {}, {"spec": {"replicas": 4}}, "spec.replicas",
     {"spec": {"replicas": 4, "allowShardCountChange": True}}),
]


@pytest.mark.parametrize("case_id,kind,created,bad,field,good", TRANSITIONS,
                         ids=[t[0] for t in TRANSITIONS])
def test_update_rule_refuses_breach_and_accepts_allowed_change(custom, namespace, case_id, kind,
                                                               created, bad, field, good):
    current = create(custom, namespace, tier(kind, created, "t"))
    with pytest.raises(ApiException) as refused:
        replace(custom, namespace, merge(copy.deepcopy(current), bad))
    status, causes = causes_of(refused.value)
    assert status == 422, refused.value.body
    assert field in [c[0] for c in causes], f"{case_id}: causes {causes} do not name {field}"

    updated = replace(custom, namespace, merge(copy.deepcopy(current), good))
    assert updated["metadata"]["generation"] == current["metadata"]["generation"] + 1
