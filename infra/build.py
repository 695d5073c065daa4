"""Build the merge template `chalice package --merge-template` needs, from `infra/resources.json` and
`statemachines/*.asl.json`.

Convention: a `${XArn}` placeholder in an ASL file is the Chalice Lambda function whose CloudFormation
logical id is X (function `vendor_send_reminder` -> `VendorSendReminder`). The local stack reads the same
definitions and placeholders through `state_machines()`, so AWS and moto run identical workflows.

Usage: python -m infra.build OUTPUT.json
"""

from __future__ import annotations

import copy
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

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


def state_machines() -> list[StateMachineSpec]:
    specs = []
    for path in sorted(STATE_MACHINES.glob("*.asl.json")):
        text = path.read_text()
        process = path.name.removesuffix(".asl.json")
        specs.append(
            StateMachineSpec(
                process=process,
                logical_id=cfn_name(process.replace("-", "_")) + "StateMachine",
                definition=json.loads(text),
                functions=tuple(sorted(set(PLACEHOLDER.findall(text)))),
            )
        )
    return specs


def function_roles(app) -> list[str]:
    """Role logical ids chalice generates for the app's functions (one role per function)."""
    return ["ApiHandlerRole"] + [cfn_name(f.name) + "Role" for f in app.pure_lambda_functions]


def _table_arns() -> list:
    arns = []
    for table in TABLES:
        arn = {"Fn::GetAtt": [table, "Arn"]}
        arns += [arn, {"Fn::Sub": "${" + table + ".Arn}/index/*"}]
    return arns


def app_policy() -> dict:
    """What every function of the app may do, and nothing more."""
    state_machine_arns = {"Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-*"}
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
                        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                        "dynamodb:Query", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
                    ],
                    "Resource": _table_arns(),
                },
                {
                    "Sid": "Workflows",
                    "Effect": "Allow",
                    "Action": ["states:StartExecution", "states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
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
DECRYPTING_FUNCTIONS = ("itb_open_bids",)
KEY_ADMINISTRATION = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*",
    "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
]
# A data key is only generated or opened for one bid of one solicitation (adapters/sealing.context_for).
BID_CONTEXT = {"Null": {"kms:EncryptionContext:solicitation_id": "false", "kms:EncryptionContext:bid_id": "false"}}


def _role_arns(functions: tuple[str, ...]) -> list:
    return [{"Fn::GetAtt": [cfn_name(name) + "Role", "Arn"]} for name in functions]


def bid_sealing_key_policy() -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AdministratorsManageButCannotUseTheKey", "Effect": "Allow", "Principal": {"AWS": {"Ref": "KeyAdminRoleArn"}},
             "Action": KEY_ADMINISTRATION, "Resource": "*"},
            {"Sid": "TheApiSealsBids", "Effect": "Allow", "Principal": {"AWS": _role_arns(SEALING_FUNCTIONS)},
             "Action": ["kms:GenerateDataKey"], "Resource": "*", "Condition": BID_CONTEXT},
            {"Sid": "OnlyTheOpeningDecrypts", "Effect": "Allow", "Principal": {"AWS": _role_arns(DECRYPTING_FUNCTIONS)},
             "Action": ["kms:Decrypt"], "Resource": "*", "Condition": BID_CONTEXT},
        ],
    }


def api_throttling() -> dict:
    """Rate and burst limits on every method of the stage: a flood of bids or guesses is refused with 429."""
    return {"MethodSettings": [{
        "ResourcePath": "/*", "HttpMethod": "*",
        "ThrottlingRateLimit": {"Ref": "ApiThrottleRate"}, "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurst"},
    }]}


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
                        "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
                        "Resource": "*",
                    },
                ],
            },
        }
    ]
    for role in function_roles(app):
        res[role] = {"Properties": {"Policies": [app_policy()]}}
    res["BidSealingKey"]["Properties"]["KeyPolicy"] = bid_sealing_key_policy()
    res["RestAPI"] = {"Properties": api_throttling()}
    return template


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from app import app

    output = Path(argv[1] if len(argv) > 1 else ROOT / "build" / "merge-template.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(merge_template(app), indent=2))
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
