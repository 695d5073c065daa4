"""The goals of issue #14 and the figures one `make bench` run measured for them, for the summary table at its end.

A section records each figure that has a goal with `record()`; goal 1's figures are read from bench/imports.py's
rows (`collect()`), not measured again."""

from __future__ import annotations

GOALS = {
    1: "Cold start: import app <= 1.5x import boto3, chalice; each task module <= 1.2x import boto3",
    2: "Opening: 10,000 bids within 60 s projected on AWS; 100,000 within the Step Functions design",
    3: "Notices read only matching vendors: <= 1.1 vendor items read per recipient",
    4: "Items sized by design: none over 400 KB; indexes project only what their queries use",
    5: "An honest bench: untraced timings, the make run storage path, real request units, API Gateway and INIT, a full procurement",
}
_figures: dict[int, list[dict]] = {}


def record(goal: int, figure: str, value: str, target: str, ok: bool) -> None:
    _figures.setdefault(goal, []).append({"figure": figure, "value": value, "target": target, "result": "PASS" if ok else "FAIL"})


def collect(module_name: str, rows: list) -> None:
    """Figures of a section whose module records none itself: bench/imports.py's rows with a goal (goal 1)."""
    if module_name != "bench.imports":
        return
    for row in rows:
        if isinstance(row, dict) and row.get("result") in ("PASS", "FAIL"):
            record(1, str(row["import"]), f"{row['ratio']} {row['vs']}", str(row["goal"]), row["result"] == "PASS")


def summary() -> list:
    """One row per figure of each goal (a goal whose sections did not run says so), then the goals' verdicts."""
    rows: list = []
    verdicts = []
    for goal, what in GOALS.items():
        figures = _figures.get(goal, [])
        for f in figures:
            rows.append({"goal": goal, **f})
        if not figures:
            rows.append({"goal": goal, "figure": "(its section did not run)", "value": "-", "target": "-", "result": "-"})
        verdict = "-" if not figures else "PASS" if all(f["result"] == "PASS" for f in figures) else "FAIL"
        verdicts.append({"goal": goal, "what": what, "figures": len(figures), "result": verdict})
    return [*rows, "each goal, PASS when every figure above passes:", *verdicts]


def failing() -> list[int]:
    """The goals with a figure that failed in this run (exit status 1)."""
    return [goal for goal, figures in _figures.items() if any(f["result"] == "FAIL" for f in figures)]


def reset() -> None:
    _figures.clear()
