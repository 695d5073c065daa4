"""schemathesis over every operation of /openapi.json, once per role (public, vendor, agency, purchasing, opm), on the
in-process stack seeded with `make seed`'s demo data set: no answer may be a 5xx, and each must have a documented
status, the documented content type and a body of the documented schema.

FUZZ_EXAMPLES examples per operation and role (default 3 in the suite, 100 in `make fuzz`), derandomized so that a
run is the same each time. An operation and role collects every distinct failure of all its examples before it
fails; with FUZZ_FINDINGS=<file> each is also appended to that file as a JSON line.
"""

from __future__ import annotations

import itertools
import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from app import app
from chalicelib.api import openapi
from local.pytest_plugin import DEFAULT_START, ROOT, Api
from local.server import GatewayClient
from local.stack import in_process
from tests.fuzz.harness import BASE_URL, IDENTITIES, bearer, seed_stack, session_on

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# schemathesis's phases: its coverage phase adds some 40 boundary and negative cases per operation, beyond EXAMPLES
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing").split(",")
FINDINGS_FILE = os.environ.get("FUZZ_FINDINGS")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SEEDED: dict[str, list[str]] = {}  # path parameter name -> ids of the seeded records, filled by the `seeded` fixture
REQUEST_NUMBERS = itertools.count(1)
MAX_KEY = 255  # the longest Idempotency-Key the API takes

schema = schemathesis.openapi.from_dict(openapi.document())
schema.config.update(base_url=BASE_URL)
schema.config.phases.update(phases=PHASES)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Each path parameter is a seeded record's id (of its name) or the generated value."""
    return st.fixed_dictionaries(
        {name: st.sampled_from([*SEEDED.get(name, []), value]) for name, value in (path_parameters or {}).items()}
    )


def unique_key(headers: dict) -> None:
    """A valid Idempotency-Key made unique to its request, at its length where that is the longest allowed:
    derandomized and boundary examples repeat the same few keys, and a key reused with another body is refused (422)
    before the view runs. Replays and reuse are tested in tests/integration/test_idempotency.py."""
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and 1 <= len(key) <= MAX_KEY:
        tag = f"-{next(REQUEST_NUMBERS)}"
        headers["Idempotency-Key"] = key[: MAX_KEY - len(tag)] + tag


@pytest.fixture(scope="module")
def seeded():
    """One stack for the whole run, seeded once; what the fuzzer writes stays, as on a live server."""
    with in_process(app, DEFAULT_START) as stack, GatewayClient(app, stage_name="dev", project_dir=str(ROOT)) as client:
        api = Api(client, stack)
        SEEDED.update(seed_stack(api))
        yield api, session_on(api)
        SEEDED.clear()


@pytest.fixture
def findings(request):
    """The distinct failures of one operation and role, across all its examples; reported once they have all run."""
    found: dict[tuple, dict] = {}
    yield found
    if FINDINGS_FILE and found:
        with open(FINDINGS_FILE, "a") as out:
            out.writelines(json.dumps(finding) + "\n" for finding in found.values())
    if found:
        pytest.fail("\n\n".join(f"{f['check']} {f['title']} ({f['status']} {f['error']})\n  {f['curl']}" for f in found.values()))


def record(found: dict, failures: FailureGroup, case, response, role: str) -> None:
    try:
        error = response.json().get("Code")
    except (ValueError, AttributeError):
        error = None
    for failure in failures.exceptions:
        key = (failure.code, failure.title, response.status_code, error)
        found.setdefault(
            key,
            {
                "operation": f"{case.method} {case.path}",
                "role": role,
                "check": failure.code,
                "title": failure.title,
                "status": response.status_code,
                "error": error,
                "message": failure.message,
                "curl": case.as_curl_command(headers=dict(response.request.headers)),
                "answer": response.text[:2000],
            },
        )


@pytest.mark.fuzz
@pytest.mark.parametrize("role", list(IDENTITIES))
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_no_5xx(case, role, seeded, findings):
    # Given the seeded stack and a token of the role
    api, session = seeded
    # When schemathesis sends a generated request
    unique_key(case.headers or {})
    response = case.call(session=session, headers=bearer(api, role))
    # Then the answer is no 5xx, with a documented status, content type and schema
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as failures:
        record(findings, failures, case, response, role)
