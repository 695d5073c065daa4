"""Surplus property (R-21): the holding agency's report, the State Surplus Center's approval before any disposal,
and its decision: transfer to an agency (signed by the receiving agency's representative on file, R-21g), sale
(auction, competitive bids, over the counter; oral bids only with the Commissioner's prior approval in an
emergency), scrap (only on the Commissioner's written finding) or trade-in. Hazardous material is refused unless
cleared by the Department of Environmental Protection; once prospective bidders have inspected property for sale,
its record is frozen (R-21c); component parts are recovered only with the Center's written approval (R-21f)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed, field_problem
from chalicelib.domain.officials import OfficialsOnFile

RULE = "R-21"
MAX_RECOVERIES = 20  # a storage bound: the component recoveries one property's record holds


class SurplusStatus(str, enum.Enum):
    REPORTED = "reported"  # the holding agency reported it (R-21c); no disposal until the Center approves (R-21a)
    APPROVED = "approved"  # the Surplus Center approved its disposal
    TRANSFER_PENDING = "transfer_pending"  # a transfer decided, awaiting the receiving representative's signature
    TRANSFERRED = "transferred"
    FOR_SALE = "for_sale"  # a sale decided; prospective bidders may inspect it
    SOLD = "sold"
    SCRAPPED = "scrapped"
    TRADED_IN = "traded_in"


class DisposalKind(str, enum.Enum):
    TRANSFER = "transfer"
    SALE = "sale"
    SCRAP = "scrap"
    TRADE_IN = "trade_in"


class SaleMethod(str, enum.Enum):
    AUCTION = "auction"
    COMPETITIVE_BIDS = "competitive_bids"
    OVER_THE_COUNTER = "over_the_counter"
    ORAL_BIDS = "oral_bids"  # R-21(b)(2)(B): emergency disposals, with the Commissioner's prior approval


@dataclass(frozen=True)
class ScrapFinding:
    """R-21(b)(3): the Commissioner's written finding that the property has no commercial value AND that its care
    and handling would cost more than its sale would bring."""

    text: str
    no_commercial_value: bool
    care_cost: Decimal
    sale_income: Decimal


@dataclass(frozen=True)
class Disposal:
    kind: DisposalKind
    decided_at: dt.datetime
    decided_by: str
    receiving_agency: str | None = None  # transfer
    representative: str | None = None  # transfer: the receiving agency's representative on file (token sub)
    sale_method: SaleMethod | None = None
    emergency_approval: str | None = None  # oral bids: the prior approval of the emergency disposal
    scrap_finding: ScrapFinding | None = None
    trade_in: str | None = None  # the like item exchanged for, and why it is in the State's best economical interest


@dataclass(frozen=True)
class Inspection:
    """R-21c: prospective bidders inspected the property; the condition they saw is the one to be kept."""

    at: dt.datetime
    recorded_by: str
    note: str


@dataclass(frozen=True)
class ComponentRecovery:
    """R-21f: parts recovered from reported equipment, on the Surplus Center's written approval."""

    parts: str
    written_approval: str
    approved_by: str
    at: dt.datetime


@dataclass(frozen=True)
class SurplusProperty:
    id: str
    agency: str  # the holding agency
    description: str
    quantity: Decimal
    condition: str
    location: str
    hazardous: bool
    reported_at: dt.datetime
    reported_by: str
    hazard_clearance: str | None = None  # R-21(b)(2)(C): the DEP clearance or certification of content
    status: SurplusStatus = SurplusStatus.REPORTED
    approved_at: dt.datetime | None = None
    approved_by: str | None = None
    disposal: Disposal | None = None
    inspection: Inspection | None = None
    recoveries: tuple[ComponentRecovery, ...] = ()
    transfer_signed_by: str | None = None
    transfer_signed_at: dt.datetime | None = None
    sold_to: str | None = None
    sale_amount: Decimal | None = None
    sold_at: dt.datetime | None = None
    version: int = 0


def _refuse(message: str, problems: list[dict]) -> None:
    if problems:
        raise ValidationFailed(message, rule=RULE, details=problems)


def _blank(fields: dict[str, str]) -> list[dict]:
    return [field_problem(name, "must not be blank") for name, value in fields.items() if not value.strip()]


def _hazard_problems(hazardous: bool, clearance: str | None) -> list[dict]:
    """R-21(b)(2)(C): "No material in these categories will be accepted at the State Surplus Center" uncleared."""
    if hazardous and not (clearance or "").strip():
        return [field_problem("hazard_clearance", "hazardous material must be cleared for disposal by DEP (R-21)")]
    return []


def report(
    *,
    property_id: str,
    agency: str,
    description: str,
    quantity: Decimal,
    condition: str,
    location: str,
    hazardous: bool,
    hazard_clearance: str | None,
    now: dt.datetime,
    reported_by: str,
) -> SurplusProperty:
    """R-21c: the holding agency reports its surplus with all pertinent information."""
    problems = _blank({"description": description, "condition": condition, "location": location})
    if quantity <= 0:
        problems.append(field_problem("quantity", "must be greater than 0"))
    problems += _hazard_problems(hazardous, hazard_clearance)
    _refuse("The surplus report is incomplete; see details.", problems)
    return SurplusProperty(
        id=property_id,
        agency=agency,
        description=description.strip(),
        quantity=quantity,
        condition=condition.strip(),
        location=location.strip(),
        hazardous=hazardous,
        hazard_clearance=(hazard_clearance or "").strip() or None,
        reported_at=now,
        reported_by=reported_by,
    )


def _require_status(prop: SurplusProperty, allowed: tuple[SurplusStatus, ...], what: str) -> None:
    if prop.status not in allowed:
        stages = " or ".join(s.value for s in allowed)
        raise Conflict(
            f"Surplus property {prop.id} is {prop.status.value}; {what} is possible when it is {stages}.",
            rule=RULE,
            details=[field_problem("status", f"is {prop.status.value}, not {stages}")],
        )


def _require_not_inspected(prop: SurplusProperty, what: str) -> None:
    """R-21c: after inspection by prospective bidders the property is kept as it was inspected."""
    if prop.inspection is not None:
        raise Conflict(
            f"Surplus property {prop.id} was inspected by prospective bidders; {what} is refused.",
            rule=RULE,
            details=[field_problem("inspection", "the property must stay as it was when inspected (R-21)")],
        )


def change(
    prop: SurplusProperty,
    *,
    description: str | None = None,
    quantity: Decimal | None = None,
    condition: str | None = None,
    location: str | None = None,
) -> SurplusProperty:
    """The holding agency corrects its report (None: unchanged) until prospective bidders inspect the property."""
    _require_not_inspected(prop, "a change to the property record")
    _require_status(prop, (SurplusStatus.REPORTED, SurplusStatus.APPROVED, SurplusStatus.FOR_SALE), "a change")
    texts = {k: v for k, v in (("description", description), ("condition", condition), ("location", location)) if v is not None}
    problems = _blank(texts)
    if quantity is not None and quantity <= 0:
        problems.append(field_problem("quantity", "must be greater than 0"))
    _refuse("The change is malformed; see details.", problems)
    return dataclasses.replace(
        prop,
        description=(description or prop.description).strip(),
        quantity=prop.quantity if quantity is None else quantity,
        condition=(condition or prop.condition).strip(),
        location=(location or prop.location).strip(),
    )


def approve(prop: SurplusProperty, now: dt.datetime, by: str) -> SurplusProperty:
    """R-21a: "No agency may effect any transfer without first notifying the Surplus Center and obtaining the necessary
    approval"."""
    _require_status(prop, (SurplusStatus.REPORTED,), "approval")
    _refuse("Hazardous material is not accepted uncleared.", _hazard_problems(prop.hazardous, prop.hazard_clearance))
    return dataclasses.replace(prop, status=SurplusStatus.APPROVED, approved_at=now, approved_by=by)


def decide_disposal(prop: SurplusProperty, disposal: Disposal, receiving: OfficialsOnFile | None) -> SurplusProperty:
    """The Surplus Center's decision, only after its approval; each kind with what R-21(b) requires of it."""
    _require_status(prop, (SurplusStatus.APPROVED,), "a disposal decision")
    _refuse("Hazardous material is not accepted uncleared.", _hazard_problems(prop.hazardous, prop.hazard_clearance))
    _refuse("The disposal decision is incomplete; see details.", _disposal_problems(prop, disposal, receiving))
    status = {
        DisposalKind.TRANSFER: SurplusStatus.TRANSFER_PENDING,
        DisposalKind.SALE: SurplusStatus.FOR_SALE,
        DisposalKind.SCRAP: SurplusStatus.SCRAPPED,
        DisposalKind.TRADE_IN: SurplusStatus.TRADED_IN,
    }[disposal.kind]
    return dataclasses.replace(prop, status=status, disposal=disposal)


def _disposal_problems(prop: SurplusProperty, disposal: Disposal, receiving: OfficialsOnFile | None) -> list[dict]:
    if disposal.kind is DisposalKind.TRANSFER:
        return _transfer_problems(prop, disposal, receiving)
    if disposal.kind is DisposalKind.SALE:
        return _sale_problems(disposal)
    if disposal.kind is DisposalKind.SCRAP:
        return _scrap_problems(disposal.scrap_finding)
    return [] if (disposal.trade_in or "").strip() else [field_problem("trade_in", "name the like item exchanged for, and why")]


def _transfer_problems(prop: SurplusProperty, disposal: Disposal, receiving: OfficialsOnFile | None) -> list[dict]:
    """R-21g: "No material shall be transferred ... unless the receiving agency's representative has been identified
    and his name has been placed on file with the State Surplus Center"."""
    if not disposal.receiving_agency:
        return [field_problem("receiving_agency", "a transfer needs the receiving agency")]
    if disposal.receiving_agency == prop.agency:
        return [field_problem("receiving_agency", "must be another agency than the holding agency")]
    if not disposal.representative:
        return [field_problem("representative", "a transfer needs the receiving agency's representative (R-21)")]
    if receiving is None or not receiving.has(disposal.representative):
        return [field_problem("representative", f"is not on file as a representative of {disposal.receiving_agency} (R-21)")]
    return []


def _sale_problems(disposal: Disposal) -> list[dict]:
    """R-21(b)(2): auction, competitive bids or over the counter; oral bids only in an emergency, approved beforehand."""
    if disposal.sale_method is None:
        return [field_problem("sale_method", "a sale needs its method: auction, competitive_bids or over_the_counter")]
    if disposal.sale_method is SaleMethod.ORAL_BIDS and not (disposal.emergency_approval or "").strip():
        return [field_problem("emergency_approval", "oral bids need the prior approval of an emergency disposal (R-21)")]
    return []


def _scrap_problems(scrap_finding: ScrapFinding | None) -> list[dict]:
    """R-21(b)(3): not destroyed unless "affirmatively found in writing" that both (A) and (B) hold."""
    if scrap_finding is None:
        return [field_problem("scrap_finding", "scrap needs the written finding (R-21)")]
    problems = _blank({"scrap_finding.text": scrap_finding.text})
    if not scrap_finding.no_commercial_value:
        problems.append(field_problem("scrap_finding.no_commercial_value", "scrap needs a finding of no commercial value (R-21)"))
    if scrap_finding.care_cost <= scrap_finding.sale_income:
        problems.append(
            field_problem("scrap_finding.care_cost", "scrap needs a care cost above the potential sale income (R-21)")
        )
    return problems


def sign_transfer(prop: SurplusProperty, agency: str, sub: str, receiving: OfficialsOnFile | None, now: dt.datetime):
    """R-21g: "Agency representatives shall acknowledge receipt of property by signing the transfer document"; only the
    representative named in the decision, still on file, of the receiving agency."""
    _require_status(prop, (SurplusStatus.TRANSFER_PENDING,), "signing the transfer")
    disposal = prop.disposal
    assert disposal is not None  # a pending transfer has its decision
    if agency != disposal.receiving_agency or sub != disposal.representative or receiving is None or not receiving.has(sub):
        raise Forbidden(
            f"Only {disposal.representative} of {disposal.receiving_agency}, on file, may sign this transfer.",
            rule=RULE,
            details=[field_problem("representative", "the signer must be the receiving agency's representative on file")],
        )
    return dataclasses.replace(prop, status=SurplusStatus.TRANSFERRED, transfer_signed_by=sub, transfer_signed_at=now)


def record_inspection(prop: SurplusProperty, note: str, now: dt.datetime, by: str) -> SurplusProperty:
    """R-21c: property to be sold, inspected by prospective bidders; from now on it is kept as inspected."""
    _require_status(prop, (SurplusStatus.FOR_SALE,), "an inspection by prospective bidders")
    _require_not_inspected(prop, "a second inspection record")
    return dataclasses.replace(prop, inspection=Inspection(at=now, recorded_by=by, note=note.strip()))


def record_sale(prop: SurplusProperty, buyer: str, amount: Decimal, now: dt.datetime) -> SurplusProperty:
    _require_status(prop, (SurplusStatus.FOR_SALE,), "recording the sale")
    _refuse("The sale needs its buyer; see details.", _blank({"buyer": buyer}))
    return dataclasses.replace(prop, status=SurplusStatus.SOLD, sold_to=buyer.strip(), sale_amount=amount, sold_at=now)


def recover_components(prop: SurplusProperty, parts: str, written_approval: str, by: str, now: dt.datetime):
    """R-21f: parts recovered from reported equipment "provided that the agency received written approval from the
    Surplus Center"; R-21c: never after inspection; and not once the property has left the holding agency."""
    _require_not_inspected(prop, "removing parts")
    _require_status(prop, (SurplusStatus.REPORTED, SurplusStatus.APPROVED, SurplusStatus.FOR_SALE), "recovering parts")
    _refuse(
        "A component recovery needs the parts and the written approval; see details.",
        _blank({"parts": parts, "written_approval": written_approval}),
    )
    if len(prop.recoveries) >= MAX_RECOVERIES:
        full = field_problem("parts", f"a property's record holds at most {MAX_RECOVERIES} component recoveries") | {"rule": RULE}
        raise ValidationFailed("The property's record holds no more component recoveries.", rule=RULE, details=[full])
    recovery = ComponentRecovery(parts=parts.strip(), written_approval=written_approval.strip(), approved_by=by, at=now)
    return dataclasses.replace(prop, recoveries=(*prop.recoveries, recovery))
