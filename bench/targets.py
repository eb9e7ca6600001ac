"""Issue 22's targets, printed beside the figures by bench/run (the
benchmarks print and judge; no test asserts a time)."""

MEMORY_TARGET_MIB = {0: 12, 1000: 25, 10000: 40}
FANOUT_TARGET_CORE = {10000: 0.1}


def judged(value, target, unit=""):
    if target is None:
        return ""
    return f"  (target <= {target}{unit}: {'met' if value <= target else 'MISSED'})"
