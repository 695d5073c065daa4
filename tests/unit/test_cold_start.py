"""A cold start pays only for what every request needs (issue #14): `import app`, in a fresh process, builds no
validator of an API model or task event and imports none of the packages the first use of a feature imports.

These are facts about what an import does, never timings: `python -m bench imports` measures the time."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: this test process has imported the app and validated models long before.
PROBE = """
import json, sys
import app
from chalicelib.api.views import ApiModel
from chalicelib.tasks.events import TaskEvent

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

print(json.dumps({
    "api models": len(set(subclasses(ApiModel))),
    "built api models": sorted({m.__name__ for m in subclasses(ApiModel) if m.__pydantic_complete__}),
    "task events": len(set(subclasses(TaskEvent))),
    "built task events": sorted({m.__name__ for m in subclasses(TaskEvent) if m.__pydantic_complete__}),
    "loaded": sorted(name for name in ("holidays", "jinja2", "email_validator") if name in sys.modules),
}))
"""


@pytest.fixture(scope="module")
def cold_app() -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_app_builds_no_api_model_validator(cold_app):
    # Given a fresh process
    # When it imports the app
    # Then the API's models are all declared, and none has built its validator and serializer yet
    assert cold_app["api models"] > 100
    assert cold_app["built api models"] == []


def test_importing_the_app_builds_no_task_event_validator(cold_app):
    # Given a fresh process
    # When it imports the app
    # Then no task event model has built its validator: each Lambda builds the one or two it reads
    assert cold_app["task events"] > 10
    assert cold_app["built task events"] == []


def test_importing_the_app_leaves_holidays_templates_and_the_email_validator_for_their_first_use(cold_app):
    # Given a fresh process
    # When it imports the app
    # Then the business-day calendar, the email templates' engine and the email address check are not loaded yet
    assert cold_app["loaded"] == []
