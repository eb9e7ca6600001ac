"""The ArgoCD health checks (argocd/resource_customizations/baton.dev/<Kind>/
health.lua) return the expected status and message for every case of their
health_test.yaml, run in gopher-lua as ArgoCD runs them, and the three kinds
share one byte-identical script; and the resource actions (<Kind>/actions/)
pass their discovery and action tests, disabled states included:
tests/argocd/run-lua-tests, run here so that `pytest tests/unit` covers it. Needs Go; without it this test fails rather
than skips."""
import pathlib
import re
import shutil
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "argocd" / "run-lua-tests"
KINDS = ("RelayTier", "SessionTier", "BusinessTier")
STATUSES = ("Healthy", "Progressing", "Suspended", "Degraded")


def test_argocd_health_checks():
    assert shutil.which("go"), "Go is required to run the ArgoCD health checks (go not on PATH)"
    # The first run may fetch gopher-lua from the Go module proxy and compile.
    run = subprocess.run(["bash", str(SCRIPT)], cwd=REPO, capture_output=True, text=True,
                         timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output

    summary = run.stdout.split("\nsummary", 1)
    assert len(summary) == 2, output
    summary = summary[1]
    for kind in KINDS:
        line = re.search(rf"^  baton\.dev/{kind} +(\d+) cases \((.*)\): ok$", summary, re.M)
        assert line, f"{kind} missing from the summary:\n{output}"
        for status in STATUSES:
            assert re.search(rf"\b{status} [1-9]", line.group(2)), \
                f"no {status} case for {kind}:\n{output}"
    assert re.search(r"^ok   baton\.dev: health\.lua byte-identical in "
                     r"BusinessTier, RelayTier, SessionTier$", run.stdout, re.M), output
    for kind in KINDS:
        line = re.search(rf"^  baton\.dev/{kind}/actions +(\d+) cases \((.*)\): ok$", summary, re.M)
        assert line, f"{kind} actions missing from the summary:\n{output}"
        actions = ("pause", "resume", "restart", "promote", "abort") + \
            (("scale",) if kind != "SessionTier" else ())
        for action in ("discovery",) + actions:
            assert re.search(rf"\b{action} [1-9]", line.group(2)), \
                f"no {action} case for {kind}:\n{output}"
        # Discovery says resume is disabled unless paused, pause when paused,
        # promote and abort only while a canary is under way.
        assert re.search(rf"^ok   baton\.dev/{kind}/actions discovery testdata/tier\.yaml: "
                         r"abort disabled, pause enabled, promote disabled, restart enabled, "
                         r"resume disabled", run.stdout, re.M), output
        assert re.search(rf"^ok   baton\.dev/{kind}/actions discovery testdata/tier-paused\.yaml: "
                         r"abort disabled, pause disabled, promote disabled, restart enabled, "
                         r"resume enabled", run.stdout, re.M), output
        assert re.search(rf"^ok   baton\.dev/{kind}/actions discovery testdata/tier-canary\.yaml: "
                         r"abort enabled, pause enabled, promote enabled", run.stdout, re.M), output
    closing = re.search(r"^(\d+) passed, (\d+) failed$", run.stdout, re.M)
    assert closing and int(closing.group(1)) > 0 and closing.group(2) == "0", output
