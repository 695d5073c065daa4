"""The error names of the ASL files and the errors the tasks raise for them agree: a renamed exception class or a
misspelt Catch would otherwise send the step to "needs attention" instead of its branch."""

import importlib
import json
import pkgutil

import chalicelib
from app import app
from chalicelib import registry
from chalicelib.tasks.events import WORKFLOW_ERRORS
from infra import build

registry.load_all()  # every module's operations and tasks, as the OpenAPI document reads them


def exception_names() -> set[str]:
    """Every exception class the deployed code defines: an error name the tasks can raise."""
    for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        importlib.import_module(module.name)
    found, pending = set(), [Exception]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("chalicelib."):
            found.add(cls.__name__)
    return found


def function_of(state: dict) -> str:
    names = {"${" + build.cfn_name(f.name) + "Arn}": f.name for f in app.pure_lambda_functions}
    return names[state["Parameters"]["FunctionName"]]


def task_states():
    """(process, state name, state) of each Task as written in statemachines/ (before the fault policy)."""
    for path in sorted(build.STATE_MACHINES.glob("*.asl.json")):
        for name, state in json.loads(path.read_text())["States"].items():
            if state["Type"] == "Task":
                yield path.name, name, state


def caught(state: dict) -> set[str]:
    return {error for catch in state.get("Catch", []) for error in catch["ErrorEquals"] if not error.startswith("States.")}


def test_every_error_a_step_catches_is_one_its_function_raises_for_the_workflow():
    # Given each Catch of the ASL files / Then its function declares the error (raises=...)
    stray = {
        (process, name, error)
        for process, name, state in task_states()
        for error in caught(state) - WORKFLOW_ERRORS[function_of(state)]
    }
    assert stray == set()


def test_every_error_a_function_raises_for_the_workflow_is_caught_by_each_step_that_invokes_it():
    # Given each step invoking a function that raises errors for its state machine / Then the step catches them all
    unhandled = {
        (process, name, error)
        for process, name, state in task_states()
        for error in WORKFLOW_ERRORS[function_of(state)] - caught(state)
    }
    assert unhandled == set()


def test_the_errors_the_tasks_raise_for_the_workflow_and_the_transient_ones_are_exception_classes_of_the_code():
    # Given the names the functions declare and the fault policy retries, less those sent to task tokens by name
    from chalicelib.services import awards

    declared = set().union(*WORKFLOW_ERRORS.values()) | set(build.TRANSIENT_ERRORS)

    # Then each is an exception class the code raises (renaming one breaks this test, not a workflow)
    assert declared - {awards.ENDED} <= exception_names()
