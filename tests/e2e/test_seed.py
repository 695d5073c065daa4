"""`make seed` for real: `python -m local.seed` against the `make run` server process, then the data read back
through the API as the people of the process would read it."""

import os
import re
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, call, token
from tests.e2e.logged_server import logged_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with logged_server(tmp_path_factory.mktemp("server")) as running:
        yield running


def run_seed(base: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOCAL_API": base}
    return subprocess.run(
        [sys.executable, "-m", "local.seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def seeded(server):
    base, _ = server
    result = run_seed(base)
    assert result.returncode == 0, result.stdout + result.stderr
    return base, result.stdout


def ids(output: str, prefix: str) -> list[str]:
    return re.findall(rf"\b{prefix}-[0-9a-f]+\b", output)


def test_the_seed_registers_and_confirms_four_vendors(seeded):
    base, output = seeded
    vendors = sorted(set(ids(output, "V")))
    assert len(vendors) == 4
    for vendor_id in vendors:
        status, vendor = call("GET", f"{base}/vendors/{vendor_id}", token=token("purchasing", "DAS-BOP", base))
        assert status == 200 and vendor["status"] == "active"


def test_the_seed_leaves_one_invitation_open_and_one_opened_with_every_bid_tabulated(seeded):
    base, _ = seeded
    _, open_ones = call("GET", f"{base}/solicitations?status=open")
    assert [s["title"] for s in open_ones["items"]] == ["Copy paper, second half year (demo)"]
    opened = next(s for s in call("GET", f"{base}/solicitations?status=awarded")[1]["items"])
    status, tabulation = call("GET", f"{base}/solicitations/{opened['id']}/tabulation")
    assert status == 200 and tabulation["bid_count"] == 4


def test_the_seed_contract_has_orders_of_two_agencies_and_an_invoice_paid_and_one_due(seeded):
    base, output = seeded
    (contract_id,) = set(ids(output, "CT"))
    status, contract = call("GET", f"{base}/contracts/{contract_id}", token=token("purchasing", "DAS-BOP", base))
    assert status == 200 and contract["status"] == "active"
    _, paid = call("GET", f"{base}/payments?status=paid&agency=DAS", token=token("agency", "DAS", base))
    _, due = call("GET", f"{base}/payments?status=upcoming&agency=DOT", token=token("agency", "DOT", base))
    assert len(paid["items"]) == 1 and len(due["items"]) == 1


def test_the_seed_plan_is_approved_and_its_amendment_under_review(seeded):
    base, output = seeded
    _, plans = call("GET", f"{base}/plans")
    assert [(p["agency"], p["status"]) for p in plans["items"]] == [("DSS", "approved")]
    (amendment_id,) = set(ids(output, "RAPS"))
    status, amendment = call("GET", f"{base}/amendments/{amendment_id}", token=token("opm", "OPM", base))
    assert status == 200 and amendment["status"] == "under_review"


def test_a_second_seed_on_the_same_server_says_so_and_writes_nothing(seeded):
    # Given a seeded server
    base, _ = seeded
    before = call("GET", f"{base}/solicitations?status=open")[1]
    # When the seed runs again
    again = run_seed(base)
    # Then it says the data is there, and writes nothing
    assert again.returncode == 0 and again.stdout.splitlines()[-1].startswith(
        "already seeded: organisation seed-acme is already registered"
    )
    assert call("GET", f"{base}/solicitations?status=open")[1] == before


def test_the_seed_without_a_running_stack_says_how_to_start_one():
    result = run_seed("http://127.0.0.1:9")
    assert result.returncode == 2 and "start it with `make run`" in result.stderr
