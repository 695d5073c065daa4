"""The README's walkthrough, run as written with bash and curl against the `make run` server."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

pytestmark = [
    pytest.mark.rule("R-4"),
    pytest.mark.rule("R-5b"),
    pytest.mark.rule("R-5n"),
    pytest.mark.rule("R-9a"),
    pytest.mark.rule("R-9g"),
    pytest.mark.rule("R-9h"),
]


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    return re.search(r"<!-- walkthrough -->\n```sh\n(.*?)```", readme, re.DOTALL).group(1)


def test_the_readme_story_runs_from_notice_to_contract(server, tmp_path: Path):
    base, _ = server
    script = walkthrough().replace("API=http://127.0.0.1:8000", f"API={base}")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # `make -s token` without make's dependency check: the same command the Makefile runs.
    (bin_dir / "make").write_text(
        f'#!/bin/sh\nrole=${{3#ROLE=}}; org=${{4#ORG=}}\nLOCAL_API={base} exec "{os.sys.executable}" -m local.token "$role" "$org"\n'
    )
    (bin_dir / "make").chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    *_, contract_notice, last_action = result.stdout.strip().splitlines()
    assert contract_notice.startswith("Contract CT-") and last_action == "award.surety_furnished"
    assert "refused by Bolt Paper" in result.stdout
    assert '"contractor_name": "Acme Paper"' in result.stdout and '"status": "active"' in result.stdout
