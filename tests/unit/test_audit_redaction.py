"""The audit trail keeps every change of a record, never its secrets: the fields an entity type redacts are left
out at any depth of the record."""

import dataclasses
import json
from decimal import Decimal

from chalicelib.adapters.entities import entity_type
from chalicelib.domain.awards import Award
from tests.unit.test_awards import noticed


def test_an_awards_share_tokens_are_not_in_its_audit_record():
    # Given an award whose share waits for acceptance and surety (Step Functions task tokens in the share)
    award = noticed(surety_percent=Decimal(10))
    share = dataclasses.replace(award.shares[0], acceptance_token="tok-accept", surety_token="tok-surety")
    waiting = dataclasses.replace(award, shares=(share,))
    # When the audit trail's view of it is taken / Then neither token is anywhere in it, and the rest is
    view = entity_type(Award).audit_view(waiting)
    text = json.dumps(view)
    assert "tok-accept" not in text and "tok-surety" not in text
    assert "acceptance_token" not in view["shares"][0] and view["shares"][0]["status"] == share.status.value
