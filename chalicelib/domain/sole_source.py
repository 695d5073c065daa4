"""Sole source procurement (R-15): an agency's request restricted to one contractor, with its explanation of why no
other will do; the Commissioner's written determination (granted with its basis, scope and end date, or refused; in
reasonable doubt competition is solicited through an invitation to bid); the negotiated price and terms form a
one-line contract; the record of sole source procurements lists contractor, amount and type, what was procured and
the contract file number.

The contract type (`ContractType`) is shared by the emergency purchase record (R-20f)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.calendar import local_date
from chalicelib.domain.contracts import Contract, ContractLine
from chalicelib.domain.errors import Conflict, ValidationFailed, field_problem
from chalicelib.domain.solicitations import MAX_FORM_BYTES, EvaluationFactor, LineItem, form_bytes
from chalicelib.domain.vendors import COMMODITY_CODE_PROBLEM, Vendor, is_commodity_code

RULE = "R-15"


class SoleSourceBasis(str, enum.Enum):
    """R-15a's examples of circumstances that could necessitate a sole source, and any other the request explains."""

    COMPATIBILITY = "compatibility"  # (1) compatibility of equipment, accessories or replacement parts is paramount
    TRIAL_OR_TESTING = "trial_or_testing"  # (2)
    RESALE = "resale"  # (3)
    PUBLIC_UTILITY = "public_utility"  # (4)
    OTHER = "other"


class ContractType(str, enum.Enum):
    """The "type of each contract" a record lists (R-15c(2), R-20f(2))."""

    FIXED_PRICE = "fixed_price"  # a one-time purchase at a fixed price
    TERM = "term"  # deliveries ordered as needed over a period
    SERVICES = "services"  # contractual services at agreed rates


class SoleSourceStatus(str, enum.Enum):
    REQUESTED = "requested"  # awaiting the Commissioner's determination
    GRANTED = "granted"  # a sole source may be negotiated within the determination's scope and duration
    REFUSED = "refused"
    COMPETED = "competed"  # refused in reasonable doubt: the need is drafted as an invitation to bid
    CONTRACTED = "contracted"  # the negotiated contract is formed and recorded


@dataclass(frozen=True)
class SoleSourceRequest:
    id: str
    agency: str
    title: str  # what is needed
    commodity_codes: tuple[str, ...]
    lines: tuple[LineItem, ...]
    estimated_amount: Decimal
    justification: str  # why no other source will be suitable or acceptable (R-15a)
    basis: SoleSourceBasis
    contractor_id: str
    contractor_name: str
    requested_at: dt.datetime
    requested_by: str
    status: SoleSourceStatus = SoleSourceStatus.REQUESTED
    determined_at: dt.datetime | None = None
    determined_by: str | None = None
    determination: str | None = None  # the written basis of a grant (R-15a)
    scope: str | None = None  # its application
    effective_until: dt.date | None = None  # the last Connecticut day of its effectiveness
    refusal_reason: str | None = None
    solicitation_id: str | None = None  # the invitation to bid drafted in reasonable doubt
    contract_id: str | None = None  # the contract file number (R-15c(4))
    contract_type: ContractType | None = None
    price: Decimal | None = None  # negotiated (R-15b)
    terms: str | None = None
    contracted_at: dt.datetime | None = None
    version: int = 0


@dataclass(frozen=True)
class Grant:
    determination: str
    scope: str
    effective_until: dt.date


@dataclass(frozen=True)
class Competition:
    """In reasonable doubt (R-15a): what the invitation to bid drafted from the need adds to it."""

    opening_at: dt.datetime
    evaluation_factors: tuple[EvaluationFactor, ...]


@dataclass(frozen=True)
class Negotiated:
    price: Decimal
    terms: str
    contract_type: ContractType


def _blank(value: str) -> bool:
    return not value.strip()


def new_request(
    *,
    request_id: str,
    agency: str,
    title: str,
    commodity_codes: list[str],
    lines: list[LineItem],
    estimated_amount: Decimal,
    justification: str,
    basis: SoleSourceBasis,
    contractor: Vendor,
    now: dt.datetime,
    requested_by: str,
) -> SoleSourceRequest:
    """R-15a: a request restricted to one contractor "shall be accompanied by an explanation as to why no other will be
    suitable or acceptable"; the need is described as an invitation to bid would describe it, so that competition can
    be solicited from it. Every problem is listed at once."""
    problems = []
    if _blank(title):
        problems.append(field_problem("title", "must not be blank"))
    if _blank(justification):
        problems.append(field_problem("justification", "explain why no other source will be suitable or acceptable (R-15a)"))
    if estimated_amount <= 0:
        problems.append(field_problem("estimated_amount", "must be greater than zero"))
    if not commodity_codes:
        problems.append(field_problem("commodity_codes", "at least one commodity code"))
    problems += [
        field_problem(f"commodity_codes[{i}]", COMMODITY_CODE_PROBLEM)
        for i, c in enumerate(commodity_codes)
        if not is_commodity_code(c)
    ]
    if not lines:
        problems.append(field_problem("lines", "at least one line of what is needed"))
    for i, line in enumerate(lines):
        if _blank(line.description):
            problems.append(field_problem(f"lines[{i}].description", "must not be blank"))
        if line.quantity <= 0:
            problems.append(field_problem(f"lines[{i}].quantity", "must be greater than zero"))
    if len({line.id for line in lines}) != len(lines):
        problems.append(field_problem("lines", "line ids must be distinct"))
    if (size := form_bytes(lines, ())) > MAX_FORM_BYTES:  # a storage bound: the lines become its contract's (as a bid form's)
        problems.append(
            field_problem("lines", f"the lines take {size:,} bytes as stored; at most {MAX_FORM_BYTES:,}") | {"rule": RULE}
        )
    if not contractor.confirmed or contractor.suspended:
        problems.append(field_problem("contractor_id", f"vendor {contractor.id} is not an active registered vendor"))
    if problems:
        raise ValidationFailed("The sole-source request is incomplete; see details.", rule=RULE, details=problems)
    return SoleSourceRequest(
        id=request_id,
        agency=agency,
        title=title.strip(),
        commodity_codes=tuple(commodity_codes),
        lines=tuple(lines),
        estimated_amount=estimated_amount,
        justification=justification.strip(),
        basis=basis,
        contractor_id=contractor.id,
        contractor_name=contractor.legal_name,
        requested_at=now,
        requested_by=requested_by,
    )


def _require_status(request: SoleSourceRequest, status: SoleSourceStatus, what: str) -> None:
    if request.status is not status:
        raise Conflict(
            f"Sole-source request {request.id} is {request.status.value}; {what} needs it {status.value}.",
            rule=RULE,
            details=[field_problem("status", f"is {request.status.value}, not {status.value}")],
        )


def require_undetermined(request: SoleSourceRequest) -> None:
    """A request is determined once."""
    _require_status(request, SoleSourceStatus.REQUESTED, "a determination")


def grant(request: SoleSourceRequest, decision: Grant, now: dt.datetime, by: str) -> SoleSourceRequest:
    """R-15a: "Such determination and the basis therefor shall be in writing. The Commissioner may specify the
    application and the duration of its effectiveness": a grant states its basis, its scope and its last day."""
    require_undetermined(request)
    problems = []
    if _blank(decision.determination):
        problems.append(field_problem("determination", "the written basis of the determination must not be blank"))
    if _blank(decision.scope):
        problems.append(field_problem("scope", "state the determination's application"))
    if decision.effective_until < local_date(now):
        problems.append(field_problem("effective_until", f"must be on or after {local_date(now).isoformat()}"))
    if problems:
        raise ValidationFailed("The determination is incomplete; see details.", rule=RULE, details=problems)
    return dataclasses.replace(
        request,
        status=SoleSourceStatus.GRANTED,
        determined_at=now,
        determined_by=by,
        determination=decision.determination.strip(),
        scope=decision.scope.strip(),
        effective_until=decision.effective_until,
    )


def refuse(request: SoleSourceRequest, reason: str, solicitation_id: str | None, now: dt.datetime, by: str) -> SoleSourceRequest:
    """A written refusal; with `solicitation_id` it is the reasonable doubt of R-15a ("In cases of reasonable doubt,
    competition should be solicited"): the request is competed through that invitation to bid."""
    require_undetermined(request)
    if _blank(reason):
        raise ValidationFailed("A refusal states its reason.", rule=RULE, details=[field_problem("reason", "must not be blank")])
    return dataclasses.replace(
        request,
        status=SoleSourceStatus.COMPETED if solicitation_id else SoleSourceStatus.REFUSED,
        determined_at=now,
        determined_by=by,
        refusal_reason=reason.strip(),
        solicitation_id=solicitation_id,
    )


def check_negotiated(negotiated: Negotiated) -> Negotiated:
    """R-15b: the negotiated price and terms (delivery and other terms) are both stated."""
    problems = []
    if negotiated.price <= 0:
        problems.append(field_problem("price", "the negotiated price is a positive amount"))
    if _blank(negotiated.terms):
        problems.append(field_problem("terms", "state the negotiated delivery and other terms (R-15b)"))
    if problems:
        raise ValidationFailed("The negotiated contract is incomplete; see details.", rule=RULE, details=problems)
    return dataclasses.replace(negotiated, terms=negotiated.terms.strip())


def contract(
    request: SoleSourceRequest, negotiated: Negotiated, contractor: Vendor, contract_id: str, now: dt.datetime
) -> tuple[SoleSourceRequest, Contract]:
    """R-15b: the negotiated contract, within the determination's duration: one line, the need as one lot at the
    negotiated price, for the requesting agency, its term ending with the determination; the request becomes the
    record of R-15c (contractor, amount and type, what was procured, contract file number)."""
    _require_status(request, SoleSourceStatus.GRANTED, "a contract")
    assert request.effective_until is not None  # granted
    if local_date(now) > request.effective_until:
        raise Conflict(
            f"The determination of {request.id} was effective until {request.effective_until.isoformat()}; ask again.",
            rule=RULE,
            details=[field_problem("effective_until", f"ended {request.effective_until.isoformat()}")],
        )
    formed = Contract(
        id=contract_id,
        agency=request.agency,
        contractor_id=contractor.id,
        contractor_org=contractor.org,
        contractor_name=contractor.legal_name,
        contractor_email=contractor.contact_email,
        lines=(ContractLine("1", request.title, "lot", Decimal(1), negotiated.price),),
        created_at=now,
        term_start=local_date(now),
        term_end=request.effective_until,
    )
    recorded = dataclasses.replace(
        request,
        status=SoleSourceStatus.CONTRACTED,
        contract_id=contract_id,
        contract_type=negotiated.contract_type,
        price=negotiated.price,
        terms=negotiated.terms,
        contracted_at=now,
    )
    return recorded, formed
