"""`make handlers`: write chalicelib/handlers.py, the table of every route and Lambda function and the module that
defines it, from the modules themselves (tests/unit/test_handlers.py fails when the file is stale)."""

from __future__ import annotations

import importlib
import pprint
import subprocess
import sys
from pathlib import Path

from chalice import Blueprint, Chalice
from chalice.app import ScheduledEventConfig

from chalicelib.api import framework
from chalicelib.observability import observe_task
from chalicelib.registry import Function, Route

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "chalicelib" / "handlers.py"
PACKAGES = ("chalicelib.api", "chalicelib.tasks")
HEADER = '''"""Every route and Lambda function of the app and the module that defines it. app.py registers them from here
(chalicelib/registry.py) so that `import app` imports none of those modules. Written by `make handlers` from the
modules themselves; tests/unit/test_handlers.py fails when it is stale: do not edit by hand."""

'''


def blueprint_modules() -> list[str]:
    """The modules of the API and task packages that define a blueprint (`bp`)."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package.replace(".", "/")).glob("*.py")):
            name = f"{package}.{path.stem}"
            if isinstance(getattr(importlib.import_module(name), "bp", None), Blueprint):
                found.append(name)
    return found


def _registered(module: str) -> Chalice:
    """An app holding only this module's blueprint; it gives task functions the middleware they carry already, as
    registering a blueprint replaces its functions' middleware with the app's."""
    app = Chalice(app_name="handler-table")
    app.register_middleware(observe_task, "pure_lambda")
    app.register_middleware(observe_task, "scheduled")
    app.register_blueprint(importlib.import_module(module).bp)
    return app


def _route(method: str, path: str, module: str, entry) -> Route:
    if entry.content_types != ["application/json"] or entry.cors or entry.authorizer or entry.api_key_required:
        raise ValueError(f"{method} {path} ({module}) sets a route option the table does not carry: add it")
    return (method, path, module, entry.view_name)


def _functions(module: str, app: Chalice) -> list[Function]:
    found: list[Function] = []
    for function in app.pure_lambda_functions:
        found.append(("lambda_function", module, function.handler_string.rpartition(".")[2], {"name": function.name}))
    for source in app.event_sources:
        if not isinstance(source, ScheduledEventConfig):
            raise TypeError(f"{source.name} ({module}) is an event source the table does not carry: add it")
        expression = source.schedule_expression
        found.append(
            (
                "schedule",
                module,
                source.handler_string.rpartition(".")[2],
                {
                    "expression": expression if isinstance(expression, str) else expression.to_string(),
                    "name": source.name,
                    "description": source.description,
                },
            )
        )
    return found


def table() -> tuple[tuple[Route, ...], tuple[str, ...], tuple[Function, ...]]:
    """(routes, the paths of operations, which have a CORS preflight, functions), each sorted, as the modules declare
    them."""
    routes: list[Route] = []
    functions: list[Function] = []
    for module in blueprint_modules():
        app = _registered(module)
        routes += [
            _route(method, path, module, entry) for path, methods in app.routes.items() for method, entry in methods.items()
        ]
        functions += _functions(module, app)
    preflights = tuple(sorted({operation.path for operation in framework.OPERATIONS}))
    return tuple(sorted(routes, key=lambda r: (r[1], r[0]))), preflights, tuple(sorted(functions, key=lambda f: (f[1], f[2])))


def write() -> int:
    routes, preflights, functions = table()
    TABLE.write_text(
        HEADER
        + "# (method, path, module, view name)\n"
        + f"ROUTES = {pprint.pformat(routes, width=120)}\n\n"
        + "# the paths of operations (chalicelib/api/framework.py), each with a CORS preflight (OPTIONS)\n"
        + f"PREFLIGHTS = {pprint.pformat(preflights, width=120)}\n\n"
        + "# (decorator, module, function name, the decorator's arguments)\n"
        + f"FUNCTIONS = {pprint.pformat(functions, width=120)}\n"
    )
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(TABLE)], check=True)
    print(f"{TABLE.relative_to(ROOT)}: {len(routes)} routes, {len(preflights)} preflights, {len(functions)} functions")
    return 0


def check() -> int:
    """0 when chalicelib/handlers.py is what `make handlers` would write (run in a process of its own: registering
    the modules' blueprints here points them at apps of this module)."""
    from chalicelib import handlers

    if table() == (handlers.ROUTES, handlers.PREFLIGHTS, handlers.FUNCTIONS):
        return 0
    print(f"{TABLE.relative_to(ROOT)} is stale: run `make handlers`")
    return 1


if __name__ == "__main__":
    sys.exit(check() if sys.argv[1:] == ["--check"] else write())
