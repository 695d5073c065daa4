"""`make bench` (= `python -m bench [section ...]`): a readable report of the local stack's costs.

Each section is a module of this package with a `run()` that returns rows:
  - a dict is a table row (column -> value); consecutive dicts form one table, columns in first-seen order;
  - a list or tuple is a table row without a header;
  - a str is a note printed under the table (a note starting with "WARNING" makes the exit status 1).
To add a benchmark, write `bench/<name>.py` with `run()` and list it in SECTIONS (or OPTIONAL if it may be absent).
A section that raises is reported as an error; the other sections still run.

Every timing is printed beside its ratio to a baseline measured in the same run (a bare DynamoDB call on the same
moto server, or `import boto3`), every figure with a goal of issue #14 beside its goal and PASS/FAIL (bench/goals.py
records them), and the run ends with a table of the issue's goals 1 to 5, each with its figures and PASS/FAIL.
"""

from __future__ import annotations

import importlib
import logging
import platform
import sys
import time
import traceback
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from bench import goals

# (module, title); every one must exist
SECTIONS = [
    ("bench.imports", "Cold import time: `import app` and each task module against their goals (fresh process each)"),
    ("bench.dynamo_calls", "DynamoDB calls and request units per API operation (moto server, counted at botocore)"),
    ("bench.workflows", "Workflow timings: vendor-onboarding under the virtual clock (moto server)"),
    ("bench.bid_race", "Bid race: 320 concurrent bids across the opening instant on a `make run` server process"),
    ("bench.notice_fanout", "Notice to 10,000 registered vendors: one broadcast, expanded and sent by the outbox worker"),
    ("bench.opening", "Bid opening: 100 and 1,000 sealed bids, projected on AWS for 10,000 and 100,000"),
    ("bench.procurement", "One full procurement priced on AWS: onboarding to payment"),
    ("bench.items", "Items sized by design: the largest record of each kind the API accepts, and the indexes' projections"),
]
# (module, title); reported as "not available" when the module does not exist
OPTIONAL: list[tuple[str, str]] = []
WIDTH = 100


def _is_number(value: Any) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    try:
        float(str(value).rstrip("x%"))
        return True
    except ValueError:
        return False


def _table(rows: list, header: list[str] | None) -> list[str]:
    cells = [[str(c) for c in row] for row in rows]
    width = max(len(header or []), *(len(r) for r in cells))
    grid = ([header] if header else []) + cells
    grid = [r + [""] * (width - len(r)) for r in grid]
    widths = [max(len(r[i]) for r in grid) for i in range(width)]
    numeric = [all(_is_number(r[i]) or r[i] in ("", "-") for r in cells) for i in range(width)]

    def line(row: list[str]) -> str:
        return "  " + "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, numeric)).rstrip()

    out = []
    if header:
        out.append(line(header))
        out.append("  " + "  ".join("-" * w for w in widths))
    out += [line(r) for r in grid[1 if header else 0 :]]
    return out


def render(rows: Iterable[Any]) -> tuple[list[str], bool]:
    """The rows as text lines, and whether any of them was a warning."""
    out: list[str] = []
    warned = False
    block: list = []
    block_kind: str | None = None

    def flush():
        nonlocal block, block_kind
        if block_kind == "dict":
            header: list[str] = []
            for row in block:
                header += [k for k in row if k not in header]
            out.extend(_table([[row.get(k, "") for k in header] for row in block], header))
        elif block_kind == "seq":
            out.extend(_table([list(r) for r in block], None))
        block, block_kind = [], None

    for row in rows:
        kind = "dict" if isinstance(row, dict) else "seq" if isinstance(row, (list, tuple)) else "text"
        if kind != block_kind:
            flush()
        if kind == "text":
            text = str(row)
            warned |= text.startswith("WARNING")
            out.append(f"  {text}" if not text.startswith("WARNING") else f"! {text}")
        else:
            block.append(row)
            block_kind = kind
    flush()
    return out, warned


def _quiet_app_logs() -> None:
    """Request logs of the in-process app would drown the report; the bench keeps warnings and errors."""
    try:
        from chalicelib import observability

        observability.logger.setLevel(logging.WARNING)
    except Exception as exc:  # noqa: BLE001 - logs are cosmetic
        print(f"  (app logs not quieted: {exc})")


def run_section(module_name: str, title: str, optional: bool) -> tuple[bool, bool]:
    """Print one section; returns (ok, warned)."""
    print(f"\n== {title} " + "=" * max(3, WIDTH - len(title) - 4))
    started = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if optional and exc.name == module_name:
            print(f"  not available ({module_name.replace('.', '/')}.py does not exist yet)")
            return True, False
        raise
    except ImportError as exc:
        if optional:
            print(f"  not available ({module_name} could not be imported: {exc})")
            return True, False
        raise
    run = getattr(module, "run", None)
    if not callable(run):
        print(f"  not available ({module_name} has no run())")
        return optional, False
    try:
        rows = run()
    except Exception as exc:  # noqa: BLE001 - report it and go on with the next section
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
        print(f"! ERROR: {type(exc).__name__}: {exc}  (at {where})")
        return False, False
    goals.collect(module_name, rows or [])
    lines, warned = render(rows if rows is not None else [])
    print("\n".join(lines) if lines else "  (no rows)")
    print(f"  [{time.perf_counter() - started:.1f} s]")
    return True, warned


def _versions() -> str:
    found = []
    for name in ("chalice", "boto3", "moto", "pynamodb", "aws-lambda-powertools"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def main(argv: list[str]) -> int:
    wanted = set(argv)
    chosen = [(m, t, False) for m, t in SECTIONS] + [(m, t, True) for m, t in OPTIONAL]
    if wanted:
        unknown = wanted - {m.split(".")[-1] for m, _, _ in chosen}
        if unknown:
            print(f"unknown section(s): {', '.join(sorted(unknown))}; known: {', '.join(m.split('.')[-1] for m, _, _ in chosen)}")
            return 2
        chosen = [c for c in chosen if c[0].split(".")[-1] in wanted]
    print(f"ct-procurement benchmarks - Python {platform.python_version()} on {platform.system()} {platform.machine()}")
    print(f"  {_versions()}")
    print(f"  started {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    _quiet_app_logs()
    started = time.perf_counter()
    failed, warned = [], []
    for module_name, title, optional in chosen:
        ok, warning = run_section(module_name, title, optional)
        if not ok:
            failed.append(module_name)
        if warning:
            warned.append(module_name)
    title = "Goals of issue #14: each figure of this run against its goal"
    print(f"\n== {title} " + "=" * max(3, WIDTH - len(title) - 4))
    print("\n".join(render(goals.summary())[0]))
    missed = goals.failing()
    print(
        f"\n== total {time.perf_counter() - started:.1f} s"
        + (f"; errors in {', '.join(failed)}" if failed else "")
        + (f"; warnings in {', '.join(warned)}" if warned else "")
        + (f"; goals failing: {', '.join(map(str, missed))}" if missed else "")
    )
    return 1 if failed or warned or missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
