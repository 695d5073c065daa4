"""Corrections to moto that the local stack needs, and two savings of its set-up time, installed with the other hooks.

- Task tokens: moto answers SendTaskSuccess/Failure/Heartbeat by asking every RUNNING execution's interpreter;
  an execution started a moment ago has no interpreter yet (`exec_worker.env` is None), and the call fails with
  an AttributeError instead of finding the token. AWS has no such window, so the emulator skips those executions.
- DynamoDB is not thread-safe in moto: its TransactWriteItems copies every table it touches and, when a
  condition fails, puts that copy back, undoing what other threads wrote meanwhile (and copying a whole table
  per transaction). Here every DynamoDB request runs under one lock, as one atomic step, and a transaction
  checks all its conditions before it writes anything, so a cancelled transaction has nothing to undo.
- SES keeps one body of an email sent with a text and an HTML part (the HTML); the emulator keeps both, as
  `text` and `html` on the sent message, for the local outbox (GET /_local/outbox).
- CreateStateMachine parses the definition with ANTLR to validate it, about 0.1 s per definition: 70% of a fresh
  stack's set-up, paid by every test. A definition this process has seen pass is not parsed again; any other still
  is, so an invalid one is refused as before. (An execution still parses its own copy: its program is not shared.)
- Every botocore session loads the service models (JSON files, endpoints.json alone 1.25 MB) into a loader of its
  own when it makes its first client, and each stack makes new ones: moto gives each test a fresh default session,
  and pynamodb's connection makes its own, so every test read endpoints.json and five services' models again (about
  0.4 s). Sessions share one loader here, as the clients of one session always do; what is loaded is the same files.
  A Lambda makes its clients once per process; the bench's figures stayed within their run-to-run noise.
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any

import botocore.session

from local.virtual_time import HookPointMissing

DYNAMODB_LOCK = threading.RLock()
_originals: dict[str, Any] = {}
_VALID_DEFINITIONS: set[str] = set()


@functools.cache
def _shared_loader(search_path_string=None):
    """botocore.loaders.create_loader, made once per data path for every session of the process."""
    return _originals["create_loader"](search_path_string)


def _started(execution) -> bool:
    worker = getattr(execution, "exec_worker", None)
    return worker is not None and getattr(worker, "env", None) is not None


def _require(owner, name: str, parameters: list[str]):
    method = owner.__dict__.get(name)
    if method is None or list(inspect.signature(method).parameters) != parameters:
        raise HookPointMissing(f"{owner.__name__}.{name} changed")
    return method


def install() -> None:
    try:
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.responses import DynamoHandler
        from moto.ses.responses import EmailResponse
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    except ImportError as exc:  # pragma: no cover - only when moto moves
        raise HookPointMissing(f"moto's backends moved: {exc}") from exc
    if _originals:
        return
    get_executions = _require(StepFunctionsParserBackend, "_get_executions", ["self", "execution_status"])
    call_action = _require(DynamoHandler, "call_action", ["self"])
    _require(DynamoDBBackend, "transact_write_items", ["self", "transact_items"])
    validate_definition = _require(StepFunctionsParserBackend, "_validate_definition", ["definition"])
    if list(inspect.signature(botocore.session.create_loader).parameters) != ["search_path_string"]:
        raise HookPointMissing("botocore.session.create_loader changed")
    _originals.update(
        create_loader=botocore.session.create_loader,
        validate_definition=validate_definition,
        get_executions=get_executions,
        call_action=call_action,
        transact_write_items=DynamoDBBackend.transact_write_items,
        send_email=_require(EmailResponse, "send_email", ["self"]),
    )

    def executions_with_an_interpreter(self, execution_status=None):
        """Only RUNNING lookups (task tokens) need an interpreter; other listings stay whole."""
        found = get_executions(self, execution_status)
        return [e for e in found if _started(e)] if execution_status is not None else found

    def validated_once(definition: str) -> None:
        if definition not in _VALID_DEFINITIONS:
            validate_definition.__func__(definition)  # raises InvalidDefinition, and the definition stays unknown
            _VALID_DEFINITIONS.add(definition)

    def one_request_at_a_time(self):
        with DYNAMODB_LOCK:
            return call_action(self)

    StepFunctionsParserBackend._get_executions = executions_with_an_interpreter  # type: ignore[method-assign]
    StepFunctionsParserBackend._validate_definition = staticmethod(validated_once)  # type: ignore[method-assign]
    botocore.session.create_loader = _shared_loader
    DynamoHandler.call_action = one_request_at_a_time  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = check_then_write  # type: ignore[method-assign]
    EmailResponse.send_email = send_email_with_both_parts  # type: ignore[method-assign]


def uninstall() -> None:
    if not _originals:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler
    from moto.ses.responses import EmailResponse
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    EmailResponse.send_email = _originals["send_email"]  # type: ignore[method-assign]
    StepFunctionsParserBackend._get_executions = _originals["get_executions"]  # type: ignore[method-assign]
    StepFunctionsParserBackend._validate_definition = _originals["validate_definition"]  # type: ignore[method-assign]
    botocore.session.create_loader = _originals["create_loader"]
    DynamoHandler.call_action = _originals["call_action"]  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _originals["transact_write_items"]  # type: ignore[method-assign]
    _originals.clear()


def send_email_with_both_parts(self):
    """moto's SendEmail, keeping the text and the HTML part of the message (moto keeps one of them as its body)."""
    from moto.core.responses import ActionResult

    text, html = self._get_param("Message.Body.Text.Data"), self._get_param("Message.Body.Html.Data")
    message = self.backend.send_email(
        self._get_param("Source"), self._get_param("Message.Subject.Data"), text or html, self._get_param("Destination", {})
    )
    message.text, message.html = text or "", html or ""
    return ActionResult({"MessageId": message.id})


# (prefix, callback): after each transaction, callback(items) with the items it put whose key begins with prefix
WRITE_LISTENERS: list[tuple[str, Any]] = []


def check_then_write(self, transact_items: list[dict[str, Any]]) -> None:
    """TransactWriteItems as AWS does it: every condition is checked first; any failure cancels the whole
    transaction before a write, with one reason per item. Otherwise every write is applied."""
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    with DYNAMODB_LOCK:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        targets: set[tuple[str, str]] = set()
        operations = []
        for item in transact_items:
            if len(item) > 1:
                raise TransactWriteSingleOpException
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            key = _key_of(self, op_type, op)
            target = (str(op["TableName"]), str(dict(sorted(key.items()))))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)
            operations.append((op_type, op, key))
        reasons = [_condition_failure(self, op, key) for _, op, key in operations]
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        _write_all(self, operations)
    put = [op["Item"] for op_type, op, _ in operations if op_type == "Put"]
    for prefix, callback in WRITE_LISTENERS:
        mine = [item for item in put if str(item.get("pk", {}).get("S", "")).startswith(prefix)]
        if mine:
            callback(mine)


def _key_of(backend, op_type: str, op: dict) -> dict:
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _condition_failure(backend, op: dict, key: dict) -> tuple:
    """(code, message, item) of a failed condition, or (None, None, None), as moto reports reasons."""
    from moto.dynamodb.comparisons import get_filter_expression

    try:
        current = backend.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        if condition is None:
            return (None, None, None)
        check = get_filter_expression(condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues"))
        if check.expr(current):
            return (None, None, None)
        old = current.to_json()["Attributes"] if current and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" else None
        return ("ConditionalCheckFailed", "The conditional request failed", old)
    except Exception as exc:  # noqa: BLE001 - reported as that item's cancellation reason, as moto does
        return (type(exc).__name__, str(exc), None)


def _write_all(backend, operations: list) -> None:
    """Apply the writes; one refused while writing (an item over 400 KB) undoes the earlier ones, item by item."""
    undo = []
    try:
        for op_type, op, key in operations:
            before = backend.get_item(op["TableName"], key)
            undo.append((op["TableName"], key, None if before is None else before.to_json()["Attributes"]))
            _write(backend, op_type, op, key)
    except Exception:
        for table, key, before in reversed(undo):
            if before is None:
                backend.delete_item(table, key)
            else:
                backend.put_item(table, before)
        raise


def _write(backend, op_type: str, op: dict, key: dict) -> None:
    names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
    if op_type == "Put":
        backend.put_item(op["TableName"], op["Item"], expression_attribute_names=names, expression_attribute_values=values)
    elif op_type == "Delete":
        backend.delete_item(op["TableName"], key, expression_attribute_names=names, expression_attribute_values=values)
    elif op_type == "Update":
        backend.update_item(
            op["TableName"],
            key,
            update_expression=op["UpdateExpression"],
            expression_attribute_names=names,
            expression_attribute_values=values,
        )
