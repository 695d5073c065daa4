"""Every task Lambda validates its event with a parser model; the state machines' payloads are the source of truth."""

import pytest

from app import app
from chalicelib import registry
from chalicelib.tasks import awards, contracts, events, plans, solicitations, vendors
from chalicelib.tasks.events import MODELS, MalformedTaskEvent
from infra import build
from local.lambda_dispatch import LambdaContext

registry.load_all()  # every module's operations and tasks, as the OpenAPI document reads them

# What a JSONPath of a Payload template holds when the step runs (execution input, earlier results, the context).
SAMPLES = {
    "$$.Execution.Name": "vendor-V-000001",
    "$$.Task.Token": "token-1",
    "$.fault.Error": "States.TaskFailed",
    "$.fault.Cause": "the failed step's error",
    "$.share": 1,
    "$.bafo_round": 1,
    "$.term_end": "2026-06-30",
    "$.opening.after": "",
    "$.opening.opened": 0,
    "$.tabulation.after": "BID-000001",
}


def sample(path: str):
    if path in SAMPLES:
        return SAMPLES[path]
    assert path.endswith("_id"), f"add a sample value of {path} to SAMPLES"
    return "X-000001"


def event_of(payload: dict) -> dict:
    """The event a step sends: static keys as written, `key.$` paths by their sample values."""
    return {key.removesuffix(".$"): sample(value) if key.endswith(".$") else value for key, value in payload.items()}


def function_names() -> dict[str, str]:
    """`${XArn}` placeholder -> the Chalice function name whose CloudFormation logical id is X."""
    return {"${" + build.cfn_name(f.name) + "Arn}": f.name for f in app.pure_lambda_functions}


STEPS = [
    (spec.process, name, state["Parameters"])
    for spec in build.state_machines()
    for name, state in spec.definition["States"].items()
    if state["Type"] == "Task"
]


def test_every_lambda_function_of_the_app_validates_its_event_with_a_model():
    # Given the app's Lambda functions / Then each registered a parser model for its event
    assert {f.name for f in app.pure_lambda_functions} == set(MODELS)


@pytest.mark.parametrize(("process", "state", "parameters"), STEPS, ids=[f"{p}: {s}" for p, s, _ in STEPS])
def test_each_step_payload_of_the_state_machines_is_accepted_by_its_functions_model(process, state, parameters):
    # Given the payload the deployed step sends
    model = MODELS[function_names()[parameters["FunctionName"]]]

    # When its function's model parses it / Then it is accepted, with the execution name as the correlation id
    parsed = events.parse_event(event_of(parameters["Payload"]), model)
    assert parsed.execution == SAMPLES["$$.Execution.Name"]


def test_the_contract_term_end_arrives_as_a_date():
    # Given the contract-term step's ISO date / When parsed / Then the task gets a date
    parsed = events.parse_event({"contract_id": "C-1", "term_end": "2026-06-30", "execution": "x"}, contracts.ContractTermStep)
    assert parsed.term_end.isoformat() == "2026-06-30"


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"execution": "vendor-V-1"}, "vendor_id"),  # missing
        ({"vendor_id": "", "execution": "vendor-V-1"}, "vendor_id"),  # empty
        ({"vendor_id": "V-1"}, "execution"),  # no correlation id
        ({"vendor_id": "V-1", "execution": "vendor-V-1", "vendorId": "V-1"}, "vendorId"),  # a key no step sends
        ({"vendor_id": 7, "execution": "vendor-V-1"}, "vendor_id"),  # wrong type
    ],
)
def test_a_malformed_event_is_refused_with_a_named_error_that_names_the_field(event, field):
    # Given a malformed reminder event / When parsed / Then MalformedTaskEvent names the field
    with pytest.raises(MalformedTaskEvent, match=field):
        events.parse_event(event, vendors.VendorStep)


@pytest.mark.parametrize("share", [0, "1", True])
def test_a_share_number_is_a_whole_number_from_one_and_never_coerced(share):
    # Given an award-notice step whose share is 0, a numeral text or a boolean / Then it is refused, naming the share
    with pytest.raises(MalformedTaskEvent, match=r"\$\.share"):
        events.parse_event({"award_id": "A-1", "execution": "x", "share": share}, awards.AwardShareStep)


def test_an_event_sent_as_json_text_is_read_as_its_payload_with_the_defaults_of_a_first_batch():
    # Given the opening's first step, as Lambda may pass it: a JSON text without the batch's fields
    parsed = events.parse_event('{"solicitation_id": "S-1", "execution": "x"}', solicitations.OpeningStep)
    # Then it is the payload, with no bidder emailed and no bid opened yet
    assert (parsed.solicitation_id, parsed.after, parsed.opened) == ("S-1", "", 0)


@pytest.mark.parametrize("event", ["not json", '{"solicitation_id": "S-1"', [1], None])
def test_an_event_that_is_not_a_json_object_is_refused_with_the_named_error(event):
    # Given a text that is not JSON, or a payload that is not an object / Then the named error, never a crash
    with pytest.raises(MalformedTaskEvent, match="OpeningStep refused the event"):
        events.parse_event(event, solicitations.OpeningStep)


def test_an_unknown_opm_notice_is_refused():
    # Given a plan-amendment step naming no known notice / Then it is refused before any email is written
    with pytest.raises(MalformedTaskEvent, match="notice"):
        events.parse_event({"amendment_id": "A-1", "execution": "x", "notice": "warning"}, plans.OpmNoticeStep)


def test_a_task_given_a_malformed_event_raises_before_its_service_runs(monkeypatch):
    # Given the reminder task, whose service must not be reached
    monkeypatch.setattr(vendors.vendors, "send_confirmation_reminder", lambda *a: pytest.fail("service called"))
    context = LambdaContext(function_name="vendor_send_reminder", invoked_function_arn="vendor_send_reminder")

    # When Lambda invokes it with an event lacking the vendor / Then it fails with the named error
    with pytest.raises(MalformedTaskEvent):
        vendors.send_reminder({"execution": "vendor-V-1"}, context)


def test_the_fault_policy_does_not_retry_a_malformed_event_and_the_step_needs_attention_at_once():
    # Given every deployed Task state
    for spec in build.state_machines():
        for name, state in spec.definition["States"].items():
            if state["Type"] != "Task":
                continue
            # Then no Retry names the error (the same payload would fail again) and the catch-all parks the step
            retried = {error for retry in state["Retry"] for error in retry["ErrorEquals"]}
            assert "MalformedTaskEvent" not in retried and "States.ALL" not in retried
            if not name.startswith(build.attention_state("")):
                assert state["Catch"][-1] == {
                    "ErrorEquals": ["States.ALL"],
                    "ResultPath": "$.fault",
                    "Next": build.attention_state(name),
                }


def test_the_opm_reminder_and_escalation_are_one_function_the_step_tells_which_notice():
    # Given the plan-amendment state machine's steps that notify OPM
    (spec,) = [s for s in build.state_machines() if s.process == "plan-amendment"]
    notices = {
        state["Parameters"]["Payload"]["notice"]: state["Parameters"]["FunctionName"]
        for state in spec.definition["States"].values()
        if "notice" in state.get("Parameters", {}).get("Payload", {})
    }
    # Then the reminder and the escalation invoke the same Lambda function
    assert notices == {"reminder": "${PlanNotifyOpmArn}", "escalation": "${PlanNotifyOpmArn}"}
