"""The emulated AWS stack: moto executing the real state machines, with every Lambda task dispatched
in-process to the Chalice app's handlers, on a virtual clock.

Resources come from the same sources as the AWS package: tables and their indexes from
`infra/resources.json`, state machines from `statemachines/` with `${XArn}` placeholders pointing at the
app's functions (see infra/build.py). `LocalStack` serves pytest (in-process moto) and the local server
(moto server on 127.0.0.1).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import boto3

from infra.build import cfn_name, resources, state_machines
from local import lambda_dispatch, moto_fixes, virtual_time
from local.schedules import Schedules
from local.virtual_time import VirtualClock

if TYPE_CHECKING:
    from moto.core.config import DefaultConfig

ACCOUNT = "123456789012"
REGION = "us-east-1"
STAGE = "dev"
STACK_NAME = "ct-procurement-local"
SENDER = "purchasing-notices@example.gov"
DEV_JWT_SECRET = "ct-procurement-local-dev-secret-not-for-production"
DEV_CURSOR_KEY = "ct-procurement-local-cursor-key-not-for-production"  # on AWS: the stack's generated CursorKey secret
MOTO_CONFIG: DefaultConfig = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


def app_environment(key_id: str = "", signing_key_id: str = "") -> dict[str, str]:
    """The variables infra/resources.json gives every function on AWS, with local values."""
    return {
        "AWS_DEFAULT_REGION": REGION,
        "ENTITIES_TABLE": f"{STACK_NAME}-EntitiesTable",
        "AUDIT_TABLE": f"{STACK_NAME}-AuditTable",
        "IDEMPOTENCY_TABLE": f"{STACK_NAME}-IdempotencyTable",
        "STATE_MACHINE_ARN_PREFIX": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STACK_NAME}-",
        "SENDER_EMAIL": SENDER,
        "OPM_REVIEWERS_EMAIL": "opm-reviewers@example.gov",
        "PURCHASING_EMAIL": "purchasing@example.gov",
        "BID_SEALING_KEY_ID": key_id,
        "AUDIT_SIGNING_KEY_ID": signing_key_id,
        "JWT_SECRET": DEV_JWT_SECRET,
        "CURSOR_KEY": DEV_CURSOR_KEY,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "ct-procurement",
    }


def _table_kwargs(logical_id: str, props: dict) -> dict:
    kwargs = {
        "TableName": f"{STACK_NAME}-{logical_id}",
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props["BillingMode"],
    }
    if "GlobalSecondaryIndexes" in props:
        kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    return kwargs


def create_resources(app) -> dict[str, str]:
    """Create tables, KMS key, SES identity and state machines; return the app's environment."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for logical_id, resource in resources()["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        dynamodb.create_table(**_table_kwargs(logical_id, props))
        if "TimeToLiveSpecification" in props:
            dynamodb.update_time_to_live(
                TableName=f"{STACK_NAME}-{logical_id}", TimeToLiveSpecification=props["TimeToLiveSpecification"]
            )
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key(Description="bid sealing (local)")["KeyMetadata"]["KeyId"]
    signing_key_id = kms.create_key(Description="audit checkpoints (local)", KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")[
        "KeyMetadata"
    ]["KeyId"]
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    functions = {cfn_name(f.name): f.name for f in app.pure_lambda_functions}
    for spec in state_machines():
        definition = json.dumps(spec.definition)
        missing = set(spec.functions) - set(functions)
        if missing:
            raise LookupError(
                f"statemachines/{spec.process}.asl.json names functions app.py does not register: {sorted(missing)}"
            )
        for logical_id in spec.functions:
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{app.app_name}-{STAGE}-{functions[logical_id]}"
            definition = definition.replace("${" + logical_id + "Arn}", arn)
        sfn.create_state_machine(
            name=f"{STACK_NAME}-{spec.process}",
            definition=definition,
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{STACK_NAME}-StateMachineRole",
        )
    return app_environment(key_id, signing_key_id)


class LocalStack:
    """Hooks, clock and resources for one emulated stack. Use `in_process()` or `local.server`."""

    def __init__(self, app, clock: VirtualClock):
        self.app = app
        self.clock = clock
        self.functions = lambda_dispatch.FunctionRegistry()
        self.functions.register_chalice_app(app, STAGE)
        self.env: dict[str, str] = {}
        self.schedules = Schedules(self)

    def install_hooks(self) -> None:
        virtual_time.install(self.clock)
        lambda_dispatch.install(self.functions)
        moto_fixes.install()

    def provision(self) -> None:
        from chalicelib import bootstrap

        self.env = create_resources(self.app)
        os.environ.update(self.env)
        bootstrap.reset()
        self.schedules.start()

    def close(self) -> None:
        """Stop every execution still waiting, let its threads end, and unhook moto."""
        self.schedules.stop()
        try:
            sfn = boto3.client("stepfunctions", region_name=REGION)
            for machine in sfn.list_state_machines()["stateMachines"]:
                for ex in sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")["executions"]:
                    sfn.stop_execution(executionArn=ex["executionArn"], cause="local stack closed")
        finally:
            quiet = logging.getLogger("moto.stepfunctions")
            level, quiet.level = quiet.level, logging.CRITICAL  # released waits end as timeouts: expected
            self.clock.release_all()
            _join_interpreter_threads(timeout=5.0)
            quiet.setLevel(level)
            moto_fixes.uninstall()
            lambda_dispatch.uninstall()
            virtual_time.uninstall()
            self.clock.stop()

    # -- what tests and the dev endpoints look at ---------------------------------------------------
    def outbox(self) -> list[dict]:
        from moto.ses.models import ses_backends

        return [
            {
                "id": m.id,
                "from": m.source,
                "to": list(m.destinations.get("ToAddresses", [])),
                "cc": list(m.destinations.get("CcAddresses", [])),
                "subject": m.subject,
                "text": getattr(m, "text", m.body),
                "html": getattr(m, "html", ""),
            }
            for m in ses_backends[ACCOUNT][REGION].sent_messages
        ]

    def executions(self, process: str | None = None) -> list[dict]:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        found = []
        for machine in sfn.list_state_machines()["stateMachines"]:
            if process is None or machine["name"] == f"{STACK_NAME}-{process}":
                found += sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
        return found

    def execution(self, process: str, name: str) -> dict:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        arn = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{STACK_NAME}-{process}:{name}"
        return sfn.describe_execution(executionArn=arn)

    def history(self, process: str, name: str) -> list[dict]:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        arn = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{STACK_NAME}-{process}:{name}"
        return sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def _join_interpreter_threads(timeout: float) -> None:
    from moto.stepfunctions.parser.utils import TMP_THREADS

    limit = time.monotonic() + timeout
    for thread in list(TMP_THREADS):
        while thread.is_alive() and time.monotonic() < limit:
            time.sleep(0.001)
    TMP_THREADS.clear()  # a thread still alive is abandoned: it must not count in the next stack's idle check


@contextmanager
def provisioned(app, start: dt.datetime) -> Iterator[LocalStack]:
    """The stack on a frozen virtual clock at `start`, its hooks installed and its resources made, closed after; on
    whichever moto the environment points at (in_process's, or the bench's server)."""
    stack = LocalStack(app, VirtualClock(start, tick=False).start())
    stack.install_hooks()
    try:
        stack.provision()
        yield stack
    finally:
        stack.close()


@contextmanager
def in_process(app, start: dt.datetime) -> Iterator[LocalStack]:
    """moto in this process (no sockets), frozen virtual clock at `start`: what pytest uses."""
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = "testing"
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ["MOTO_PORT"] = os.environ.get("MOTO_PORT", "5000")
    with mock_aws(config=MOTO_CONFIG), provisioned(app, start) as stack:
        yield stack
