"""A cold start pays only for what every request needs (issue #14): `import app`, in a fresh process, registers every
route and function from chalicelib/handlers.py and imports none of their modules; a route's first request loads its
own module; importing every module builds no validator of an API model; a task module loads no pydantic, and one split
from its process's services loads none of them.

These are facts about what an import does, never timings: `python -m bench imports` measures the time."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib import handlers

ROOT = Path(__file__).resolve().parents[2]

# Each probe runs in a fresh interpreter: this test process has imported every module long before.
COLD_APP = """
import json, sys
import app
print(json.dumps({
    "routes": sorted([m, p] for p, methods in app.app.routes.items() for m in methods),
    "functions": sorted(f.name for f in [*app.app.pure_lambda_functions, *app.app.event_sources]),
    "handlers": sorted(f.handler_string for f in [*app.app.pure_lambda_functions, *app.app.event_sources]),
    "modules": sorted(name for name in sys.modules if name.startswith(("chalicelib.api.", "chalicelib.tasks."))),
    "loaded": sorted(name for name in ("pydantic", "holidays", "jinja2", "email_validator") if name in sys.modules),
}))
"""
FIRST_REQUEST = """
import json, sys
import app
from chalicelib import registry
registry.routes().view("GET", "/vendors/{vendor_id}")
print(json.dumps(sorted(name for name in sys.modules if name.startswith("chalicelib.api."))))
"""
ALL_MODULES = """
import json, sys
from chalicelib import registry
registry.load_all()
from chalicelib.api.views import ApiModel

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

print(json.dumps({
    "api models": len(set(subclasses(ApiModel))),
    "built api models": sorted({m.__name__ for m in subclasses(ApiModel) if m.__pydantic_complete__}),
    "loaded": sorted(name for name in ("holidays", "jinja2", "email_validator") if name in sys.modules),
}))
"""
SEALED_BEFORE_AND_AFTER = """
import json
import app
from chalicelib import registry
from chalicelib.api import idempotency
route = ("POST", "/solicitations/{solicitation_id}/bids")
before = route in idempotency.SEALED_ROUTES
registry.routes().load(*route)
print(json.dumps([before, route in idempotency.SEALED_ROUTES]))
"""

TASK_MODULE = """
import json, sys
import {module}
print(json.dumps(sorted(name for name in sys.modules if name.startswith(("chalicelib.", "pydantic")))))
"""


def _probe(code: str):
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cold_app() -> dict:
    return _probe(COLD_APP)


@pytest.fixture(scope="module")
def all_modules() -> dict:
    return _probe(ALL_MODULES)


def test_the_handler_table_is_what_the_modules_declare():
    # Given the routes and functions the modules declare now
    # When the table app.py registers from is compared with them (in a process of its own)
    done = subprocess.run(
        [sys.executable, "-m", "local.handler_table", "--check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    # Then it is the same: a route or function added without `make handlers` fails here
    assert done.returncode == 0, done.stdout + done.stderr


def test_importing_the_app_registers_every_route_and_function_of_the_table(cold_app):
    # Given a fresh process
    # When it imports the app
    # Then every route of the table, a preflight on every operation's path, and every function are registered
    expected = {(m, p) for m, p, _, _ in handlers.ROUTES} | {("OPTIONS", p) for p in handlers.PREFLIGHTS}
    assert {tuple(route) for route in cold_app["routes"]} == expected
    assert len(cold_app["functions"]) == len(handlers.FUNCTIONS)
    # And each function's handler string names its own module's function, which Lambda runs
    assert set(cold_app["handlers"]) == {f"{module}.{function}" for _, module, function, _ in handlers.FUNCTIONS}


def test_importing_the_app_imports_no_route_or_task_module(cold_app):
    # Given a fresh process
    # When it imports the app
    # Then only the middleware is loaded of the API, no task module, and not pydantic either
    assert cold_app["modules"] == ["chalicelib.api.middleware"]
    assert cold_app["loaded"] == []


def test_the_first_request_of_a_route_loads_its_own_module_and_not_the_others():
    # Given a fresh process that imported the app
    # When the vendor page's view is first needed
    loaded = _probe(FIRST_REQUEST)
    # Then the vendors module is loaded, and no module of bids, awards or requests for proposals
    assert "chalicelib.api.vendors" in loaded
    assert not {"chalicelib.api.bids", "chalicelib.api.awards", "chalicelib.api.rfps"} & set(loaded)


@pytest.mark.rule("R-5b")
def test_the_idempotency_middleware_knows_a_sealed_route_once_its_module_is_loaded():
    # Given a fresh process that imported the app: the bid submission's module is not loaded yet
    # When the middleware loads the route of a keyed POST before it looks the route up
    before, after = _probe(SEALED_BEFORE_AND_AFTER)
    # Then the route was unknown before and is known as sealed after: no bid content is kept for a retry
    assert (before, after) == (False, True)


def test_importing_every_module_builds_no_api_model_validator(all_modules):
    # Given a fresh process
    # When it imports every module of the table
    # Then the API's models are all declared, and none has built its validator and serializer yet
    assert all_modules["api models"] > 100
    assert all_modules["built api models"] == []


TASK_MODULES = sorted({module for _, module, _, _ in handlers.FUNCTIONS})


@pytest.mark.parametrize("task", TASK_MODULES)
def test_a_task_module_validates_its_events_without_loading_pydantic(task):
    # Given a fresh process
    # When it imports a task module, as Lambda's INIT does
    loaded = _probe(TASK_MODULE.format(module=task))
    # Then pydantic, 60-70 ms of a task's cold start, is not loaded: its events are msgspec structs
    assert task in loaded
    assert "pydantic" not in loaded


def test_importing_every_module_leaves_holidays_templates_and_the_email_validator_for_their_first_use(all_modules):
    # Given a fresh process
    # When it imports every module of the table
    # Then the business-day calendar, the email templates' engine and the email address check are not loaded yet
    assert all_modules["loaded"] == []


@pytest.mark.parametrize(
    ("task", "not_loaded"),
    [
        (
            "chalicelib.tasks.rfps",
            ["chalicelib.services.proposals", "chalicelib.domain.rfp_discussions", "chalicelib.domain.rfp_negotiations"],
        ),
        (
            "chalicelib.tasks.rfp_negotiations",
            [
                "chalicelib.services.rfp_negotiations",
                "chalicelib.services.proposals",
                "chalicelib.domain.rfp_negotiations",
                "chalicelib.domain.rfp_evaluation",
                "chalicelib.domain.contracts",
            ],
        ),
    ],
)
def test_the_opening_and_the_negotiation_notice_tasks_load_only_their_own_services(task, not_loaded):
    # Given a fresh process
    # When it imports the proposal opening's or the negotiation notice's task module, as Lambda does
    # Then it loads neither the submission and register of proposals nor the rest of the negotiation and award
    loaded = _probe(TASK_MODULE.format(module=task))
    assert task in loaded
    assert [name for name in not_loaded if name in loaded] == []
