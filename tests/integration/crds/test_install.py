"""The CRDs install on the real kube-apiserver with server-side apply and
carry the names, subresources and columns the rest of Baton relies on."""

import json

import pytest
from kubernetes import client

from conftest import CRDS, GROUP, PLURALS, kubectl


def crd(api_client, plural):
    return client.ApiextensionsV1Api(api_client).read_custom_resource_definition(
        f"{plural}.{GROUP}")


def test_server_side_apply_is_idempotent(crds_installed):
    # A second apply of the same files changes nothing and is not refused.
    out = kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=baton-crds",
                  "-f", str(CRDS)).stdout
    assert out.count("serverside-applied") == 3, out


def test_client_side_apply_fits_too(crds_installed):
    # Pod-template descriptions are cut to one sentence so that each CRD (as
    # compact JSON) stays under the 256 KiB last-applied annotation limit:
    # client-side apply works as well, though docs recommend --server-side.
    for path in sorted(CRDS.glob("*.yaml")):
        result = kubectl("apply", "--dry-run=server", "-f", str(path), check=False)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("kind,plural", PLURALS.items())
def test_crd_established_with_names(api_client, crds_installed, kind, plural):
    c = crd(api_client, plural)
    conditions = {x.type: x.status for x in c.status.conditions}
    assert conditions.get("Established") == "True"
    assert conditions.get("NamesAccepted") == "True"
    assert "NonStructuralSchema" not in conditions
    assert c.spec.names.kind == kind
    assert c.spec.names.categories == ["baton"]
    assert c.spec.names.short_names == [{"RelayTier": "rt", "SessionTier": "st",
                                         "BusinessTier": "bt"}[kind]]
    assert c.spec.scope == "Namespaced"


@pytest.mark.parametrize("kind,plural", PLURALS.items())
def test_subresources(api_client, crds_installed, kind, plural):
    version = crd(api_client, plural).spec.versions[0]
    assert version.name == "v1alpha1" and version.served and version.storage
    assert version.subresources.status is not None
    if kind == "SessionTier":
        assert version.subresources.scale is None  # a shard-count change is deliberate
    else:
        scale = version.subresources.scale
        assert scale.spec_replicas_path == ".spec.replicas"
        assert scale.status_replicas_path == ".status.replicas"
        assert scale.label_selector_path == ".status.selector"


@pytest.mark.parametrize("plural", PLURALS.values())
def test_printer_columns(api_client, crds_installed, plural):
    columns = [c.name for c in crd(api_client, plural).spec.versions[0].additional_printer_columns]
    first = "Shards" if plural == "sessiontiers" else "Desired"
    assert columns[:7] == [first, "Ready", "Updated", "Sessions", "Draining", "Phase", "Age"]


def walk(schema, path="", missing=None):
    missing = [] if missing is None else missing
    for name, child in (schema.get("properties") or {}).items():
        here = f"{path}.{name}"
        if not child.get("description") and here != ".metadata":
            missing.append(here)
        walk(child, here, missing)
    if isinstance(schema.get("items"), dict):
        walk(schema["items"], path + "[]", missing)
    return missing


@pytest.mark.parametrize("plural", PLURALS.values())
def test_every_field_has_a_description(api_client, crds_installed, plural):
    raw = kubectl("get", "crd", f"{plural}.{GROUP}", "-o", "json").stdout
    schema = json.loads(raw)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    # Baton's own fields (spec minus the generated pod template, and status).
    spec = dict(schema["properties"]["spec"])
    spec["properties"] = {k: v for k, v in spec["properties"].items() if k != "template"}
    missing = walk(spec, ".spec") + walk(schema["properties"]["status"], ".status")
    assert schema["properties"]["spec"]["properties"]["template"]["description"]
    assert missing == []
