"""Cold import time of the Chalice app (`import app`) against `import boto3, chalice`, each in a fresh process."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5
BASELINE = "import boto3, chalice"
APP = "import app"

# Timed inside the child: only the import statement, not interpreter start-up. The child also reports whether the
# import changed os.environ (the app must read its configuration when first needed, never set it at import).
_PROBE = """
import json, os, sys, time
before = dict(os.environ)
t = time.perf_counter()
{statement}
elapsed = time.perf_counter() - t
after = dict(os.environ)
changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
print(json.dumps({{"seconds": elapsed, "env_changed": changed, "modules": len(sys.modules)}}))
"""


def _child_env() -> dict[str, str]:
    """The caller's environment without the local stack's app settings, with the repository on PYTHONPATH."""
    from local.stack import app_environment

    env = {k: v for k, v in os.environ.items() if k not in app_environment()}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(statement: str, *extra_args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, *extra_args, "-c", _PROBE.format(statement=statement)],
        cwd=ROOT,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
        raise RuntimeError(f"`{statement}` failed in a fresh process: {(errors or ['no output'])[-1]}")
    return done


def measure(statement: str) -> dict:
    return json.loads(_run(statement).stdout.strip().splitlines()[-1])


def heaviest_packages(limit: int = 6) -> list[tuple[str, float]]:
    """Top-level packages by the extra import time `import app` spends in them over the baseline (`-X importtime`,
    self times summed per top-level package, one run each)."""

    def self_times(statement: str) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in _run(statement, "-X", "importtime").stderr.splitlines():
            if not line.startswith("import time:") or line.count("|") != 2:
                continue
            own, _, name = line[len("import time:") :].split("|")
            if not own.strip().isdigit():
                continue  # the header line
            top = name.strip().split(".")[0]
            totals[top] = totals.get(top, 0.0) + int(own) / 1e6
        return totals

    base, app = self_times(BASELINE), self_times(APP)
    extra = {name: seconds - base.get(name, 0.0) for name, seconds in app.items()}
    return sorted(((n, s) for n, s in extra.items() if s > 0), key=lambda kv: kv[1], reverse=True)[:limit]


def run() -> list:
    measure(BASELINE), measure(APP)  # warm-up: bytecode compiled, files in the page cache
    samples: dict[str, list[float]] = {BASELINE: [], APP: []}
    env_changed: set[str] = set()
    modules: dict[str, int] = {}
    for _ in range(REPEATS):  # interleaved, so machine noise hits both alike
        for statement, values in samples.items():
            result = measure(statement)
            values.append(result["seconds"])
            if statement == APP:
                env_changed |= set(result["env_changed"])
            modules[statement] = result["modules"]
    base, app = (statistics.median(samples[s]) for s in (BASELINE, APP))
    rows: list = [
        {
            "import": statement,
            "median ms": f"{statistics.median(values) * 1000:.1f}",
            "min ms": f"{min(values) * 1000:.1f}",
            "max ms": f"{max(values) * 1000:.1f}",
            "modules loaded": modules[statement],
        }
        for statement, values in samples.items()
    ]
    rows.append(
        f"ratio app / baseline (medians of {REPEATS} fresh processes each): {app / base:.2f}x (+{(app - base) * 1000:.1f} ms)"
    )
    known = {"AWS_EXECUTION_ENV": "set by chalice.Chalice() itself for the botocore user agent"}
    rows.append(
        "environment variables changed by `import app`: "
        + (", ".join(f"{k} ({known[k]})" if k in known else k for k in sorted(env_changed)) or "none")
    )
    heavy = heaviest_packages()
    if heavy:
        rows.append(
            "where the extra time goes (-X importtime self time per top-level package, app minus baseline): "
            + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in heavy)
        )
    return rows
