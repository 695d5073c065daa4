"""A task Lambda logs through the task middleware on AWS as locally: Lambda imports the task's own module by its
handler string, never app.py, so the middleware must come with the module."""

import json
import subprocess
import sys
from pathlib import Path

from chalicelib import handlers

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import importlib, json, sys
from chalicelib.observability import observe_task
without = []
for module, function in json.loads(sys.argv[1]):
    handler = getattr(importlib.import_module(module), function)
    if observe_task not in list(handler.middleware_handlers):
        without.append(f"{module}.{function}")
print(json.dumps({"without": without, "app imported": "app" in sys.modules}))
"""


def test_every_task_imported_by_its_handler_string_carries_the_task_middleware():
    # Given a fresh process, as a task Lambda starts
    functions = [[module, function] for _, module, function, _ in handlers.FUNCTIONS]
    # When it imports each function by its handler string
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(functions)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    # Then every one carries the task middleware, without app.py being imported
    assert found == {"without": [], "app imported": False}
