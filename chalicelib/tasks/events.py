"""The event each task Lambda accepts: the `Payload` its state machine step sends (statemachines/*.asl.json, the fault
policy's "needs attention" step of infra/build.py included), validated by its model, a `TaskEvent` declared beside its
task (each Lambda declares its own one or two models, not every task's).

The models are msgspec structs, not pydantic models: a task's cold start loads msgspec in about 3 ms where pydantic took
60-70 ms (issue #14), and an event needs no more than typed, bounded fields.

A payload the model refuses fails the step with MalformedTaskEvent before any service runs. The fault policy retries
no such error (infra/build.py retries only Lambda's and the transient errors): the same payload would fail again,
so the step needs attention at once and purchasing is told which field is wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import msgspec
from chalice import Blueprint


class MalformedTaskEvent(Exception):
    """The event is not what the function's model accepts; the message names the wrong field and its problem."""


Id = Annotated[str, msgspec.Meta(min_length=1)]
Count = Annotated[int, msgspec.Meta(ge=0)]  # how many of something, from 0
Ordinal = Annotated[int, msgspec.Meta(ge=1)]  # a number that counts from 1


class TaskEvent(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Every step passes its execution's name (`$$.Execution.Name`): the correlation id of the task's logs and of
    what it writes. A field the step does not send, or one it sends that the model lacks, is refused; a value of the
    wrong type is refused, never coerced."""

    execution: Id


Event = TypeVar("Event", bound=TaskEvent)

MODELS: dict[str, type[TaskEvent]] = {}  # Lambda function name -> the model of its event
WORKFLOW_ERRORS: dict[str, frozenset[str]] = {}  # Lambda function name -> the errors its steps catch by name


def parse_event(event: Any, model: type[Event]) -> Event:
    """The event as `model`, read as the Powertools parser reads it: a JSON string, or the decoded payload."""
    try:
        return msgspec.json.decode(event, type=model) if isinstance(event, str) else msgspec.convert(event, model)
    except msgspec.DecodeError as refused:  # a ValidationError too: msgspec says which field (`$.vendor_id`) and why
        raise MalformedTaskEvent(f"{model.__name__} refused the event: {refused}") from None


def task(
    bp: Blueprint, name: str, model: type[Event], *, raises: tuple[type[Exception] | str, ...] = ()
) -> Callable[[Callable[[Event, Any], Any]], Any]:
    """Register the handler as Lambda function `name` of `bp`; it is called with its event parsed as `model`.

    `raises` names what the function's steps must catch: errors it raises for its state machine to take another
    branch, and (as strings) the errors a waiting step's task token is failed with. Everything else it raises goes to
    the fault policy. tests/unit/test_workflow_error_names.py holds the ASL files to both."""

    def register(handler: Callable[[Event, Any], Any]) -> Any:
        MODELS[name] = model
        WORKFLOW_ERRORS[name] = frozenset(error if isinstance(error, str) else error.__name__ for error in raises)

        @functools.wraps(handler)
        def parsed(event: Any, context: Any) -> Any:
            return handler(parse_event(event, model), context)

        return bp.lambda_function(name=name)(parsed)

    return register
