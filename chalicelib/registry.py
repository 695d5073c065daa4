"""The app's routes and Lambda functions, registered from the table in chalicelib/handlers.py without importing the
modules that define them (issue #14: `import app` stays near `import boto3, chalice`).

A route is registered with a stand-in view; its first request imports the route's module, lets the module's blueprint
register into an app of its own (which answers `current_request` with this app's), and calls the real view from then
on. A cold API function thus loads the modules of the routes it serves, not all of them. A Lambda function is
declared under its own module's name, so `chalice package` writes the same handler string (`chalicelib.tasks.awards.
notice`) and Lambda, and the local stack, run the real function; the stand-in only declares it."""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from chalice import Blueprint, Chalice

from chalicelib import handlers
from chalicelib.api import middleware

Route = tuple[str, str, str, str]  # method, path, module, view name
Function = tuple[str, str, str, dict[str, str]]  # decorator, module, function name, its arguments


class _ModuleApp(Chalice):
    """What one module's blueprint registers into: its routes are looked up here, its requests are the app's."""

    def __init__(self, app: Chalice):
        self._app = app
        super().__init__(app_name=app.app_name)

    @property
    def current_request(self):
        return self._app.current_request

    @current_request.setter
    def current_request(self, value) -> None:
        """Chalice sets it on every app it builds; this one only ever reads the app's."""


class Routes:
    """The stand-in views of one app and the real views they load on first use."""

    def __init__(self, app: Chalice, table: Iterable[Route], preflights: Iterable[str]):
        self._app = app
        self._modules: dict[str, _ModuleApp] = {}
        self._module_of: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        for method, path, module, name in table:
            self._module_of[(method, path)] = module
            app.route(path, methods=[method], name=name)(self._stand_in(method, path, name))
        for path in preflights:  # answered without loading anything: the CORS middleware adds the headers
            app.route(path, methods=["OPTIONS"], name="preflight" + re.sub(r"\W+", "_", path))(middleware.preflight)

    def view(self, method: str, path: str) -> Callable[..., Any]:
        """The real view of a route, its module imported and registered on first use."""
        return self._module_app(self._module_of[(method, path)]).routes[path][method].view_function

    def load(self, method: str, path: str | None) -> None:
        """Import the module of a route (if it is one of the table's), for middleware that reads what it declares."""
        if (method, path) in self._module_of:
            self.view(method, path or "")

    def _module_app(self, module: str) -> _ModuleApp:
        found = self._modules.get(module)
        if found is None:
            with self._lock:  # the local server runs requests in threads: one registration per module
                found = self._modules.get(module)
                if found is None:
                    found = _ModuleApp(self._app)
                    found.register_blueprint(importlib.import_module(module).bp)
                    self._modules[module] = found
        return found

    def _stand_in(self, method: str, path: str, name: str) -> Callable[..., Any]:
        def view(**path_params):
            return self.view(method, path)(**path_params)

        view.__name__ = name
        return view


_ROUTES: list[Routes] = []


def register(app: Chalice) -> None:
    """Every route and function of the table on `app`; call it after the app's middleware."""
    _ROUTES.append(Routes(app, handlers.ROUTES, handlers.PREFLIGHTS))
    declare_functions(app, handlers.FUNCTIONS)


def routes() -> Routes:
    """The routes of the app registered last (there is one: app.py's)."""
    return _ROUTES[-1]


def declare_functions(app: Chalice, table: Iterable[Function]) -> None:
    """Each function declared on a blueprint named as its module, with a stand-in that is never run."""
    blueprints: dict[str, Blueprint] = {}
    for decorator, module, function, arguments in table:
        blueprint = blueprints.setdefault(module, Blueprint(module))
        getattr(blueprint, decorator)(**arguments)(_declaration(module, function))
    for blueprint in blueprints.values():
        app.register_blueprint(blueprint)


def _declaration(module: str, function: str) -> Callable[..., Any]:
    def declared(event, context=None):
        raise RuntimeError(f"app.py only declares this function; Lambda runs {module}.{function}")

    declared.__name__ = function
    return declared


def load_all() -> None:
    """Import every module of the table: the OpenAPI document and the tests read what they all declare."""
    for module in sorted({route[2] for route in handlers.ROUTES} | {function[1] for function in handlers.FUNCTIONS}):
        importlib.import_module(module)
