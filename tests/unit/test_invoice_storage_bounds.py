"""The storage bounds of one invoice (issue #14, docs/decisions.md "Items sized by design"): its withholding notices
(R-13a), set-offs (R-13d) and payments (R-13a), each refused past its bound with a 400 naming the field and rule."""

from decimal import Decimal

import pytest

from chalicelib.domain import invoices as rules
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.invoices import MAX_PAYMENTS, MAX_SET_OFFS, MAX_WITHHOLDINGS, InvoiceStatus
from tests.unit.test_invoices import invoice, local

CENT = Decimal("0.01")


def named(raised: pytest.ExceptionInfo[ValidationFailed]) -> tuple[str | None, list[tuple[str, str]]]:
    return raised.value.rule, [(d["field"], d["rule"]) for d in raised.value.details if "rule" in d]


@pytest.mark.rule("R-13a")
def test_the_twenty_first_withholding_notice_is_refused_naming_the_reason():
    # Given an invoice with as many withholding notices as the bound allows
    inv = invoice()
    for n in range(MAX_WITHHOLDINGS):
        inv = rules.withhold(inv, CENT, f"toner missing {n}", local("2026-04-01"))
    # When one more is given, Then the 400 names the field and R-13a
    with pytest.raises(ValidationFailed) as refused:
        rules.withhold(inv, CENT, "toner missing again", local("2026-04-01"))
    assert named(refused) == ("R-13a", [("reason", "R-13a")])


@pytest.mark.rule("R-13a")
def test_the_last_payment_the_bound_allows_settles_the_balance_and_no_other_amount():
    # Given an invoice paid a cent at a time up to one payment below the bound
    inv = invoice()
    for _ in range(MAX_PAYMENTS - 1):
        inv = rules.record_payment(inv, rules.pay(inv, CENT, local("2026-04-01")))
    # When the last payment is of less than the balance, Then the 400 names the amount and R-13a
    with pytest.raises(ValidationFailed) as refused:
        rules.pay(inv, CENT, local("2026-04-01"))
    assert named(refused) == ("R-13a", [("amount", "R-13a")])
    # And a payment of the balance settles the invoice
    paid = rules.record_payment(inv, rules.pay(inv, inv.balance, local("2026-04-01")))
    assert paid.status is InvoiceStatus.PAID and len(paid.payments) == MAX_PAYMENTS


@pytest.mark.rule("R-13d")
def test_an_invoice_holding_its_most_set_offs_takes_no_more_and_the_charge_goes_to_the_next():
    # Given an invoice with as many set-offs as the bound allows, and another open invoice
    full = invoice()
    for n in range(MAX_SET_OFFS):
        full = rules.set_off(full, f"OMP-{n}", CENT, local("2026-04-01"))
    other = invoice(id="INV-2")
    # When a charge is spread, Then it skips the full invoice
    assert [(i.id, amount) for i, amount in rules.allocate_set_off(Decimal("5.00"), [full, other])] == [
        ("INV-2", Decimal("5.00"))
    ]
    # And a set-off of the full invoice is refused with a 400 naming the amount and R-13d
    with pytest.raises(ValidationFailed) as refused:
        rules.set_off(full, "OMP-X", CENT, local("2026-04-01"))
    assert named(refused) == ("R-13d", [("amount", "R-13d")])
