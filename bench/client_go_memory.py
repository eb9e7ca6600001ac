"""The memory of a minimal client-go operator caching the same pods as
Baton (tools/informer-memory, built by scripts/build-gotools), measured the
way Baton's is: VmRSS from /proc once the cache holds every pod and the
RSS is steady. Printed beside Baton's by bench/run (issue 22)."""
import os
import pathlib
import re
import subprocess
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
VARIANTS = [("client-go informer", []), ("client-go, transform strips", ["--strip"])]


def informer_binary():
    """INFORMER_MEMORY_BIN, else built (or found cached) by scripts/build-gotools."""
    d = os.environ.get("INFORMER_MEMORY_BIN")
    if not d:
        r = subprocess.run([str(REPO / "scripts" / "build-gotools"), "informer-memory"],
                           capture_output=True,
                           text=True, timeout=1800)
        if r.returncode != 0:
            raise RuntimeError(f"scripts/build-gotools: {r.stderr[-2000:]}")
        d = re.search(r"^INFORMER_MEMORY_BIN=(.+)$", r.stdout, re.M).group(1)
    return pathlib.Path(d) / "informer-memory"


def measure(bench, ns, size, wait_settled, log):
    """One row per variant: the informer over namespace `ns` holding `size` pods."""
    binary = informer_binary()
    rows = []
    for label, flags in VARIANTS:
        p = bench.start(f"client-go-{size}-{len(flags)}",
                        [binary, "--kubeconfig", os.environ["KUBECONFIG"], "--namespaces", ns,
                         *flags])
        t0 = time.monotonic()
        while "synced" not in p.output():
            if p.proc.poll() is not None or time.monotonic() - t0 > 300:
                raise RuntimeError(f"informer-memory: {p.output()[-2000:]}")
            time.sleep(0.5)
        took = wait_settled(p)
        st = p.proc_status()
        p.stop()
        rows.append({"pods": size, "variant": label, "vmRssKiB": st["VmRSS"],
                     "vmHwmKiB": st["VmHWM"], "rssAnonKiB": st.get("RssAnon"),
                     "rssFileKiB": st.get("RssFile"), "settleSeconds": round(took, 1)})
        log(f"memory {size} pods, {label}: RSS {st['VmRSS'] / 1024:.1f} MiB")
    return rows

