"""SES email, Step Functions executions and task tokens, the system clock and id generation."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from functools import cached_property

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.adapters.throttling import throttling_as_unavailable
from chalicelib.services.ports import Email


class SesNotifier:
    def __init__(self, sender: str, region: str):
        self.sender = sender
        self.region = region

    @cached_property
    def _ses(self):
        """Made on the first send (a request never sends: the outbox worker does), from boto3's one shared session.
        No retries inside a send: a failed send is retried by the outbox worker, never by a request that waits for it."""
        return boto3.client("ses", region_name=self.region, config=Config(retries={"total_max_attempts": 1}))

    def send(self, email: Email) -> None:
        with throttling_as_unavailable("The email service"):
            self._send(email)

    def _send(self, email: Email) -> None:
        self._ses.send_email(
            Source=self.sender,
            Destination={"ToAddresses": list(email.to)},
            Message={"Subject": {"Data": email.subject}, "Body": self._body(email)},
        )

    @staticmethod
    def _body(email: Email) -> dict:
        """Both parts: mail clients show the HTML and fall back to the text."""
        body = {"Text": {"Data": email.text, "Charset": "UTF-8"}}
        if email.html:
            body["Html"] = {"Data": email.html, "Charset": "UTF-8"}
        return body


class StepFunctionsWorkflows:
    """Processes are state machines named `<prefix><process>`; executions get deterministic names."""

    _GONE = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})

    def __init__(self, state_machine_arn_prefix: str, region: str):
        self.prefix = state_machine_arn_prefix
        self.region = region

    @cached_property
    def _sfn(self):
        """Made on the first start or answer, from boto3's one shared session: most requests start no process."""
        return boto3.client("stepfunctions", region_name=self.region)

    def start(self, process: str, name: str, payload: dict) -> None:
        try:
            self._sfn.start_execution(
                stateMachineArn=f"{self.prefix}{process}", name=name, input=json.dumps(payload, default=str)
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise

    def resume(self, token: str, output: dict) -> bool:
        return self._answer(lambda: self._sfn.send_task_success(taskToken=token, output=json.dumps(output, default=str)))

    def fail(self, token: str, error: str, cause: str) -> bool:
        return self._answer(lambda: self._sfn.send_task_failure(taskToken=token, error=error, cause=cause))

    def _answer(self, call) -> bool:
        try:
            call()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in self._GONE:
                return False
            raise
        return True


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class RandomIds:
    def new(self, prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:12]}"

    def secret(self, digits: int) -> str:
        return "".join(secrets.choice("0123456789") for _ in range(digits))

    def salt(self) -> bytes:
        return secrets.token_bytes(32)
