"""The Grafana dashboard (charts/baton/dashboards/baton-rollouts.json) loads as
JSON and every query in it names only metrics the operator exports. The
exported list is read from the API contract (docs/api-contract.md, section
"Metrics"), which is itself checked against operator/api/contract.h — no copy
of the names lives in this test."""
import json
import pathlib
import re

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
DASHBOARD = REPO / "charts" / "baton" / "dashboards" / "baton-rollouts.json"

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def exported_metrics():
    """name -> type, from the Metrics table of docs/api-contract.md."""
    text = (REPO / "docs" / "api-contract.md").read_text()
    section = text.split("\n## Metrics\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_:]+)` \| ([a-z]+)", section, re.M)
    return dict(rows)


def contract_header_metrics():
    text = (REPO / "operator" / "api" / "contract.h").read_text()
    block = text.split("namespace metric {", 1)[1].split("}  // namespace metric", 1)[0]
    return set(re.findall(r'"([a-z_:]+)"', block))


def metrics_in(expr):
    """Metric names a PromQL expression selects."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)          # string literals
    e = re.sub(r"\{[^}]*\}", " ", e)                      # label matchers
    e = re.sub(r"\[[^\]]*\]", " ", e)                     # range selectors
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        rest = e[m.end():].lstrip()
        if rest.startswith("("):
            continue  # a function
        if m.group(0) in ("and", "or", "unless", "bool", "offset"):
            continue
        names.add(m.group(0))
    return names


def is_exported(name, exported):
    if name in exported:
        return True
    for suffix in HISTOGRAM_SUFFIXES:
        base = name[: -len(suffix)] if name.endswith(suffix) else None
        if base and exported.get(base) == "histogram":
            return True
    return False


def queries(dashboard):
    """(where, expr) of every panel target and every query variable."""
    out = []
    for panel in dashboard["panels"]:
        for inner in [panel] + panel.get("panels", []):
            for t in inner.get("targets", []):
                out.append((f"panel {inner['title']!r} target {t.get('refId')}", t["expr"]))
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") == "query":
            q = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
            m = re.match(r"label_values\((.*),\s*[A-Za-z_]+\)$", q)
            out.append((f"variable {var['name']}", m.group(1) if m else q))
    return out


@pytest.fixture(scope="module")
def dashboard():
    return json.loads(DASHBOARD.read_text())


def test_contract_doc_and_header_name_the_same_metrics():
    exported = exported_metrics()
    assert len(exported) >= 18, exported
    assert set(exported) == contract_header_metrics()


def test_every_panel_has_a_query(dashboard):
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert panels
    for p in panels:
        assert p.get("targets"), f"panel {p['title']!r} has no query"
        assert all(t.get("expr") for t in p["targets"]), p["title"]


def test_every_query_names_only_exported_metrics(dashboard):
    exported = exported_metrics()
    for where, expr in queries(dashboard):
        names = metrics_in(expr)
        assert names, f"{where}: no metric in {expr!r}"
        unknown = sorted(n for n in names if not is_exported(n, exported))
        assert not unknown, f"{where}: {unknown} not exported by the operator ({expr!r})"


def test_dashboard_shows_progress_sessions_rate_and_eta(dashboard):
    exprs = " ".join(e for _, e in queries(dashboard))
    for needed in ("baton_tier_replicas_updated", "baton_pod_sessions",
                   "deriv(baton_drain_sessions_left"):
        assert needed in exprs
    titles = {p["title"] for p in dashboard["panels"]}
    assert {"Drain rate", "Drain ETA", "Live sessions per pod"} <= titles


def test_the_check_itself_catches_an_unknown_metric():
    exported = exported_metrics()
    names = metrics_in('sum by (pod) (rate(baton_sessions_migrated_total{tier="x"}[5m]))')
    assert names == {"baton_sessions_migrated_total"}
    assert not is_exported("baton_sessions_migrated_total", exported)
    assert is_exported("baton_drain_duration_seconds_bucket", exported)
    assert not is_exported("baton_pod_sessions_bucket", exported)  # a gauge has no buckets
