"""operator/api/contract.h, the CRDs and docs/api-contract.md name the same
things: a constant renamed in one place and not the others fails here."""

import re

import pytest
import yaml

from conftest import CRDS, PLURALS, REPO

HEADER = (REPO / "operator" / "api" / "contract.h").read_text()
DOC = (REPO / "docs" / "api-contract.md").read_text()


def constants(namespace=None):
    """name -> value of the `inline constexpr std::string_view` constants,
    optionally only those inside `namespace <name> { ... }`."""
    # Top level: drop the nested namespaces (status_field::kPhase is not kPhase).
    text = re.sub(r"\nnamespace (\w+) \{.*?\}  // namespace \1", "", HEADER, flags=re.S)
    if namespace:
        text = re.search(r"namespace %s \{(.*?)\}  // namespace %s" % (namespace, namespace),
                         HEADER, re.S).group(1)
    return dict(re.findall(r'std::string_view (k\w+) =\s*"([^"]*)"', text))


def schema(plural):
    with open(CRDS / f"baton.dev_{plural}.yaml") as f:
        crd = yaml.safe_load(f)
    return crd, crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def test_kind_names_match_crds():
    for kind, plural in PLURALS.items():
        crd, _ = schema(plural)
        names = crd["spec"]["names"]
        entry = re.search(r'k%s\{\s*"%s",\s*"%sList",\s*"%s",\s*"%s",\s*"(\w+)",\s*(true|false)\}'
                          % (kind, kind, kind, plural, names["singular"]), HEADER)
        assert entry, f"contract.h has no KindNames for {kind} matching its CRD"
        assert [entry.group(1)] == names["shortNames"]
        assert (entry.group(2) == "true") == ("scale" in crd["spec"]["versions"][0]["subresources"])
    assert constants()["kCategory"] == crd["spec"]["names"]["categories"][0]
    assert constants()["kGroup"] == crd["spec"]["group"]


def test_status_fields_exist_in_every_crd():
    fields = constants("status_field")
    assert len(fields) >= 16
    for plural in PLURALS.values():
        _, root = schema(plural)
        status = root["properties"]["status"]["properties"]
        assert set(fields.values()) == set(status), plural


def test_phase_enum_matches():
    phases = {v for k, v in constants().items() if k.startswith("kPhase")}
    _, root = schema("relaytiers")
    assert phases == set(root["properties"]["status"]["properties"]["phase"]["enum"])


def test_spec_enums_match():
    c = constants()
    _, root = schema("relaytiers")
    drain = root["properties"]["spec"]["properties"]["drain"]["properties"]
    assert {c["kOnTimeoutPause"], c["kOnTimeoutProceed"]} == set(drain["onTimeout"]["enum"])
    assert {c["kDrainAuthNone"], c["kDrainAuthServiceAccountToken"]} == \
        set(drain["auth"]["properties"]["type"]["enum"])


def test_condition_types_are_the_documented_ones():
    _, root = schema("relaytiers")
    description = root["properties"]["status"]["properties"]["conditions"]["description"]
    for name, value in constants().items():
        if name.startswith("kCondition"):
            assert value in description


@pytest.mark.parametrize("group", [None, "reason", "event", "status_field"])
def test_every_name_is_documented(group):
    values = constants(group).values()
    missing = [v for v in values if f"`{v}`" not in DOC and v not in DOC]
    assert missing == [], f"docs/api-contract.md does not mention {missing}"


def test_pod_runner_annotation_is_exactly_the_harness_one():
    # scripts/cluster configures kwok to skip pods with this annotation.
    assert constants()["kAnnotationPodRunner"] == "harness.baton.dev/pod-runner"
    cluster = (REPO / "scripts" / "cluster").read_text()
    assert "HARNESS_ANNOTATION=harness.baton.dev/pod-runner" in cluster


def test_field_manager():
    assert constants()["kFieldManager"] == "baton-operator"
