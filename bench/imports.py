"""Cold import time, each statement in a fresh process, against the goals of issue #14: `import app` at most 1.5x
`import boto3, chalice`, and each task handler module (chalicelib/tasks/*.py alone) at most 1.2x `import boto3`.

The machine is shared and noisy, so every figure is a ratio of medians of interleaved runs: each round imports every
statement once, in a rotated order, so that a slow moment hits the baseline and the measured import alike, and the
ratios compare CPU time (what other processes on the machine disturb least); wall times are shown beside them."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 11  # the median of 11 swings less than that of 5 on a shared machine (about ±15% with 5)
BASELINE = "import boto3, chalice"
APP = "import app"
TASK_BASELINE = "import boto3"
APP_GOAL = 1.5
TASK_GOAL = 1.2
# What a cold API function pays beyond `import app`, shown beside the goals (no goal of their own): the first request
# of a route loads its module (here the bid submission's, among the largest), and every module is what `import app`
# loaded before routes were registered from chalicelib/handlers.py.
FIRST_BID = "import app; from chalicelib import registry; registry.routes().view('POST', '/solicitations/{solicitation_id}/bids')"
EVERY_MODULE = "import app; from chalicelib import registry; registry.load_all()"
SHOWN = {FIRST_BID: "import app + the bid submission's module", EVERY_MODULE: "import app + every module"}


def task_imports() -> list[str]:
    """One statement per task handler module: the modules whose functions Lambda runs (chalicelib/handlers.py)."""
    from chalicelib.handlers import FUNCTIONS

    return [f"import {module}" for module in sorted({module for _, module, _, _ in FUNCTIONS})]


def goals() -> dict[str, tuple[str, float]]:
    """Each measured statement -> (the baseline it is compared with, the highest ratio allowed)."""
    return {APP: (BASELINE, APP_GOAL)} | {statement: (TASK_BASELINE, TASK_GOAL) for statement in task_imports()}


# Timed inside the child: only the import statement, not interpreter start-up. The child also reports whether the
# import changed os.environ (the app must read its configuration when first needed, never set it at import).
_PROBE = """
import json, os, sys, time
before = dict(os.environ)
t, cpu = time.perf_counter(), time.process_time()
{statement}
elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
after = dict(os.environ)
changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
print(json.dumps({{"seconds": elapsed, "cpu": cpu, "env_changed": changed, "modules": len(sys.modules)}}))
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


def _interleaved(statements: list[str]) -> tuple[dict[str, list[dict]], dict[str, int], set[str]]:
    """Each statement's results over REPEATS rounds, the modules each loads, and the variables `import app` changed."""
    for statement in statements:  # warm-up: every module's bytecode compiled, its files in the page cache
        measure(statement)
    samples: dict[str, list[dict]] = {s: [] for s in statements}
    modules: dict[str, int] = {}
    env_changed: set[str] = set()
    for round_ in range(REPEATS):
        shift = round_ % len(statements)
        for statement in statements[shift:] + statements[:shift]:
            result = measure(statement)
            samples[statement].append(result)
            modules[statement] = result["modules"]
            if statement == APP:
                env_changed |= set(result["env_changed"])
    return samples, modules, env_changed


def run() -> list:
    targets = goals()
    statements = [BASELINE, TASK_BASELINE, *targets, *SHOWN]
    samples, modules, env_changed = _interleaved(statements)
    wall = {s: [r["seconds"] for r in results] for s, results in samples.items()}
    median = {s: statistics.median(r["cpu"] for r in results) for s, results in samples.items()}
    ratios = {s: median[s] / median[base] for s, (base, _) in targets.items()} | {s: median[s] / median[BASELINE] for s in SHOWN}
    failed = [s for s, (_, goal) in targets.items() if ratios[s] > goal]
    rows: list = []
    for statement in statements:
        base, goal = targets.get(statement, (BASELINE if statement in SHOWN else None, None))
        rows.append(
            {
                "import": SHOWN.get(statement, statement),
                "cpu ms": f"{median[statement] * 1000:.1f}",
                "wall ms": f"{statistics.median(wall[statement]) * 1000:.1f}",
                "wall min-max": f"{min(wall[statement]) * 1000:.0f}-{max(wall[statement]) * 1000:.0f}",
                "modules": modules[statement],
                "vs": base or "(baseline)",
                "ratio": f"{ratios[statement]:.2f}x" if base else "-",
                "goal": f"<= {goal}x" if goal else "-",
                "result": ("FAIL" if statement in failed else "PASS") if goal else "-",
            }
        )
    rows.append(
        f"ratios of median CPU times of {REPEATS} interleaved fresh processes each; "
        f"goals met: {len(targets) - len(failed)} of {len(targets)}"
        + (f" (failing: {', '.join(s.removeprefix('import ') for s in failed)})" if failed else "")
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
