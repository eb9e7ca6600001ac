"""The generated pod template schema keeps everything a real pod template
says (nothing pruned), and what it keeps is a pod the API server accepts."""

import copy

from kubernetes import client

from conftest import create, minimal

TEMPLATE = {
    "metadata": {"labels": {"app": "relay", "tier": "front"},
                 "annotations": {"harness.baton.dev/pod-runner": "true", "example.com/note": "x"}},
    "spec": {
        "terminationGracePeriodSeconds": 30,
        "serviceAccountName": "default",
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [{"name": "init", "image": "busybox:1", "command": ["true"]}],
        "containers": [{
            "name": "relay",
            "image": "relay:v1",
            "args": ["--sessions=500000"],
            "env": [{"name": "A", "value": "1"},
                    {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
            "ports": [{"name": "chat", "containerPort": 7000},
                      {"name": "drain", "containerPort": 9090, "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                          "limits": {"cpu": 2, "memory": "2Gi"}},
            "readinessProbe": {"httpGet": {"path": "/drain", "port": "drain"},
                               "periodSeconds": 2},
            "livenessProbe": {"tcpSocket": {"port": 7000}},
            "lifecycle": {"preStop": {"sleep": {"seconds": 1}}},
            "securityContext": {"allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]}},
            "volumeMounts": [{"name": "directory", "mountPath": "/etc/baton"}],
        }],
        "volumes": [{"name": "directory", "configMap": {"name": "relay-serving"}}],
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
            "weight": 100, "podAffinityTerm": {
                "topologyKey": "kubernetes.io/hostname",
                "labelSelector": {"matchLabels": {"app": "relay"}}}}]}},
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                       "whenUnsatisfiable": "ScheduleAnyway",
                                       "labelSelector": {"matchLabels": {"app": "relay"}}}],
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "chat",
                         "effect": "NoSchedule"}],
    },
}


def test_rich_template_is_stored_unpruned_and_makes_a_valid_pod(api_client, custom, namespace):
    obj = minimal("RelayTier", "rich")
    obj["spec"]["template"] = copy.deepcopy(TEMPLATE)
    stored = create(custom, namespace, obj)
    # Only the list-map key default the schema must carry is added.
    expected = copy.deepcopy(TEMPLATE)
    expected["spec"]["containers"][0]["ports"][0]["protocol"] = "TCP"
    assert stored["spec"]["template"] == expected

    # What Baton will do with it: a pod from the stored template (dry run).
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": dict(stored["spec"]["template"]["metadata"], name="rich-0"),
           "spec": stored["spec"]["template"]["spec"]}
    created = client.CoreV1Api(api_client).create_namespaced_pod(namespace, pod, dry_run="All")
    assert created.spec.containers[0].image == "relay:v1"
