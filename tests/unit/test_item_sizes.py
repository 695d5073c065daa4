"""Items sized by design: the largest vendor the API accepts, and its rows of the notice index, fit DynamoDB's item
limit, and its confirmation fits one transaction (adapters/dynamo.py's checks, computed without a table)."""

import dataclasses
import datetime as dt

import pytest

from chalicelib.adapters.dynamo import ENTITY_LIMIT_BYTES, TRANSACTION_LIMIT_ITEMS, DynamoStore, item_size
from chalicelib.adapters.entities import entity_type
from chalicelib.domain.vendors import MAX_COMMODITY_CODES, Vendor, VendorStatus, commodity_rows

NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
LONGEST_EMAIL = f"{'a' * 64}@{'b' * 185}.example"  # 254 characters, the API's maximum


def largest_vendor() -> Vendor:
    """Every field at the API's maximum length (api/vendors.py): name 200, email 254, the most codes of 11 digits,
    a suspension reason of 2,000."""
    return Vendor(
        id="V-" + "9" * 10,
        org="o" * 128,
        legal_name="N" * 200,
        fein="061234567",
        contact_email=LONGEST_EMAIL,
        commodity_codes=tuple(f"{n:011d}" for n in range(MAX_COMMODITY_CODES)),
        registered_at=NOW,
        confirmation_code="123456",
        status=VendorStatus.ACTIVE,
        confirmed_at=NOW,
        reminder_sent_at=NOW,
        confirmation_token="t" * 1024,
        code_issued_at=NOW,
        suspended_at=NOW,
        suspension_reason="R" * 2000,
        version=999,
    )


def size_of(entity) -> int:
    store = DynamoStore("entities", "audit", "us-east-1")
    return item_size(store._record(entity_type(type(entity)), entity).serialize())


@pytest.mark.rule("R-4")
def test_the_largest_vendor_and_its_notice_rows_fit_an_entity_item():
    # Given the largest vendor the API accepts, and its rows while in good standing
    vendor = largest_vendor()
    listed = commodity_rows(dataclasses.replace(vendor, suspended_at=None), MAX_COMMODITY_CODES)
    assert all(row.code is not None for row in listed)
    # Then the vendor and each row fit half an item (the audit record holds an entity twice)
    assert size_of(vendor) < ENTITY_LIMIT_BYTES
    assert max(size_of(row) for row in listed) < 1024
    # And its confirmation (the vendor, its audit record, a row per code) is one transaction
    assert 2 + len(listed) <= TRANSACTION_LIMIT_ITEMS
