"""The CloudFormation merge template: state machines from statemachines/, wired to the app's functions."""

import json

import pytest

from app import app
from infra import build


@pytest.fixture(scope="module")
def template():
    return build.merge_template(app)


def test_every_asl_file_becomes_a_standard_state_machine_with_an_object_definition(template):
    machines = {k: v for k, v in template["Resources"].items() if v.get("Type") == "AWS::StepFunctions::StateMachine"}
    assert len(machines) == len(build.state_machines()) >= 1
    for machine in machines.values():
        assert isinstance(machine["Properties"]["Definition"], dict)
        assert machine["Properties"]["StateMachineType"] == "STANDARD"


def test_placeholders_are_substituted_with_the_functions_arns(template):
    props = template["Resources"]["VendorOnboardingStateMachine"]["Properties"]
    assert props["DefinitionSubstitutions"] == {
        "AttentionRaiseArn": {"Fn::GetAtt": ["AttentionRaise", "Arn"]},
        "VendorRequestConfirmationArn": {"Fn::GetAtt": ["VendorRequestConfirmation", "Arn"]},
        "VendorSendReminderArn": {"Fn::GetAtt": ["VendorSendReminder", "Arn"]},
    }


def test_the_state_machine_role_may_invoke_only_the_task_functions(template):
    statement = template["Resources"]["StateMachineRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert {"Fn::GetAtt": ["VendorSendReminder", "Arn"]} in statement["Resource"]


def test_every_function_role_gets_the_app_policy_and_no_wildcard_data_access(template):
    for role in build.function_roles(app):
        (policy,) = template["Resources"][role]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]:
            if any(a.startswith(("dynamodb:", "kms:", "states:")) for a in statement["Action"]):
                assert statement["Resource"] != "*"


def test_an_asl_file_naming_a_function_the_app_lacks_is_refused(tmp_path, monkeypatch):
    (tmp_path / "broken.asl.json").write_text(
        json.dumps({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${NoSuchFunctionArn}", "End": True}}})
    )
    monkeypatch.setattr(build, "STATE_MACHINES", tmp_path)
    with pytest.raises(SystemExit, match="NoSuchFunction"):
        build.merge_template(app)


# -- one fault policy for every Task state --------------------------------------------------------------------------


def test_every_deployed_task_retries_the_shared_policy_then_falls_back_to_its_attention_step():
    for spec in build.state_machines():
        states = spec.definition["States"]
        for name, state in states.items():
            if state["Type"] != "Task" or name.startswith("Needs attention: "):
                continue
            assert state["Retry"] == build.FAULT_POLICY, (spec.process, name)
            fallback = state["Catch"][-1]
            assert fallback["ErrorEquals"] == ["States.ALL"]
            assert states[fallback["Next"]]["Next"] == name, "resuming runs the failed step again"


def test_specific_catches_keep_their_place_before_the_catch_all():
    (spec,) = [s for s in build.state_machines() if s.process == "vendor-onboarding"]
    catches = spec.definition["States"]["Email the confirmation code and wait for the vendor"]["Catch"]
    assert [c["ErrorEquals"] for c in catches][-1] == ["States.ALL"] and len(catches) > 1


def test_an_asl_file_declaring_its_own_retry_is_refused(tmp_path, monkeypatch):
    (tmp_path / "own.asl.json").write_text(
        json.dumps(
            {
                "StartAt": "A",
                "States": {
                    "A": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "Retry": [{"ErrorEquals": ["States.ALL"]}],
                        "End": True,
                    }
                },
            }
        )
    )
    monkeypatch.setattr(build, "STATE_MACHINES", tmp_path)
    with pytest.raises(SystemExit, match="fault policy"):
        build.state_machines()
