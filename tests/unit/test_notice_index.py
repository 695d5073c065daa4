"""The notice index (R-4): a row per code of each active vendor, written with the vendor, so that a notice reads the
rows of the vendors it invites and no others (domain/vendors.notice_ranges, services/vendors.commodity_vendors_page)."""

import itertools

import pytest

from chalicelib.adapters.entities import entity_type
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.solicitations import commodity_matches
from chalicelib.domain.vendors import MAX_COMMODITY_CODES, VendorCommodity, notice_ranges
from chalicelib.services import outbox, solicitations, vendors
from chalicelib.services.ports import Actor, Role
from local.fein import fein_for
from tests.fakes import InMemoryStore, fake_deps
from tests.unit.test_bids_services import PURCHASING, sol  # noqa: F401 - fixture

CODE = "111111"  # what tests.fakes.SequentialIds.secret(6) hands out
CODES = ("615", "6150", "61500", "61510", "615000001", "616", "61600", "640", "64000", "64000123", "64010", "641", "71500")


class ReadCountingStore(InMemoryStore):
    """Records the kind and id of every record an index Query reads (DynamoDB's items read, before any filter)."""

    def __init__(self):
        super().__init__()
        self.read: list[tuple[str, str]] = []

    def _partition(self, cls, index, key, sk_begins_with, sk_between, newest_first):
        found = super()._partition(cls, index, key, sk_begins_with, sk_between, newest_first)
        self.read += [(entity_type(cls).kind, e.id) for _, e in found]
        return found


@pytest.fixture
def deps():
    """The fakes, with a store counting what index Queries read."""
    deps = fake_deps()
    deps.store = ReadCountingStore()
    return deps


def actor_of(org: str) -> Actor:
    return Actor(f"user@{org}", Role.VENDOR, org)


def confirmed(deps, org: str, codes: tuple[str, ...]):
    """A vendor registered, asked for its code by the onboarding workflow and confirmed, by the services."""
    actor = actor_of(org)
    vendor = vendors.register_vendor(
        deps, actor, legal_name=f"{org} LLC", fein=fein_for(org), contact_email=f"bids@{org}.example", commodity_codes=list(codes)
    )
    vendors.request_confirmation(deps, f"vendor-{vendor.id}", vendor.id, f"token-{org}")
    return vendors.confirm_vendor(deps, actor, vendor.id, CODE)


def noticed(deps, sol) -> list[str]:
    """The addresses the notice is emailed to (the other emails sent before it left aside)."""
    deps.notifier.sent.clear()
    solicitations.give_notice(deps, "itb-x", sol.id)
    outbox.deliver_due(deps)
    return sorted(to for m in deps.notifier.sent for to in m.to)


def rows_of(deps, vendor_id: str) -> list[VendorCommodity]:
    return sorted(
        (e for e in deps.store.items.values() if isinstance(e, VendorCommodity) and e.vendor_id == vendor_id), key=lambda r: r.id
    )


def listed_codes(deps, vendor_id: str) -> list[str]:
    return sorted(r.code for r in rows_of(deps, vendor_id) if r.code is not None)


@pytest.mark.rule("R-4")
def test_the_notice_ranges_hold_exactly_the_codes_a_notice_matches_each_once():
    # Given every choice of one or two notice codes among codes that nest, share a class or differ
    for chosen in itertools.chain(itertools.combinations(CODES, 1), itertools.combinations(CODES, 2)):
        # When the ranges are computed / Then a vendor code is in a range exactly when it matches, and in one only
        ranges = notice_ranges(chosen)
        for code in CODES:
            holding = [r for r in ranges if code[:3] == r[0] and f"{code}#".startswith(r[1])]
            assert len(holding) == (1 if commodity_matches(chosen, (code,)) else 0), (chosen, code, ranges)


@pytest.mark.rule("R-4")
def test_a_notice_reads_the_rows_of_the_matching_vendors_only(deps, sol):
    # Given 3 vendors of the notice's commodity (64000) and 6 of other codes, two of the same class (64010, 6401)
    codes = [("640",), ("64000",), ("64000123",), ("64010",), ("641",), ("615",), ("71500",), ("616",), ("6401",)]
    registered = [confirmed(deps, f"v{n}", c) for n, c in enumerate(codes)]
    # When the notice is given and expanded
    deps.store.read.clear()
    addresses = noticed(deps, sol)
    # Then the matching vendors are emailed, and no record of another vendor is read (vendors nor rows)
    assert addresses == ["bids@v0.example", "bids@v1.example", "bids@v2.example"]
    read = sorted(i.split("#")[0] for kind, i in deps.store.read if kind in ("vendor", "vendor_commodity"))
    assert read == sorted(v.id for v in registered[:3])


@pytest.mark.rule("R-4")
def test_a_vendor_of_several_matching_codes_receives_the_notice_once(deps, sol):
    # Given a vendor registered under the class 640 and its item 64000, both matching the notice
    confirmed(deps, "acme", ("640", "64000", "64000123"))
    # When the notice is given / Then it is emailed once
    assert noticed(deps, sol) == ["bids@acme.example"]


@pytest.mark.rule("R-4")
def test_the_notice_pages_through_every_range_with_a_cursor(deps, sol, monkeypatch):
    # Given 7 vendors spread over the ranges of 64000 (exact 640, exact 6400, extensions of 64000) and a page of 2
    for n, code in enumerate(["640", "640", "6400", "64000", "64000", "640001", "64000999"]):
        confirmed(deps, f"v{n}", (code,))
    monkeypatch.setattr(outbox, "PAGE", 2)
    # When the notice is expanded page by page / Then every vendor is emailed once
    assert noticed(deps, sol) == [f"bids@v{n}.example" for n in range(7)]


@pytest.mark.rule("R-4")
def test_a_vendor_awaiting_confirmation_has_no_row_and_confirming_lists_its_codes(deps):
    # Given a registered vendor not yet confirmed / Then it has no row in the notice index
    actor = actor_of("acme")
    vendor = vendors.register_vendor(
        deps,
        actor,
        legal_name="Acme LLC",
        fein=fein_for("acme"),
        contact_email="bids@acme.example",
        commodity_codes=["640", "615"],
    )
    vendors.request_confirmation(deps, f"vendor-{vendor.id}", vendor.id, "token")
    assert rows_of(deps, vendor.id) == []
    # When it confirms / Then each code has its row, with the address the notices go to
    vendors.confirm_vendor(deps, actor, vendor.id, CODE)
    assert [(r.code, r.contact_email) for r in rows_of(deps, vendor.id)] == [
        ("615", "bids@acme.example"),
        ("640", "bids@acme.example"),
    ]


@pytest.mark.rule("R-4")
def test_a_suspended_vendor_leaves_the_notice_index_and_a_reinstated_one_returns(deps, sol):
    # Given a confirmed vendor of the commodity
    vendor = confirmed(deps, "acme", ("640", "615"))
    # When purchasing suspends it / Then none of its rows is in an index, and the notice passes it by
    vendors.suspend_vendor(deps, PURCHASING, vendor.id, "registered another company's name")
    assert listed_codes(deps, vendor.id) == [] and len(rows_of(deps, vendor.id)) == 2
    assert noticed(deps, sol) == []
    # When it is reinstated / Then its rows are listed again
    vendors.reinstate_vendor(deps, PURCHASING, vendor.id)
    assert listed_codes(deps, vendor.id) == ["615", "640"]


@pytest.mark.rule("R-4")
def test_a_vendor_changing_its_codes_moves_in_the_notice_index(deps, sol):
    # Given a confirmed vendor of three codes, none of the notice's commodity (64000)
    vendor = confirmed(deps, "acme", ("615", "616", "715"))
    # When it changes them to one code of the notice's class / Then only that code is listed, the others left
    vendors.change_commodity_codes(deps, actor_of("acme"), vendor.id, ["64000"])
    assert listed_codes(deps, vendor.id) == ["64000"]
    assert noticed(deps, sol) == ["bids@acme.example"]
    # When it grows to two codes again / Then the slot left empty is reused
    vendors.change_commodity_codes(deps, actor_of("acme"), vendor.id, ["64000", "720"])
    assert listed_codes(deps, vendor.id) == ["64000", "720"] and len(rows_of(deps, vendor.id)) == 3


@pytest.mark.rule("R-4")
def test_another_organisation_may_not_change_a_vendors_codes(deps):
    vendor = confirmed(deps, "acme", ("615",))
    with pytest.raises(NotFound):
        vendors.change_commodity_codes(deps, actor_of("globex"), vendor.id, ["640"])
    assert listed_codes(deps, vendor.id) == ["615"]


@pytest.mark.rule("R-4")
def test_more_codes_than_one_transaction_lists_are_refused_naming_the_field(deps):
    # Given a registration of one code more than a transaction can list with the vendor and its audit record
    codes = [f"{600 + n}" for n in range(MAX_COMMODITY_CODES + 1)]
    # When it registers / Then it is refused under R-4 naming commodity_codes, and nothing is stored
    with pytest.raises(ValidationFailed) as refused:
        vendors.register_vendor(
            deps,
            actor_of("acme"),
            legal_name="Acme LLC",
            fein=fein_for("acme"),
            contact_email="a@acme.example",
            commodity_codes=codes,
        )
    assert refused.value.rule == "R-4" and refused.value.details == [
        {"field": "commodity_codes", "problem": f"at most {MAX_COMMODITY_CODES} different codes"}
    ]
    assert deps.store.items == {} or all(kind == "message" for kind, _ in deps.store.items)
