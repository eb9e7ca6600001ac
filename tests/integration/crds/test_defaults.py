"""The API server's defaults for a minimal tier equal the golden files the C++
unit tests (tests/unit/api/tier_types_test.cpp) decode against, so the C++
defaults and the schema's cannot drift apart unnoticed."""

import json
import os

import pytest

from conftest import PLURALS, TESTDATA, create, minimal


@pytest.mark.parametrize("kind", PLURALS)
def test_server_defaults_match_golden(custom, namespace, kind):
    stored = create(custom, namespace, minimal(kind, "minimal"))
    golden_path = TESTDATA / f"{kind.lower()}-defaulted-spec.json"
    if os.environ.get("BATON_UPDATE_GOLDEN") == "1":
        golden_path.write_text(json.dumps(stored["spec"], indent=2, sort_keys=True) + "\n")
    assert stored["spec"] == json.loads(golden_path.read_text())


def test_template_metadata_is_not_pruned(custom, namespace):
    obj = minimal("RelayTier", "meta")
    obj["spec"]["template"]["metadata"] = {
        "labels": {"app": "relay"}, "annotations": {"harness.baton.dev/pod-runner": "true"}}
    stored = create(custom, namespace, obj)
    assert stored["spec"]["template"]["metadata"] == obj["spec"]["template"]["metadata"]


def test_unknown_fields_are_refused_by_strict_validation(custom, namespace):
    # kubectl sends fieldValidation=Strict by default (the Python client only
    # when asked): a misspelt field is refused by name instead of pruned.
    from kubernetes.client import ApiException
    obj = minimal("RelayTier", "typo")
    obj["spec"]["drain"]["sessionTreshold"] = 5
    with pytest.raises(ApiException) as refused:
        custom.api_client.call_api(
            "/apis/baton.dev/v1alpha1/namespaces/{ns}/relaytiers", "POST",
            path_params={"ns": namespace}, query_params=[("fieldValidation", "Strict")],
            header_params={"Content-Type": "application/json", "Accept": "application/json"},
            body=obj, auth_settings=["BearerToken"], response_type="object")
    assert refused.value.status == 400  # BadRequest: strict decoding error
    assert "unknown field \\\"spec.drain.sessionTreshold\\\"" in refused.value.body
