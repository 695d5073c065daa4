"""Build the merge template `chalice package --merge-template` needs, from `infra/resources.json` and
`statemachines/*.asl.json`.

Convention: a `${XArn}` placeholder in an ASL file is the Chalice Lambda function whose CloudFormation
logical id is X (function `vendor_send_reminder` -> `VendorSendReminder`). The local stack reads the same
definitions and placeholders through `state_machines()`, so AWS and moto run identical workflows.

Usage: python -m infra.build OUTPUT.json            the merge template
       python -m infra.build --asl-dir DIR            each state machine as deployed (fault policy applied), to lint
"""

from __future__ import annotations

import copy
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "infra" / "resources.json"
STATE_MACHINES = ROOT / "statemachines"
PLACEHOLDER = re.compile(r"\$\{(\w+)Arn\}")
TABLES = ("EntitiesTable", "AuditTable", "IdempotencyTable")


@dataclass(frozen=True)
class StateMachineSpec:
    process: str  # file stem, also the state machine name suffix: <stack>-<process>
    logical_id: str
    definition: dict
    functions: tuple[str, ...]  # logical ids of the Lambda functions it invokes


def cfn_name(name: str) -> str:
    from chalice.utils import to_cfn_resource_name

    return to_cfn_resource_name(name)


def resources() -> dict:
    return json.loads(RESOURCES.read_text())


# One fault policy for every Task state of every process (AWS and local alike): transient errors are retried with
# exponential backoff and full jitter, per error class; whatever still fails parks the execution on a "needs
# attention" step that records it, emails purchasing and resumes the failed step when purchasing says so
# (services/attention.py). ASL files therefore declare no Retry and no catch-all of their own.
LAMBDA_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.Unknown",
]
TRANSIENT_ERRORS = ["RecordChanged", "TemporarilyUnavailable"]  # domain.errors: optimistic conflicts, throttling
LAMBDA_RETRY = {
    "ErrorEquals": LAMBDA_ERRORS,
    "IntervalSeconds": 2,
    "MaxAttempts": 6,
    "BackoffRate": 2,
    "MaxDelaySeconds": 60,
    "JitterStrategy": "FULL",
}
TRANSIENT_RETRY = {
    "ErrorEquals": TRANSIENT_ERRORS,
    "IntervalSeconds": 1,
    "MaxAttempts": 8,
    "BackoffRate": 2,
    "MaxDelaySeconds": 30,
    "JitterStrategy": "FULL",
}
FAULT_POLICY = [LAMBDA_RETRY, TRANSIENT_RETRY]
ATTENTION_FUNCTION = "AttentionRaise"
STATE_NAME_LIMIT = 80  # Step Functions' limit on state names


def attention_state(state: str) -> str:
    return f"Needs attention: {state}"


def with_fault_policy(process: str, definition: dict) -> dict:
    """The definition as deployed: every Task retries FAULT_POLICY, then falls back to its "needs attention" step."""
    deployed = copy.deepcopy(definition)
    states = deployed["States"]
    for name, state in list(states.items()):
        if state["Type"] != "Task":
            continue
        if "Retry" in state or any("States.ALL" in c["ErrorEquals"] for c in state.get("Catch", [])):
            raise SystemExit(
                f"{process}.asl.json: state {name!r} declares its own Retry or States.ALL catch; the fault policy "
                "of infra/build.py applies to every Task"
            )
        fallback = attention_state(name)
        if len(fallback) > STATE_NAME_LIMIT:
            raise SystemExit(
                f"{process}.asl.json: shorten state {name!r} to at most {STATE_NAME_LIMIT - len(attention_state(''))} characters"
            )
        state["Retry"] = copy.deepcopy(FAULT_POLICY)
        state["Catch"] = state.get("Catch", []) + [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.fault", "Next": fallback}]
        states[fallback] = {
            "Type": "Task",
            "Comment": f"Records the failure of {name!r}, emails purchasing and waits; resuming runs {name!r} again.",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "${" + ATTENTION_FUNCTION + "Arn}",
                "Payload": {
                    "process": process,
                    "state": name,
                    "error.$": "$.fault.Error",
                    "cause.$": "$.fault.Cause",
                    "execution.$": "$$.Execution.Name",
                    "task_token.$": "$$.Task.Token",
                },
            },
            "ResultPath": "$.fault",
            "Retry": [copy.deepcopy(LAMBDA_RETRY)],
            "Next": name,
        }
    return deployed


def state_machines() -> list[StateMachineSpec]:
    specs = []
    for path in sorted(STATE_MACHINES.glob("*.asl.json")):
        process = path.name.removesuffix(".asl.json")
        definition = with_fault_policy(process, json.loads(path.read_text()))
        specs.append(
            StateMachineSpec(
                process=process,
                logical_id=cfn_name(process.replace("-", "_")) + "StateMachine",
                definition=definition,
                functions=tuple(sorted(set(PLACEHOLDER.findall(json.dumps(definition))))),
            )
        )
    return specs


def function_roles(app) -> list[str]:
    """Role logical ids chalice generates for the app's functions (one role per function, scheduled ones included)."""
    return ["ApiHandlerRole"] + [cfn_name(f.name) + "Role" for f in [*app.pure_lambda_functions, *app.event_sources]]


def _table_arns() -> list:
    arns = []
    for table in TABLES:
        arn = {"Fn::GetAtt": [table, "Arn"]}
        arns += [arn, {"Fn::Sub": "${" + table + ".Arn}/index/*"}]
    return arns


def app_policy() -> dict:
    """What every function of the app may do, and nothing more."""
    state_machine_arns = {
        "Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-*"
    }
    return {
        "PolicyName": "ct-procurement-app",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Logs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"},
                },
                {
                    "Sid": "Tracing",
                    "Effect": "Allow",
                    "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    "Resource": "*",
                },
                {
                    "Sid": "Records",
                    "Effect": "Allow",
                    "Action": [
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:DeleteItem",
                        "dynamodb:Query",
                        "dynamodb:ConditionCheckItem",
                        "dynamodb:DescribeTable",
                    ],
                    "Resource": _table_arns(),
                },
                {
                    "Sid": "Workflows",
                    "Effect": "Allow",
                    "Action": [
                        "states:StartExecution",
                        "states:SendTaskSuccess",
                        "states:SendTaskFailure",
                        "states:SendTaskHeartbeat",
                    ],
                    "Resource": state_machine_arns,
                },
                {
                    "Sid": "Notices",
                    "Effect": "Allow",
                    "Action": ["ses:SendEmail"],
                    "Resource": {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"},
                    "Condition": {"StringEquals": {"ses:FromAddress": {"Ref": "SenderEmail"}}},
                },
            ],
        },
    }


# R-5b: the key policy alone says who may use the bid-sealing key (it does not delegate to IAM policies, so no
# administrator's IAM rights reach it): the API seals, only the bid opening decrypts, and the key administrators
# manage the key without being able to use it.
SEALING_FUNCTIONS = ("api_handler",)
DECRYPTING_FUNCTIONS = ("itb_open_bids", "rfp_open_proposals")  # the bid and the proposal openings
KEY_ADMINISTRATION = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
]
# A data key is only generated or opened for one bid of one solicitation (adapters/sealing.context_for).
BID_CONTEXT = {"Null": {"kms:EncryptionContext:solicitation_id": "false", "kms:EncryptionContext:bid_id": "false"}}


def _role_arns(functions: tuple[str, ...]) -> list:
    return [{"Fn::GetAtt": [cfn_name(name) + "Role", "Arn"]} for name in functions]


def bid_sealing_key_policy() -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AdministratorsManageButCannotUseTheKey",
                "Effect": "Allow",
                "Principal": {"AWS": {"Ref": "KeyAdminRoleArn"}},
                "Action": KEY_ADMINISTRATION,
                "Resource": "*",
            },
            {
                "Sid": "TheApiSealsBids",
                "Effect": "Allow",
                "Principal": {"AWS": _role_arns(SEALING_FUNCTIONS)},
                "Action": ["kms:GenerateDataKey"],
                "Resource": "*",
                "Condition": BID_CONTEXT,
            },
            {
                "Sid": "OnlyTheOpeningDecrypts",
                "Effect": "Allow",
                "Principal": {"AWS": _role_arns(DECRYPTING_FUNCTIONS)},
                "Action": ["kms:Decrypt"],
                "Resource": "*",
                "Condition": BID_CONTEXT,
            },
        ],
    }


# The audit checkpoints' key, likewise by its key policy alone: only the daily checkpoint task signs.
SIGNING_FUNCTIONS = ("audit_log_checkpoint",)


def audit_signing_key_policy() -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AdministratorsManageButCannotSign",
                "Effect": "Allow",
                "Principal": {"AWS": {"Ref": "KeyAdminRoleArn"}},
                "Action": KEY_ADMINISTRATION,
                "Resource": "*",
            },
            {
                "Sid": "OnlyTheCheckpointTaskSigns",
                "Effect": "Allow",
                "Principal": {"AWS": _role_arns(SIGNING_FUNCTIONS)},
                "Action": ["kms:Sign", "kms:GetPublicKey"],
                "Resource": "*",
            },
        ],
    }


def api_throttling() -> dict:
    """Rate and burst limits on every method of the stage: a flood of bids or guesses is refused with 429."""
    return {
        "MethodSettings": [
            {
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": {"Ref": "ApiThrottleRate"},
                "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurst"},
            }
        ]
    }


# API Gateway's own answers (it never calls the app for them), in the one error shape of chalicelib/api/framework.py:
# type -> (status, or None to keep API Gateway's own; Code; Message, or None for API Gateway's message; headers).
# They go into the API definition itself (x-amazon-apigateway-gateway-responses), not into AWS::ApiGateway::GatewayResponse
# resources: those are not part of the stage deployment SAM makes from the definition, and a redeployment drops them.
API_GATEWAY_TIMEOUT_SECONDS = 29  # API Gateway's integration timeout: the API function's must be shorter (.chalice/config.json)
GATEWAY_MESSAGE = "$context.error.messageString"  # API Gateway's message, quoted and escaped as a JSON string
THROTTLE_RETRY_AFTER_SECONDS = 1  # the stage's limits are per second (api_throttling)
UNKNOWN_ROUTE = "MISSING_AUTHENTICATION_TOKEN"  # API Gateway's answer to a path it has no resource for
NO_ROUTE_MESSAGE = "No route of the API has this path; GET /openapi.json lists every route and its methods."
GATEWAY_RESPONSES = {
    "DEFAULT_4XX": (None, "BadRequest", None, {}),
    "DEFAULT_5XX": (None, "GatewayError", None, {}),
    UNKNOWN_ROUTE: (404, "NotFound", NO_ROUTE_MESSAGE, {}),
    "RESOURCE_NOT_FOUND": (404, "NotFound", NO_ROUTE_MESSAGE, {}),
    "ACCESS_DENIED": (403, "Forbidden", None, {}),
    "UNAUTHORIZED": (401, "Unauthenticated", None, {"WWW-Authenticate": 'Bearer realm="ct-procurement"'}),
    "THROTTLED": (
        429,
        "TooManyRequests",
        "Too many requests to the API; retry the same request after Retry-After seconds.",
        {"Retry-After": str(THROTTLE_RETRY_AFTER_SECONDS)},
    ),
    "QUOTA_EXCEEDED": (429, "QuotaExceeded", "The request quota of this API key is used up; retry in its next quota period.", {}),
    "REQUEST_TOO_LARGE": (413, "TooLarge", "The request is larger than API Gateway accepts (10 MB); send a smaller body.", {}),
    "UNSUPPORTED_MEDIA_TYPE": (
        415,
        "UnsupportedMediaType",
        "The body must be JSON; send it with Content-Type: application/json.",
        {},
    ),
    "INTEGRATION_TIMEOUT": (
        504,
        "Timeout",
        f"The API did not answer within {API_GATEWAY_TIMEOUT_SECONDS} seconds; retry the same request with the same Idempotency-Key.",
        {},
    ),
}


def gateway_response_template(code: str, message) -> str:
    """The one error shape as a template of simple substitutions (API Gateway runs no VTL on gateway responses)."""
    from chalicelib.api.framework import ErrorBody

    if message is not None:
        if "$" in message:
            raise SystemExit(f"gateway response {code}: a static message may not contain $ (API Gateway would substitute it)")
        return ErrorBody(Code=code, Message=message).model_dump_json()
    placeholder = "GATEWAY-MESSAGE"
    return ErrorBody(Code=code, Message=placeholder).model_dump_json().replace(f'"{placeholder}"', GATEWAY_MESSAGE)


def gateway_responses() -> dict:
    responses = {}
    for kind, (status, code, message, headers) in GATEWAY_RESPONSES.items():
        response: dict[str, Any] = {"responseTemplates": {"application/json": gateway_response_template(code, message)}}
        if status:
            response["statusCode"] = str(status)
        if headers:
            response["responseParameters"] = {f"gatewayresponse.header.{name}": f"'{value}'" for name, value in headers.items()}
        responses[kind] = response
    return responses


def unknown_route_answer() -> tuple[int, bytes]:
    """The deployed API's answer to an unknown route, which the local server and the test client give too."""
    status, code, message, _ = GATEWAY_RESPONSES[UNKNOWN_ROUTE]
    if status is None:
        raise SystemExit(f"GATEWAY_RESPONSES[{UNKNOWN_ROUTE!r}] must set its status")
    return status, gateway_response_template(code, message).encode()


def every_method_to_the_app(app) -> dict:
    """Each path's other methods (ANY) go to the API function too, which answers 405 naming the path's methods, as
    Chalice does locally; without this API Gateway would answer them as an unknown route."""
    integration = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "passthroughBehavior": "when_no_match",
        "contentHandling": "CONVERT_TO_TEXT",
        "uri": {
            "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${APIHandler.Arn}/invocations"
        },
    }
    return {
        path: {
            "x-amazon-apigateway-any-method": {
                "responses": {"405": {"description": "The path does not take this method"}},
                "x-amazon-apigateway-integration": copy.deepcopy(integration),
            }
        }
        for path in app.routes
    }


def api_definition(app) -> dict:
    """What the merge adds to the definition chalice generates from the routes."""
    return {"x-amazon-apigateway-gateway-responses": gateway_responses(), "paths": every_method_to_the_app(app)}


def merge_template(app) -> dict:
    template = resources()
    res = template["Resources"]
    specs = state_machines()
    known = {cfn_name(f.name) for f in app.pure_lambda_functions}
    invoked = set()
    for spec in specs:
        unknown = set(spec.functions) - known
        if unknown:
            raise SystemExit(f"{spec.process}.asl.json names functions the app does not define: {sorted(unknown)}")
        invoked |= set(spec.functions)
        res[spec.logical_id] = {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "StateMachineName": {"Fn::Sub": "${AWS::StackName}-" + spec.process},
                "StateMachineType": "STANDARD",
                "RoleArn": {"Fn::GetAtt": ["StateMachineRole", "Arn"]},
                "Definition": copy.deepcopy(spec.definition),
                "DefinitionSubstitutions": {f"{fn}Arn": {"Fn::GetAtt": [fn, "Arn"]} for fn in spec.functions},
                "TracingConfiguration": {"Enabled": True},
            },
        }
    res["StateMachineRole"]["Properties"]["Policies"] = [
        {
            "PolicyName": "invoke-workflow-tasks",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "lambda:InvokeFunction",
                        "Resource": [{"Fn::GetAtt": [fn, "Arn"]} for fn in sorted(invoked)],
                    },
                    {
                        "Effect": "Allow",
                        "Action": [
                            "xray:PutTraceSegments",
                            "xray:PutTelemetryRecords",
                            "xray:GetSamplingRules",
                            "xray:GetSamplingTargets",
                        ],
                        "Resource": "*",
                    },
                ],
            },
        }
    ]
    for role in function_roles(app):
        res[role] = {"Properties": {"Policies": [app_policy()]}}
    res["BidSealingKey"]["Properties"]["KeyPolicy"] = bid_sealing_key_policy()
    res["AuditSigningKey"]["Properties"]["KeyPolicy"] = audit_signing_key_policy()
    res["RestAPI"] = {"Properties": api_throttling() | {"DefinitionBody": api_definition(app)}}
    return template


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--asl-dir":
        out = Path(argv[2])
        out.mkdir(parents=True, exist_ok=True)
        specs = state_machines()
        for spec in specs:
            (out / f"{spec.process}.asl.json").write_text(json.dumps(spec.definition, indent=2))
        print(f"wrote {len(specs)} deployed definitions to {out}")
        return 0
    sys.path.insert(0, str(ROOT))
    from app import app

    output = Path(argv[1] if len(argv) > 1 else ROOT / "build" / "merge-template.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(merge_template(app), indent=2))
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
