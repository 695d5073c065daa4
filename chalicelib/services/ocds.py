"""Open data in OCDS 1.1.5: the public events of the audit trail as releases, pages of them, every release at once,
and the record of one contracting process.

Each release is built from the record as the audit trail kept it after the event, plus what the public routes show
(viewer None): the tabulation of opened bids (R-5n) and the awardee of a request (R-16m). Nothing sealed,
withheld (R-16d) or drafted is an event here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from chalicelib.domain.bids import Bid
from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import NotFound
from chalicelib.ocds import packages, releases
from chalicelib.ocds.events import Event
from chalicelib.services.ports import AuditEntry, Deps, PageRequest

BULK_PAGE = 200
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"


def publisher(base_url: str, prefix: str) -> packages.Publisher:
    """The State as publisher; `prefix` is its registered ocid prefix (setting OCDS_PREFIX)."""
    return packages.Publisher(
        name="State of Connecticut, Department of Administrative Services, Procurement Division",
        uri="https://portal.ct.gov/das",
        prefix=prefix,
        license=LICENSE,
        publication_policy=f"{base_url}/openapi.json",
        base_url=base_url,
    )


def releases_page(
    deps: Deps, page: PageRequest, *, since: dt.datetime | None, pub: packages.Publisher, path: str
) -> tuple[dict, str | None]:
    """One page of releases from `since` on, oldest first, as a release package, and the store position after it."""
    found = deps.store.public_audit_page(since=since, after=page.after, limit=page.limit)
    built = [release for entry in found.items if (release := release_of(deps, pub.prefix, entry)) is not None]
    return packages.release_package(pub, path, built, deps.clock.now()), found.next


def all_releases(deps: Deps, *, pub: packages.Publisher, path: str) -> dict:
    """Every release in one package: the bulk download."""
    built = [release for entry in _public_entries(deps) if (release := release_of(deps, pub.prefix, entry)) is not None]
    return packages.release_package(pub, path, built, deps.clock.now())


def record(deps: Deps, ocid: str, *, pub: packages.Publisher, path: str) -> dict:
    """The record package of one process: its releases, compiled release and versioned release; 404 when the
    process has published nothing."""
    built = [r for entry in _public_entries(deps) if (r := release_of(deps, pub.prefix, entry)) is not None and r["ocid"] == ocid]
    if not built:
        raise NotFound(f"No contracting process {ocid} has been published.", details=[{"field": "ocid", "problem": "unknown"}])
    return packages.record_package(pub, path, ocid, built, deps.clock.now())


def _public_entries(deps: Deps) -> Iterator[AuditEntry]:
    after = ""
    while True:
        found = deps.store.public_audit_page(after=after, limit=BULK_PAGE)
        yield from found.items
        if found.next is None:
            return
        after = found.next


def release_of(deps: Deps, prefix: str, entry: AuditEntry) -> dict | None:
    """The release of one public audit entry, with what its mapping needs read from the public views."""
    event = Event(entry.entity, entry.action, entry.at, entry.after or {})
    if event.kind == "solicitation" and event.after.get("opened_at") is not None:
        return releases.release_of(event, prefix, bids=_tabulation(deps, event.after["id"]))
    if event.kind in ("purchase_order", "invoice"):
        contract = deps.store.get(Contract, event.after["contract_id"])
        return None if contract is None else releases.release_of(event, prefix, contract=contract)
    if event.kind == "rfp" and event.after.get("contract_id") is not None:
        awarded = deps.store.get(Contract, event.after["contract_id"])  # the awardee's name, as the notice of award shows
        return releases.release_of(event, prefix, supplier_name=None if awarded is None else awarded.contractor_name)
    return releases.release_of(event, prefix)


def _tabulation(deps: Deps, solicitation_id: str) -> list[Bid]:
    """R-5n: the opened bids, read as the public tabulation reads them (the sparse `opened` index holds opened bids
    only, so no sealed bid can be in it)."""
    return list(deps.store.iterate(Bid, "opened", solicitation_id))
