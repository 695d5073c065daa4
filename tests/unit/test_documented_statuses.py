"""Every status an operation can answer is in its documented responses.

What a view can raise is read from the code: each domain error constructed in the view, in the functions of
chalicelib it calls, and in the methods of the domain's records it calls (followed by name), transitively. That
over-approximates (a branch the route never takes still counts), so an operation that cannot reach a found error
says why in NOT_REACHED."""

import ast
import importlib
import inspect
import pkgutil
import textwrap
import types

import pytest

import chalicelib.domain
from chalicelib import registry
from chalicelib.api import openapi
from chalicelib.api.framework import _STATUS, OPERATIONS, Operation
from chalicelib.domain.errors import DomainError

registry.load_all()  # every module's operations and tasks, as the OpenAPI document reads them

# (method, path) -> {status: why the route cannot answer it although a function it calls can}
NOT_REACHED = {
    ("GET", "/amendments"): {404: "plans.list_amendments refuses an unknown plan_id, which this route never passes"},
}


def _status_of(error: type[DomainError]) -> int:
    return next((status for cls, status in _STATUS if issubclass(error, cls)), 422)


def _record_methods() -> dict[str, list[types.FunctionType]]:
    """The methods and properties of the domain's classes, by name: a call `plan.schedule_version(...)` may be any."""
    methods: dict[str, list[types.FunctionType]] = {}
    for info in pkgutil.iter_modules(chalicelib.domain.__path__):
        module = importlib.import_module(f"chalicelib.domain.{info.name}")
        for cls in vars(module).values():
            if not (isinstance(cls, type) and cls.__module__ == module.__name__):
                continue
            for name, member in vars(cls).items():
                function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                if isinstance(function, types.FunctionType) and not name.startswith("__"):
                    methods.setdefault(name, []).append(function)
    return methods


RECORD_METHODS = _record_methods()


def _resolve(node: ast.expr, scope: dict):
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, scope)
        if isinstance(base, (types.ModuleType, type)):
            return getattr(base, node.attr, None)
    return None


def _is_ours(target) -> bool:
    return isinstance(target, types.FunctionType) and target.__module__.startswith("chalicelib.")


def raised_by(function, seen: set | None = None) -> set[type[DomainError]]:
    """The domain errors `function` constructs, or the chalicelib functions and record methods it refers to do."""
    seen = set() if seen is None else seen
    function = inspect.unwrap(function)
    if function in seen:
        return set()
    seen.add(function)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    tree.body[0].decorator_list = []  # type: ignore[attr-defined]  # a route's @operation is not its code
    found: set[type[DomainError]] = set()
    for node in ast.walk(tree):
        made = isinstance(node, (ast.Call, ast.Raise))
        ref = node.func if isinstance(node, ast.Call) else node.exc if isinstance(node, ast.Raise) else node
        if not isinstance(ref, (ast.Name, ast.Attribute)):
            continue
        target = _resolve(ref, function.__globals__)
        if isinstance(target, type) and issubclass(target, DomainError):
            found |= {target} if made else set()
        elif _is_ours(target):
            found |= raised_by(target, seen)
        elif target is None and isinstance(ref, ast.Attribute):
            for method in RECORD_METHODS.get(ref.attr, []):
                found |= raised_by(method, seen)
    return found


def _documented(op: Operation) -> set[int]:
    return {int(status) for status in openapi.document()["paths"][op.path][op.method.lower()]["responses"]}


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_every_status_an_operation_can_answer_is_documented(op):
    # Given the domain errors the operation's view and what it calls can raise
    raised = {_status_of(error): error.__name__ for error in raised_by(op.view)}
    # When its documented responses are read
    missing = set(raised) - _documented(op) - set(NOT_REACHED.get((op.method, op.path), {}))
    # Then each status is there
    assert not missing, {status: raised[status] for status in missing}


def test_the_reading_finds_a_refusal_of_the_service_a_route_calls():
    # Given the route that confirms a vendor's email, whose service refuses an expired code (422)
    op = next(op for op in OPERATIONS if (op.method, op.path) == ("POST", "/vendors/{vendor_id}/confirm"))
    # When its errors are read / Then the service's own refusals are found, through the domain functions it calls
    assert {"CodeExpired", "CodeLocked", "AlreadyConfirmed", "NotFound"} <= {e.__name__ for e in raised_by(op.view)}


def test_an_exemption_names_a_status_the_reading_still_finds():
    # Given each exempted status / Then the reading finds it (an exemption the code no longer needs is removed)
    for (method, path), statuses in NOT_REACHED.items():
        op = next(op for op in OPERATIONS if (op.method, op.path) == (method, path))
        assert set(statuses) <= {_status_of(error) for error in raised_by(op.view)}, (method, path)
