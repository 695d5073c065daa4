"""Lambda functions the state machines call. Domain errors propagate: their class name is the ASL error."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.observability import observe_task


class TaskBlueprint(Blueprint):
    """A blueprint whose functions carry the task middleware (logs, correlation id, trace) from the moment they are
    declared. On AWS a task's handler string names its own module (`chalicelib.tasks.awards.notice`), so Lambda
    imports that module without app.py and an app's middleware would never reach it; locally it is the same object."""

    def _get_middleware_handlers(self, event_type: str) -> list:
        return [observe_task]
