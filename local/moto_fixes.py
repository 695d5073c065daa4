"""Corrections to moto that the local stack needs, installed with the other hooks.

moto answers SendTaskSuccess/Failure/Heartbeat by asking every RUNNING execution's interpreter; an execution
started a moment ago has no interpreter yet (`exec_worker.env` is None), and the call fails with an
AttributeError instead of finding the token. AWS has no such window, so the emulator skips those executions.
"""

from __future__ import annotations

import inspect

from local.virtual_time import HookPointMissing

_original = None


def _started(execution) -> bool:
    worker = getattr(execution, "exec_worker", None)
    return worker is not None and getattr(worker, "env", None) is not None


def install() -> None:
    global _original
    try:
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    except ImportError as exc:  # pragma: no cover - only when moto moves
        raise HookPointMissing(f"moto's StepFunctionsParserBackend is gone: {exc}") from exc
    getter = getattr(StepFunctionsParserBackend, "_get_executions", None)
    if getter is None or list(inspect.signature(getter).parameters) != ["self", "execution_status"]:
        raise HookPointMissing("StepFunctionsParserBackend._get_executions changed")
    if _original is None:
        _original = getter

    def executions_with_an_interpreter(self, execution_status=None):
        """Only RUNNING lookups (task tokens) need an interpreter; other listings stay whole."""
        found = _original(self, execution_status)
        return [e for e in found if _started(e)] if execution_status is not None else found

    StepFunctionsParserBackend._get_executions = executions_with_an_interpreter


def uninstall() -> None:
    global _original
    if _original is not None:
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend

        StepFunctionsParserBackend._get_executions = _original
        _original = None
