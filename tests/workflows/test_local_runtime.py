"""The emulated runtime itself: in-process Lambda dispatch, the virtual clock, and its safety checks."""

import datetime as dt
import json
import time

import boto3
import pytest

from local import lambda_dispatch, virtual_time
from local.stack import ACCOUNT, REGION

UTC = dt.UTC
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"


class BidAfterDeadline(Exception):
    """Stands for any domain error: its class name is the ASL error name."""


def run(stack, definition: dict, payload: dict, name="run-1") -> dict:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = sfn.create_state_machine(
        name=f"test-{name}", definition=json.dumps(definition), roleArn=f"arn:aws:iam::{ACCOUNT}:role/r"
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))["executionArn"]
    stack.clock.run_until_idle()
    return {"arn": execution, "sfn": sfn}


def status(run_):
    return run_["sfn"].describe_execution(executionArn=run_["arn"])


@pytest.fixture
def fired(stack):
    """A task that records the virtual instant it ran at, and one that raises a domain error."""
    calls = []
    stack.functions.register("record", lambda event, ctx: calls.append((event.get("tag"), stack.clock.now())) or {"ok": True})

    def reject(event, ctx):
        raise BidAfterDeadline("bid received after the opening time")

    stack.functions.register("reject", reject)
    return calls


def test_an_error_raised_by_a_task_is_caught_by_its_class_name(stack, fired):
    definition = {
        "StartAt": "Submit",
        "States": {
            "Submit": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": FN + "reject", "Payload.$": "$"},
                "Catch": [{"ErrorEquals": ["BidAfterDeadline"], "ResultPath": "$.error", "Next": "Refused"}],
                "End": True,
            },
            "Refused": {"Type": "Pass", "End": True},
        },
    }
    execution = run(stack, definition, {})
    described = status(execution)
    assert described["status"] == "SUCCEEDED"
    error = json.loads(described["output"])["error"]
    assert error["Error"] == "BidAfterDeadline" and "opening time" in error["Cause"]


def test_an_uncaught_task_error_fails_the_execution_with_the_class_name(stack, fired):
    definition = {"StartAt": "Submit", "States": {"Submit": {"Type": "Task", "Resource": FN + "reject", "End": True}}}
    described = status(run(stack, definition, {}))
    assert described["status"] == "FAILED" and described["error"] == "BidAfterDeadline"


def test_a_task_result_is_the_handlers_return_value(stack, fired):
    definition = {"StartAt": "Record", "States": {"Record": {"Type": "Task", "Resource": FN + "record", "End": True}}}
    assert json.loads(status(run(stack, definition, {"tag": "x"}))["output"]) == {"ok": True}


def test_an_unknown_function_fails_loudly(stack):
    definition = {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": FN + "missing", "End": True}}}
    described = status(run(stack, definition, {}))
    assert described["status"] == "FAILED" and described["error"] == "LookupError"


def wait_then_record(at: str) -> dict:
    return {
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", "TimestampPath": "$.at", "Next": "Record"},
            "Record": {"Type": "Task", "Resource": FN + "record", "Parameters": {"tag.$": "$.tag"}, "End": True},
        },
    }


def test_a_timer_does_not_fire_before_the_clock_reaches_it(stack, fired, clock):
    run(stack, wait_then_record(""), {"at": "2026-03-12T14:00:00Z", "tag": "due"})
    clock.advance(to=dt.datetime(2026, 3, 12, 13, 59, 59, tzinfo=UTC))
    assert fired == []


def test_a_timer_fires_at_its_instant_once_the_clock_passes_it(stack, fired, clock):
    run(stack, wait_then_record(""), {"at": "2026-03-12T14:00:00Z", "tag": "due"})
    clock.advance(days=30)
    assert fired == [("due", dt.datetime(2026, 3, 12, 14, 0, tzinfo=UTC))]


def test_one_long_advance_fires_every_timer_in_order_at_its_own_instant(stack, fired, clock):
    run(stack, wait_then_record(""), {"at": "2026-03-20T14:00:00Z", "tag": "second"}, name="b")
    run(stack, wait_then_record(""), {"at": "2026-03-05T10:30:00Z", "tag": "first"}, name="a")
    clock.advance(days=60)
    assert fired == [
        ("first", dt.datetime(2026, 3, 5, 10, 30, tzinfo=UTC)),
        ("second", dt.datetime(2026, 3, 20, 14, 0, tzinfo=UTC)),
    ]


def test_timestamps_are_read_as_utc_even_when_the_machine_is_not_on_utc(stack, fired, clock):
    assert time.localtime().tm_gmtoff != 0, "run the suite under a non-UTC TZ (make test sets America/New_York)"
    run(stack, wait_then_record(""), {"at": "2026-03-02T16:00:00Z", "tag": "two hours"})
    clock.advance(hours=1, minutes=59)
    assert fired == []
    clock.advance(minutes=1)
    assert fired == [("two hours", dt.datetime(2026, 3, 2, 16, 0, tzinfo=UTC))]


def test_a_task_token_wait_times_out_on_the_virtual_clock(stack, fired, clock):
    definition = {
        "StartAt": "Await",
        "States": {
            "Await": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "TimeoutSeconds": 864000,
                "Parameters": {"FunctionName": FN + "record", "Payload": {"tag": "asked"}},
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "TimedOut"}],
                "End": True,
            },
            "TimedOut": {"Type": "Task", "Resource": FN + "record", "Parameters": {"tag": "timed out"}, "End": True},
        },
    }
    run(stack, definition, {})
    clock.advance(days=9, hours=23)
    assert [tag for tag, _ in fired] == ["asked"]
    clock.advance(hours=1)
    assert fired[-1] == ("timed out", dt.datetime(2026, 3, 12, 14, 0, tzinfo=UTC))


def test_the_clock_never_moves_backwards(clock):
    with pytest.raises(ValueError):
        clock.advance(to=dt.datetime(2026, 1, 1, tzinfo=UTC))


def test_installing_the_clock_fails_loudly_if_moto_moved_a_hook_point(monkeypatch):
    from moto.stepfunctions.parser.asl.eval.callback import callback

    monkeypatch.delattr(callback, "Event")
    clock = virtual_time.VirtualClock(dt.datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(virtual_time.HookPointMissing, match="Event"):
        virtual_time.install(clock)


def test_installing_the_lambda_dispatch_fails_loudly_if_moto_changed_invoke(monkeypatch):
    from moto.awslambda_simple.models import LambdaSimpleBackend

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", lambda self, function_name, body: None)
    with pytest.raises(virtual_time.HookPointMissing, match="signature"):
        lambda_dispatch.install(lambda_dispatch.FunctionRegistry())


def test_a_task_token_is_answered_while_another_execution_is_still_starting(stack, fired):
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    definition = {
        "StartAt": "Await",
        "States": {
            "Await": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": FN + "keep", "Payload": {"token.$": "$$.Task.Token"}},
                "End": True,
            },
        },
    }
    tokens = []
    stack.functions.register("keep", lambda event, ctx: tokens.append(event["token"]) or {})
    starting = run(stack, {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}, {}, name="starting")
    waiting = run(stack, definition, {}, name="waiting")
    backend = stepfunctions_parser_backends[ACCOUNT][REGION]
    # The first execution is made to look like one whose interpreter is not there yet (just after StartExecution).
    execution = next(e for sm in backend.state_machines for e in sm.executions if e.exec_arn == starting["arn"])
    execution.exec_status, execution.exec_worker = ExecutionStatus.RUNNING, None

    waiting["sfn"].send_task_success(taskToken=tokens[0], output="{}")
    stack.clock.run_until_idle()
    assert status(waiting)["status"] == "SUCCEEDED"


def test_a_timer_at_a_fractional_instant_never_fires_before_it(stack, fired, clock):
    clock.advance(seconds=0.25)  # the clock now stands a quarter second past a whole second
    run(stack, wait_then_record(""), {"at": "2026-03-02T14:00:10Z", "tag": "ten seconds"})
    clock.advance(to=dt.datetime(2026, 3, 2, 14, 0, 9, 900000, tzinfo=UTC))
    assert fired == []
    clock.advance(seconds=1)
    assert fired and fired[0][1] >= dt.datetime(2026, 3, 2, 14, 0, 10, tzinfo=UTC)
