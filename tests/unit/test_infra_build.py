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
    (tmp_path / "broken.asl.json").write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${NoSuchFunctionArn}", "End": True}}}))
    monkeypatch.setattr(build, "STATE_MACHINES", tmp_path)
    with pytest.raises(SystemExit, match="NoSuchFunction"):
        build.merge_template(app)

