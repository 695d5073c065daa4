"""`make rules`: each rule of RULES.md with the number of tests tagged for it (`@pytest.mark.rule("ID")`).

RULES.md is read from ../shared/ (beside the repository) or from RULES_MD. A tag may also name a rule that
docs/rules.md adds from the regulation itself (its `### R-16b ...` headings: the pre-proposal conference); any
other tag is reported as naming no rule.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\|\s*((?:OPM|R)-[^|]+?)\s*\|\s*(.+?)\s*\|")
TAG = re.compile(r"""mark\.rule\(\s*["']([^"']+)["']""")
HEADING = re.compile(r"^### ((?:OPM|R)-\S+)", re.MULTILINE)  # a rule of docs/rules.md


def catalogue(path: Path) -> list[tuple[str, str]]:
    rules = []
    for line in path.read_text().splitlines():
        match = ROW.match(line)
        if match:
            rules.append((match.group(1), match.group(2)))
    return rules


def aliases(rule_id: str) -> set[str]:
    """`R-5j/k` is tagged R-5j or R-5k; `R-11, R-12` either; `R-16h-l` as written or R-16h."""
    names = {rule_id}
    for part in re.split(r"\s*,\s*", rule_id):
        head, *tails = part.split("/")
        names |= {part, head, re.sub(r"([a-z])-[a-z]$", r"\1", part)}
        names |= {head[:-1] + tail for tail in tails}
    return names


def tags(tests: Path) -> Counter:
    counted: Counter = Counter()
    for path in tests.rglob("test_*.py"):
        counted.update(TAG.findall(path.read_text()))
    return counted


def main() -> int:
    source = Path(os.environ.get("RULES_MD", ROOT.parent / "shared" / "RULES.md"))
    if not source.exists():
        print(f"RULES.md not found at {source}; set RULES_MD", file=sys.stderr)
        return 2
    counted = tags(ROOT / "tests")
    rules = catalogue(source)
    covered = 0
    for rule_id, text in rules:
        n = sum(counted[a] for a in aliases(rule_id))
        covered += n > 0
        print(f"{'✓' if n else '·'} {rule_id:<12} {n:>3} tests  {text[:90]}")
    print(f"\n{covered} of {len(rules)} rules have tests")
    known = set().union(*(aliases(rule_id) for rule_id, _ in rules))
    added = set(HEADING.findall((ROOT / "docs" / "rules.md").read_text())) - known
    for rule_id in sorted(added & set(counted)):
        print(f"+ {rule_id:<12} {counted[rule_id]:>3} tests  (docs/rules.md, from the regulation)")
    known |= added
    stray = sorted(tag for tag in counted if tag not in known)
    if stray:
        print(f"tags that name no rule of RULES.md: {', '.join(stray)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
