"""Before the opening no bid price, nor anything derived from one, is anywhere in the stack outside the KMS envelope
(R-5b): not in any DynamoDB table, Step Functions history, log line or email, although bidders were told their R-5l
corrections and an amount-based refusal, and retried their submissions with Idempotency-Keys. After the opening the
same scan finds the prices, so it would notice a leak."""

import json
import logging
from decimal import Decimal

import boto3
import pytest

from tests.workflows.test_invitation_to_bid import OPENING, publish_with_two_vendors

REGION = "us-east-1"
GUARANTY_PERCENT = "5"
# acme: 100 x 617.2963 + 20 x 1234.506 = 61,729.63 + 24,690.12 = 86,419.75
ACME_PRICES = ("617.2963", "1234.506")
ACME_TOTAL = "86419.75"
ACME_GUARANTY = "4321.37"
# bolt: 100 x 389.1572 = 38,915.72, written as 38,951.72 (corrected, R-5l); 20 x 41.2783 = 825.566
BOLT_PRICES = ("389.1572", "41.2783")
BOLT_WRITTEN_EXTENSION = "38951.72"
BOLT_CORRECTED_EXTENSION = "38915.72"
DISTINCTIVE = (
    *ACME_PRICES,
    ACME_TOTAL,
    "61729.63",
    "24690.12",
    ACME_GUARANTY,
    BOLT_PRICES[0],
    BOLT_WRITTEN_EXTENSION,
    BOLT_CORRECTED_EXTENSION,
)


def forms(value: str) -> set[str]:
    """The ways a decimal may be written: as is, with thousands separators, without the point (cents, scaled)."""
    amount = Decimal(value)
    written = {value, f"{amount:,}"}
    digits = value.replace(".", "")
    if len(digits) >= 7:  # shorter digit runs occur by chance in ids and hashes
        written.add(digits)
    return written


NEEDLES = {form: value for value in DISTINCTIVE for form in forms(value)}


def sealed_bid(prices, *, extension1=None, guaranty=None):
    line1 = {"line_id": "1", "unit_price": prices[0], "quantity": "100"}
    if extension1:
        line1["extension"] = extension1
    return {
        "lines": [line1, {"line_id": "2", "unit_price": prices[1], "quantity": "20"}],
        "signer": {"name": "Pat Doe", "title": "President"},
        "signed": True,
        "non_collusion": True,
        "guaranty": guaranty,
    }


ANNUAL_BOND = {"form": "annual_bond", "amount": "5000.00", "reference": "AB-7", "valid_from": "2026-01-01"}
BID_BOND = {"form": "bid_bond", "amount": ACME_GUARANTY, "reference": "BB-7"}


def dynamodb_items() -> list[str]:
    """Every item of every table the stack created, as a table reader sees it."""
    client = boto3.client("dynamodb", region_name=REGION)
    found = []
    for table in client.list_tables()["TableNames"]:
        for page in client.get_paginator("scan").paginate(TableName=table):
            found += [f"{table}: {json.dumps(item)}" for item in page["Items"]]
    return found


def execution_histories() -> list[str]:
    """Every event of every execution of every state machine, with each execution's input and output."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    found = []
    for machine in sfn.list_state_machines()["stateMachines"]:
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
            arn = execution["executionArn"]
            found.append(json.dumps(sfn.describe_execution(executionArn=arn), default=str))
            for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
                found += [json.dumps(event, default=str) for event in page["events"]]
    return found


def log_lines(caplog, capfd) -> list[str]:
    """Every record any logger emitted (the service logger through its own JSON formatter) and all output."""
    from chalicelib.observability import logger

    lines = []
    for record in caplog.records:
        if record.name == logger.name:
            lines.append(logger.registered_formatter.format(record))
        else:
            lines.append(f"{record.name}: {record.getMessage()} {record.exc_text or ''}")
    out, err = capfd.readouterr()
    return lines + [out, err]


def emails(stack) -> list[str]:
    return [json.dumps(mail) for mail in stack.outbox()]


def leaks(stack, caplog, capfd) -> dict[str, set[str]]:
    """Where each distinctive value was found, by place."""
    places = {
        "dynamodb": dynamodb_items(),
        "step functions": execution_histories(),
        "logs": log_lines(caplog, capfd),
        "emails": emails(stack),
    }
    found: dict[str, set[str]] = {}
    for place, texts in places.items():
        for text in texts:
            for form, value in NEEDLES.items():
                if form in text:
                    found.setdefault(value, set()).add(place)
    return found


@pytest.fixture
def invitation(api, stack):
    return publish_with_two_vendors(api, stack, guaranty_percent=GUARANTY_PERCENT)


@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-5l")
@pytest.mark.rule("R-6a")
def test_before_the_opening_no_price_is_anywhere_in_the_stack_and_after_it_the_same_scan_finds_them(
    api, stack, clock, invitation, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    acme, bolt, bids = api.as_vendor("acme"), api.as_vendor("bolt"), f"/solicitations/{invitation}/bids"

    # Given acme refused for an annual bond on a bid of $86,419.75 (told its total), then sealed with a bid bond,
    refused = acme.post(bids, json=sealed_bid(ACME_PRICES, guaranty=ANNUAL_BOND), headers={"Idempotency-Key": "acme-1"})
    assert refused.status == 400 and "86419.75" in json.dumps(refused.json)
    again = acme.post(bids, json=sealed_bid(ACME_PRICES, guaranty=ANNUAL_BOND), headers={"Idempotency-Key": "acme-1"})
    assert again.json == refused.json and "Idempotent-Replayed" not in again.headers
    sealed = acme.post(bids, json=sealed_bid(ACME_PRICES, guaranty=BID_BOND), headers={"Idempotency-Key": "acme-2"})
    assert sealed.status == 201, sealed.json
    # and bolt's written extension corrected (R-5l), each retried with its key,
    written = sealed_bid(BOLT_PRICES, extension1=BOLT_WRITTEN_EXTENSION, guaranty=ANNUAL_BOND)
    corrected = bolt.post(bids, json=written, headers={"Idempotency-Key": "bolt-1"})
    assert corrected.status == 201 and corrected.json["corrections"][0]["submitted"] == BOLT_WRITTEN_EXTENSION
    for vendor, body, key, first in (
        (acme, sealed_bid(ACME_PRICES, guaranty=BID_BOND), "acme-2", sealed),
        (bolt, written, "bolt-1", corrected),
    ):
        retried = vendor.post(bids, json=body, headers={"Idempotency-Key": key})
        assert (retried.status, retried.json, retried.headers.get("Idempotent-Replayed")) == (201, first.json, "true")
    # and the owner's read, and purchasing's refused one,
    assert acme.get(f"{bids}/{sealed.json['bid_id']}").status == 200
    assert api.as_purchasing().get(f"{bids}/{sealed.json['bid_id']}").status == 409

    # When the whole stack is searched before the opening, Then no form of any price is found
    assert leaks(stack, caplog, capfd) == {}

    # When the bids are opened, Then the same search finds the prices (the bids, the tabulation emails)
    clock.advance(to=OPENING)
    found = leaks(stack, caplog, capfd)
    assert {ACME_TOTAL, *ACME_PRICES, BOLT_WRITTEN_EXTENSION} <= set(found)
    assert "dynamodb" in found[ACME_PRICES[0]] and "emails" in found[ACME_TOTAL]
