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


def walkthrough(name: str = "walkthrough") -> str:
    readme = (ROOT / "README.md").read_text()
    return re.search(rf"<!-- {name} -->\n```sh\n(.*?)```", readme, re.DOTALL).group(1)


def run_walkthrough(name: str, base: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """The README's block `name`, run with bash against the server at `base`."""
    script = walkthrough(name).replace("API=http://127.0.0.1:8000", f"API={base}")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # `make -s token` without make's dependency check: the same command the Makefile runs (SUB= optional).
    (bin_dir / "make").write_text(
        f"#!/bin/sh\nrole=${{3#ROLE=}}; org=${{4#ORG=}}; sub=${{5#SUB=}}\n"
        f'LOCAL_API={base} exec "{os.sys.executable}" -m local.token "$role" "$org" ${{sub:+"$sub"}}\n'
    )
    (bin_dir / "make").chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_readme_story_runs_from_notice_to_contract(server, tmp_path: Path):
    base, _ = server
    result = run_walkthrough("walkthrough", base, tmp_path)
    *_, contract_notice, last_action = result.stdout.strip().splitlines()
    assert contract_notice.startswith("Contract CT-") and last_action == "award.surety_furnished"
    assert "refused by Bolt Paper" in result.stdout
    assert '"contractor_name": "Acme Paper"' in result.stdout and '"status": "active"' in result.stdout


@pytest.mark.rule("R-16c")
@pytest.mark.rule("R-16f")
@pytest.mark.rule("R-16g")
@pytest.mark.rule("R-16h-l")
@pytest.mark.rule("R-16m-o")
@pytest.mark.rule("R-17c")
def test_the_readme_request_for_proposals_runs_from_notice_to_award_memorandum(server, tmp_path: Path):
    base, _ = server
    lines = run_walkthrough("rfp-walkthrough", base, tmp_path).stdout.strip().splitlines()
    modifications, opening, register, best, shortlisted, status, notice, public_register, memo, award = lines
    assert (modifications, opening, best) == ("1", "open", "Cedar Records")
    assert register == "[('Cedar Records', 1), ('Delta Records', 0)]"
    assert (shortlisted, status) == ("discussions", "negotiation")
    assert notice.startswith("Written notice of termination of negotiations: request for proposals RFP-")
    assert public_register == "['Cedar Records', 'Delta Records']"
    assert memo.startswith("Memorandum of the basis of award: request for proposals RFP-")
    assert '"awardee_name": "Delta Records"' in award and '"price": "855000.00"' in award
