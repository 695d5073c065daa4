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
                {
                    "Sid": "SealBids",
                    "Effect": "Allow",
                    "Action": ["kms:GenerateDataKey"],
                    "Resource": {"Fn::GetAtt": ["BidSealingKey", "Arn"]},
                },
            ],
        },
    }


# R-5b: only the bid opening may decrypt sealed bids; no other function's role gets kms:Decrypt.
DECRYPTING_FUNCTIONS = ("itb_open_bids",)


def open_sealed_bids_statement() -> dict:
    return {
        "Sid": "OpenSealedBids",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": {"Fn::GetAtt": ["BidSealingKey", "Arn"]},
    }


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
    decrypting = {cfn_name(name) + "Role" for name in DECRYPTING_FUNCTIONS}
    for role in function_roles(app):
        policy = app_policy()
        if role in decrypting:
            policy["PolicyDocument"]["Statement"].append(open_sealed_bids_statement())
        res[role] = {"Properties": {"Policies": [policy]}}
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
