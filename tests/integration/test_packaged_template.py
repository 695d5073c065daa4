"""The packaged CloudFormation template (`make package`): who may use the bid-sealing key, API throttling, and API
Gateway's own answers in the one error shape."""

import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import app
from chalicelib.api import board
from infra import build

KMS_USE = (
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateDataKeyPair",
)


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    """What `make package` produces: chalice package with the merge template, read back as the deployed stack."""
    out = tmp_path_factory.mktemp("package")
    merge = out / "merge-template.json"
    merge.write_text(json.dumps(build.merge_template(app)))
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    subprocess.run(
        [
            str(Path(sys.executable).parent / "chalice"),
            "package",
            "--stage",
            "dev",
            "--merge-template",
            str(merge),
            str(out / "pkg"),
        ],
        cwd=build.ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return json.loads((out / "pkg" / "sam.json").read_text())


def _actions(statement) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else actions


def _allows(statement, action: str) -> bool:
    """Whether the statement grants `action`, wildcards such as kms:* or kms:Decrypt* included."""
    return any(fnmatch.fnmatchcase(action, granted) for granted in _actions(statement))


@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-16c")
def test_only_the_bid_and_proposal_opening_functions_roles_may_decrypt(packaged):
    policy = packaged["Resources"]["BidSealingKey"]["Properties"]["KeyPolicy"]
    decrypters = [s["Principal"] for s in policy["Statement"] if _allows(s, "kms:Decrypt")]
    opening_roles = [{"Fn::GetAtt": ["ItbOpenBidsRole", "Arn"]}, {"Fn::GetAtt": ["RfpOpenProposalsRole", "Arn"]}]
    assert decrypters == [{"AWS": opening_roles}]


def test_only_the_checkpoint_task_signs_with_the_audit_key_and_it_signs_nothing_else(packaged):
    # Given the packaged stack / Then the audit key is ECDSA P-256 and only the daily checkpoint task may sign with it
    key = packaged["Resources"]["AuditSigningKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    signers = [s["Principal"] for s in key["KeyPolicy"]["Statement"] if _allows(s, "kms:Sign")]
    assert signers == [{"AWS": [{"Fn::GetAtt": ["AuditLogCheckpointRole", "Arn"]}]}]


@pytest.mark.rule("R-5b")
def test_decrypting_needs_the_bids_encryption_context(packaged):
    policy = packaged["Resources"]["BidSealingKey"]["Properties"]["KeyPolicy"]
    (opening,) = [s for s in policy["Statement"] if "kms:Decrypt" in _actions(s)]
    assert set(opening["Condition"]["Null"]) == {"kms:EncryptionContext:solicitation_id", "kms:EncryptionContext:bid_id"}


@pytest.mark.rule("R-5b")
def test_the_key_administrators_cannot_use_the_key_and_the_account_root_is_not_trusted(packaged):
    policy = packaged["Resources"]["BidSealingKey"]["Properties"]["KeyPolicy"]
    assert ":root" not in json.dumps(policy)
    (admin,) = [s for s in policy["Statement"] if s["Principal"] == {"AWS": {"Ref": "KeyAdminRoleArn"}}]
    assert not [use for use in KMS_USE if _allows(admin, use)]


@pytest.mark.rule("R-5b")
def test_no_iam_policy_in_the_stack_grants_use_of_any_kms_key(packaged):
    for name, resource in packaged["Resources"].items():
        for policy in resource.get("Properties", {}).get("Policies", []) if resource["Type"] == "AWS::IAM::Role" else []:
            for statement in policy["PolicyDocument"]["Statement"]:
                assert not [a for a in _actions(statement) if a.startswith("kms:") or a == "*"], name


def test_the_api_stage_is_throttled_by_rate_and_burst(packaged):
    (setting,) = packaged["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"} and setting["ThrottlingBurstLimit"] == {
        "Ref": "ApiThrottleBurst"
    }


def test_every_api_path_has_a_preflight_answered_by_the_api_function(packaged):
    # Given the packaged REST API; Then each operation's path has an OPTIONS going to the API function, which answers
    # CORS itself (no API Gateway mock with one fixed origin)
    paths = packaged["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    operations = {
        path: methods for path, methods in paths.items() if path != "/openapi.json" and not path.startswith(board.PREFIX)
    }
    assert operations and all("options" in methods for methods in operations.values())
    integration = paths["/vendors"]["options"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy" and "APIHandler" in json.dumps(integration["uri"])


def test_the_portal_origins_are_a_stack_parameter_empty_by_default(packaged):
    assert packaged["Parameters"]["CorsAllowedOrigins"]["Default"] == ""
    variables = packaged["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["CORS_ALLOWED_ORIGINS"] == {"Ref": "CorsAllowedOrigins"}


def test_the_outbox_worker_runs_every_minute_alone_with_the_app_policy(packaged):
    # Given the packaged stack / Then the outbox function is scheduled each minute, one instance at a time, and may
    # send email and read and write the tables like every function of the app
    resources = packaged["Resources"]
    worker = resources["OutboxDeliver"]["Properties"]
    (event,) = worker["Events"].values()
    assert event["Type"] == "Schedule" and event["Properties"]["Schedule"] == "rate(1 minute)"
    assert worker["ReservedConcurrentExecutions"] == 1 and worker["Timeout"] == 300
    (policy,) = resources["OutboxDeliverRole"]["Properties"]["Policies"]
    assert any(_allows(s, "ses:SendEmail") for s in policy["PolicyDocument"]["Statement"])


def test_the_api_function_times_out_before_api_gateway_gives_up_on_it(packaged):
    # Given the packaged stack / Then the API function stops before API Gateway's 29 s, so a slow request ends in
    # the function (its logs and its error shape) rather than in a gateway timeout with the work still running
    timeout = packaged["Resources"]["APIHandler"]["Properties"]["Timeout"]
    assert timeout < build.API_GATEWAY_TIMEOUT_SECONDS


GATEWAY_ERRORS = (
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "MISSING_AUTHENTICATION_TOKEN",
    "RESOURCE_NOT_FOUND",
    "ACCESS_DENIED",
    "UNAUTHORIZED",
    "THROTTLED",
    "REQUEST_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "QUOTA_EXCEEDED",
    "INTEGRATION_TIMEOUT",
)


def _gateway_responses(packaged) -> dict:
    return packaged["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]


def _rendered(template: str) -> dict:
    """The body API Gateway sends: its own message substituted as the quoted JSON string it is."""
    return json.loads(template.replace("$context.error.messageString", json.dumps('Say "why"')))


def test_every_answer_of_api_gateway_itself_has_the_one_error_shape(packaged):
    # Given the gateway responses of the deployed API definition
    responses = _gateway_responses(packaged)
    for kind in GATEWAY_ERRORS:
        # Then each answers JSON with Code and Message, no rule and no details
        body = _rendered(responses[kind]["responseTemplates"]["application/json"])
        assert set(body) == {"Code", "Message", "rule", "details"}, kind
        assert body["Code"] and body["Message"] and body["rule"] is None and body["details"] == [], kind


def test_api_gateways_own_message_is_inserted_as_an_escaped_json_string(packaged):
    # Given the default 4XX answer, whose message is API Gateway's / Then it is the quoted, escaped messageString
    body = _rendered(_gateway_responses(packaged)["DEFAULT_4XX"]["responseTemplates"]["application/json"])
    assert body["Message"] == 'Say "why"'


def test_an_unknown_route_answers_404_not_found_and_throttling_429_with_retry_after(packaged):
    responses = _gateway_responses(packaged)
    unknown = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert unknown["statusCode"] == "404" and _rendered(unknown["responseTemplates"]["application/json"])["Code"] == "NotFound"
    throttled = responses["THROTTLED"]
    assert throttled["statusCode"] == "429" and throttled["responseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"


def test_every_method_of_a_known_path_reaches_the_api_function_which_answers_405(packaged):
    # Given the packaged REST API; Then each path sends its other methods (ANY) to the API function, so a method it
    # does not take gets the app's 405 naming its methods, not API Gateway's answer to an unknown route
    paths = packaged["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert set(paths) == set(app.routes)
    for path, methods in paths.items():
        integration = methods["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy" and "APIHandler.Arn" in json.dumps(integration["uri"]), path
        assert {m for m in methods if m != "x-amazon-apigateway-any-method"} == {m.lower() for m in app.routes[path]}, path
