"""The emulated AWS: Step Functions validates a definition as AWS does and parses one it has seen pass only once;
botocore sessions load the service models once."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from local.stack import REGION

ROLE = "arn:aws:iam::123456789012:role/sfn"
VALID = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
INVALID = json.dumps({"StartAt": "Missing", "States": {"Done": {"Type": "NoSuchType"}}})


def test_a_definition_seen_valid_is_not_parsed_again(stack, monkeypatch):
    # Given a definition the emulator accepted once
    sfn = boto3.client("stepfunctions", region_name=REGION)
    sfn.create_state_machine(name="probe-a", definition=VALID, roleArn=ROLE)
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    parsed = []
    monkeypatch.setattr(AmazonStateLanguageParser, "parse", staticmethod(lambda d: parsed.append(d)))

    # When another state machine is created with the same definition / Then it is created without parsing it
    sfn.create_state_machine(name="probe-b", definition=VALID, roleArn=ROLE)
    assert parsed == []


def test_an_invalid_definition_is_refused_each_time_after_a_valid_one_was_accepted(stack):
    # Given a valid definition accepted
    sfn = boto3.client("stepfunctions", region_name=REGION)
    sfn.create_state_machine(name="probe-a", definition=VALID, roleArn=ROLE)

    # When an invalid one is sent twice / Then both are refused naming what is wrong, and nothing is created
    for attempt in ("probe-b", "probe-c"):
        with pytest.raises(ClientError, match="NoSuchType"):
            sfn.create_state_machine(name=attempt, definition=INVALID, roleArn=ROLE)
    names = {m["name"] for m in sfn.list_state_machines()["stateMachines"]}
    assert {"probe-b", "probe-c"} & names == set()


def test_the_stacks_botocore_sessions_share_one_loader_of_the_service_models(stack):
    # Given two botocore sessions made while the stack runs (moto's default session, pynamodb's per thread)
    import botocore.session

    first, second = botocore.session.get_session(), botocore.session.get_session()
    # Then they read the service models from one loader, which loads each file once
    assert first.get_component("data_loader") is second.get_component("data_loader")
