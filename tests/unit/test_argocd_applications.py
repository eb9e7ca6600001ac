"""examples/argocd: every Application points at a path of this repository,
the operator chart syncs in an earlier wave than the tiers, and each child
Application applies server-side."""
import pathlib

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
APPS = REPO / "examples" / "argocd"


def applications():
    for f in sorted(APPS.rglob("*.yaml")):
        for doc in yaml.safe_load_all(f.read_text()):
            if doc and doc.get("kind") == "Application":
                yield f, doc


def test_every_source_path_exists():
    found = list(applications())
    assert len(found) == 3, [f.name for f, _ in found]
    for f, app in found:
        path = REPO / app["spec"]["source"]["path"]
        assert path.is_dir(), (f, path)


def test_chart_syncs_before_the_tiers_and_everything_server_side():
    children = {a["metadata"]["name"]: a for f, a in applications() if f.parent.name == "apps"}
    wave = {n: int(a["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
            for n, a in children.items()}
    chart = [n for n, a in children.items() if a["spec"]["source"]["path"] == "charts/baton"]
    tiers = [n for n in children if n not in chart]
    assert chart and tiers
    assert all(wave[chart[0]] < wave[t] for t in tiers), wave
    for a in children.values():
        assert "ServerSideApply=true" in a["spec"]["syncPolicy"]["syncOptions"], a
