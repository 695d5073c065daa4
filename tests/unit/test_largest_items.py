"""Items sized by design (issue #14): the largest record of each entity the API can make, built from the request models'
own limits (max_length of texts and lists) and the domain's, stored as adapters/dynamo.py stores it, fits DynamoDB's
400 KB item limit with a margin, its audit record too, and its creation fits one transaction.

The worst text is the character whose stored JSON is longest (a control character, escaped as six bytes), so no text
the API accepts is larger. A list field of an entity is bounded by the request field of the same name (the model
named in SOURCES) or by a domain limit (the `counts` of each entity); a text or list without a limit in its model
fails the test, so a limit raised or removed in a model is caught here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import types
import typing
from decimal import Decimal

import annotated_types
import pytest
from pydantic import BaseModel, WithJsonSchema

from chalicelib import emails
from chalicelib.adapters.dynamo import (
    ENTITY_LIMIT_BYTES,
    TRANSACTION_LIMIT_BYTES,
    DynamoStore,
    item_size,
    split_parts,
)
from chalicelib.adapters.entities import ENTITY_TYPES, entity_type_of
from chalicelib.api import awards as award_api
from chalicelib.api import bids as bid_api
from chalicelib.api import delegations as delegation_api
from chalicelib.api import emergencies as emergency_api
from chalicelib.api import invoices as invoice_api
from chalicelib.api import orders as order_api
from chalicelib.api import plans as plan_api
from chalicelib.api import requisitions as requisition_api
from chalicelib.api import rfp_discussions as discussion_api
from chalicelib.api import rfp_evaluation as evaluation_api
from chalicelib.api import rfp_negotiations as negotiation_api
from chalicelib.api import rfps as rfp_api
from chalicelib.api import sole_source as sole_source_api
from chalicelib.api import solicitations as solicitation_api
from chalicelib.api import surplus as surplus_api
from chalicelib.api import vendors as vendor_api
from chalicelib.api import warehouse as warehouse_api
from chalicelib.api.types import BID_DECIMAL_CHARS
from chalicelib.domain import (
    attention,
    awards,
    bidder_requests,
    bids,
    commitment,
    contracts,
    delegations,
    emergencies,
    evaluation,
    invoices,
    officials,
    orders,
    outbox,
    performance_changes,
    plans,
    plans_amendments,
    proposals,
    requisitions,
    rfp_discussions,
    rfp_evaluation,
    rfp_negotiation_notice,
    rfp_negotiations,
    rfps,
    sole_source,
    solicitations,
    surplus,
    vendors,
    warehouse,
)
from chalicelib.services import attention as attention_services
from chalicelib.services import awards as award_services
from chalicelib.services import solicitations as solicitation_services
from chalicelib.services.sealed import OPENED_PER_TRANSACTION

MARGIN_BYTES = 350 * 1024  # below DynamoDB's 400 KB item limit
NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
WORST_CHARACTER = max(("a", "é", "€", "😀", '"', "\x01"), key=lambda c: len(json.dumps(c, ensure_ascii=False).encode()))
UNLIMITED_TEXT = 64  # a text the code makes (ids, token subjects, instants), ASCII: longer than any it makes
RECORDED_TEXT = 2000  # a reason or note whose request field has another name (cancel_reason from `reason`)

# the request model whose fields of the same name bound each stored class's fields
SOURCES: dict[type, list[type[BaseModel]]] = {
    solicitations.Solicitation: [solicitation_api.DraftSolicitation],
    solicitations.LineItem: [solicitation_api.SolicitationLineIn],
    solicitations.LineGroup: [solicitation_api.LineGroupIn],
    solicitations.EvaluationFactor: [solicitation_api.FactorIn],
    solicitations.Addendum: [solicitation_api.AddendumIn],
    rfps.Rfp: [rfp_api.DraftRfp],
    rfps.RfpAddendum: [rfp_api.RfpAddendumIn],
    rfps.Conference: [rfp_api.ConferenceIn],
    contracts.ContractLine: [solicitation_api.SolicitationLineIn],
    requisitions.Requisition: [requisition_api.SubmitRequisition],
    requisitions.RequisitionLine: [requisition_api.RequisitionLineIn],
    orders.PurchaseOrder: [order_api.PlaceOrder],
    orders.OrderLine: [order_api.QuantityIn],
    orders.DeliveryExtension: [order_api.RequestExtension],
    emergencies.EmergencyPurchase: [emergency_api.EmergencyPurchaseIn],
    emergencies.Emergency: [emergency_api.EmergencyPurchaseIn],
    delegations.Quotation: [delegation_api.QuotationIn],
    emergencies.EmergencyItem: [emergency_api.EmergencyItemIn],
    emergencies.HeadApproval: [emergency_api.HeadApprovalIn],
    emergencies.FailedSolicitation: [emergency_api.FailedSolicitationIn],
    bids.Determination: [solicitation_api.DeterminationIn],
    bids.SampleReceipt: [bid_api.SampleReceiptIn],
    awards.AwardCorrection: [award_api.AwardCorrectionIn],
    invoices.DefectNotice: [invoice_api.DefectNoticeIn],
    plans.Plan: [plan_api.PlanSections],
    plans.Narrative: [plan_api.PlanNarrativeIn],
    plans.ScheduledService: [plan_api.ScheduledServiceIn],
    plans.Contractor: [plan_api.PlanContractorIn],
    plans.WaiverJustification: [plan_api.WaiverJustificationIn],
    plans.PlanContact: [plan_api.PlanContactIn],
    invoices.Withholding: [invoice_api.WithholdingIn],
}


def largest(cls: type, counts: dict[str, int]):
    """An instance of the stored class `cls` with every text and list at the largest the API accepts."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        path = f"{cls.__name__}.{f.name}"
        values[f.name] = _largest_value(hints[f.name], _source_field(cls, f.name), path, counts)
    return cls(**values)


def _source_field(cls: type, name: str):
    return next((m.model_fields[name] for m in SOURCES.get(cls, []) if name in m.model_fields), None)


def _max_length(field) -> int | None:
    """The field's max_length, or the maxLength its type declares in its schema (Email)."""
    for m in field.metadata if field else []:
        if isinstance(m, annotated_types.MaxLen):
            return m.max_length
        if isinstance(m, WithJsonSchema) and m.json_schema and "maxLength" in m.json_schema:
            return int(m.json_schema["maxLength"])
    return None


def _largest_value(hint, source, path: str, counts: dict[str, int]):
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        (hint,) = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) != 2 or args[1] is not Ellipsis:
            return tuple(_largest_value(a, None, path, counts) for a in args)
        count = counts.get(path, _max_length(source))
        assert count is not None, f"{path}: no limit on its length (a request field of that name or a domain limit)"
        return tuple(_largest_value(args[0], None, f"{path}[]", counts) for _ in range(count))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return max(hint, key=lambda member: len(str(member.value)))
    if hint is str:
        if source is not None and path not in counts:  # a pattern-checked text (a FEIN) has its length in counts
            length = _max_length(source)
            assert length is not None, f"{path}: a text without max_length in its request model"
            return WORST_CHARACTER * length
        return WORST_CHARACTER * counts[path] if path in counts else "9" * UNLIMITED_TEXT
    if hint is bool:
        return True
    if hint is int:
        return 10**9
    if hint is Decimal:
        return Decimal("999999999999.9999")
    if hint is dt.datetime:
        return NOW
    if hint is dt.date:
        return NOW.date()
    if dataclasses.is_dataclass(hint):
        return largest(typing.cast(type, hint), counts)
    raise AssertionError(f"{path}: no largest value for {hint!r}")


def within_form(lines: tuple) -> tuple:
    """As many of the lines as the domain accepts on one bid form (solicitations.MAX_FORM_BYTES)."""
    each = solicitations.form_bytes(lines[:1], ())
    return lines[: min(len(lines), solicitations.MAX_FORM_BYTES // each)]


def largest_solicitation() -> tuple[solicitations.Solicitation, frozenset[str]]:
    counts = {
        "Solicitation.addenda": solicitations.MAX_ADDENDA,
        "Solicitation.award_ids": solicitation_api.MAX_LINES,  # an award per line at most (award by item)
        "Solicitation.cancel_reason": _max_length(solicitation_api.CancelSolicitationIn.model_fields["reason"]) or 0,
        "Solicitation.rejected_all_reason": RECORDED_TEXT,
        "LineGroup.line_ids[]": UNLIMITED_TEXT,
    }
    sol = largest(solicitations.Solicitation, counts)
    return dataclasses.replace(sol, lines=within_form(sol.lines), groups=()), frozenset({"addenda"})


def largest_contract() -> tuple[contracts.Contract, frozenset[str]]:
    counts = {
        "Contract.lines": solicitation_api.MAX_LINES,
        "Contract.accepted_agencies": 200,
        "Contract.cancel_reason": RECORDED_TEXT,
    }
    contract = largest(contracts.Contract, counts)
    return dataclasses.replace(contract, lines=within_form(contract.lines)), frozenset()


def largest_rfp() -> tuple[rfps.Rfp, frozenset[str]]:
    counts = {
        "Rfp.addenda": solicitations.MAX_ADDENDA,
        "Rfp.cancel_reason": _max_length(rfp_api.CancelRfpIn.model_fields["reason"]) or 0,
        "Rfp.opening_confirmations": 20,
        "Rfp.shortlist": 50,
        "Rfp.shortlist_determination": 20000,
        "Rfp.bafo_determinations": 20,
    }
    return largest(rfps.Rfp, counts), frozenset({"addenda", "bafo_determinations"})


def largest_requisition() -> tuple[requisitions.Requisition, frozenset[str]]:
    counts = {"Requisition.cancel_reason": RECORDED_TEXT}
    return largest(requisitions.Requisition, counts), frozenset()


def largest_order() -> tuple[orders.PurchaseOrder, frozenset[str]]:
    counts = {"PurchaseOrder.extensions": orders.MAX_EXTENSIONS, "DeliveryExtension.decision_reason": RECORDED_TEXT}
    return largest(orders.PurchaseOrder, counts), frozenset({"extensions"})


def largest_emergency() -> tuple[emergencies.EmergencyPurchase, frozenset[str]]:
    counts = {"EmergencyPurchase.denied_reason": RECORDED_TEXT}
    return largest(emergencies.EmergencyPurchase, counts), frozenset()


def bid_line(n: int, substitute: str | None) -> dict:
    """A priced line as the API accepts it: its amounts at their longest, an extension that differs (so corrected)."""
    amount = "9" * BID_DECIMAL_CHARS
    line = {"line_id": f"{n:03d}", "unit_price": amount, "quantity": amount, "extension": "1" * BID_DECIMAL_CHARS}
    return line | ({"substitute_article": substitute} if substitute is not None else {})


def largest_submission(substitute: str | None) -> dict:
    """The bid as sent with the longest texts, and as many lines (of the base bid, then of each alternate) as fit
    MAX_BID_BYTES, the domain's bound on it."""
    longest = {name: WORST_CHARACTER * (_max_length(field) or 0) for name, field in bid_api.SignerIn.model_fields.items()}
    text = WORST_CHARACTER * (_max_length(bid_api.BidIn.model_fields["conditions"]) or 0)
    submitted: dict = {"signer": longest, "signed": True, "non_collusion": True, "conditions": text, "lines": []}
    submitted["addenda_acknowledged"] = list(range(1, (_max_length(bid_api.BidIn.model_fields["addenda_acknowledged"]) or 0) + 1))
    offers = [submitted["lines"]]
    per_offer = _max_length(bid_api.BidIn.model_fields["lines"]) or 0
    for n in range(per_offer * (1 + (_max_length(bid_api.BidIn.model_fields["alternates"]) or 0))):
        if len(offers[-1]) == per_offer:
            submitted.setdefault("alternates", []).append({"description": text, "lines": []})
            offers.append(submitted["alternates"][-1]["lines"])
        offers[-1].append(bid_line(n % per_offer, substitute))
        if len(commitment.canonical(submitted)) > bids.MAX_BID_BYTES:
            offers[-1].pop()
            break
    return submitted


def content_of(submitted: dict, later: int) -> bids.BidContent:
    """The content the opening stores of `submitted`: every line, each extension corrected (R-5l), and the most
    corrections of unit prices (R-19) and quantities (R-8e) later determinations and changes add."""

    def priced(raw_lines: list[dict]) -> tuple[tuple[bids.BidLine, ...], tuple[bids.Correction, ...]]:
        lines = tuple(
            bids.BidLine(
                r["line_id"],
                Decimal(r["unit_price"]),
                Decimal(r["quantity"]),
                Decimal(r["unit_price"]) * Decimal(r["quantity"]),
                r.get("substitute_article"),
            )
            for r in raw_lines
        )
        reason = "the unit price governs: extension recomputed as unit price x quantity"
        return lines, tuple(bids.Correction(x.line_id, "extension", "1" * 32, str(x.extension), "R-5l", reason) for x in lines)

    lines, corrections = priced(submitted["lines"])
    alternates = tuple(
        bids.Alternate(n, a["description"], *_with_total(priced(a["lines"])))
        for n, a in enumerate(submitted.get("alternates", []), 1)
    )
    reason = WORST_CHARACTER * 5000  # a determination's text or a quantity change's reason (R-8e)
    amount = "9" * BID_DECIMAL_CHARS
    corrections += tuple(bids.Correction("9" * 40, "unit_price", amount, amount, "R-19", reason) for _ in range(later))
    return bids.BidContent(
        lines=lines,
        total=Decimal("9" * 40),
        signer_name=submitted["signer"]["name"],
        signer_title=submitted["signer"]["title"],
        corrections=corrections,
        conditions=submitted["conditions"],
        alternates=alternates,
        cash_discount_percent=Decimal("99.9999"),
        cash_discount_days=10**9,
        acceptance_period_days=10**9,
        guaranty_form=max(bids.GUARANTY_FORMS, key=len),
        guaranty_amount=Decimal(amount),
        addenda_acknowledged=tuple(submitted["addenda_acknowledged"]),
    )


def _with_total(priced: tuple) -> tuple:
    lines, corrections = priced
    return lines, Decimal("9" * 40), corrections


def largest_bids(substitute: str | None) -> tuple[bids.Bid, bids.Bid, bids.Bid]:
    """The largest bid sealed (its envelope: the salt and the bid as sent, AES-GCM, base64), as the opening writes it,
    and later, with the most samples, determinations and corrections a bid holds."""
    counts = {
        "Bid.bidder_name": _max_length(vendor_api.RegisterVendor.model_fields["legal_name"]) or 0,
        "Bid.flags": 5,
        "Bid.flags[]": 200,
        "Bid.determinations": bids.MAX_DETERMINATIONS,
        "Bid.samples": bids.MAX_SAMPLES,
        **dict.fromkeys(("BidContent.lines", "BidContent.corrections", "BidContent.alternates"), 0),
        "BidContent.addenda_acknowledged": 0,  # the content is built from the submission below
    }
    bid = largest(bids.Bid, counts)
    submitted = largest_submission(substitute)
    document = commitment.canonical(submitted)
    sealed_bytes = 16 + len(document) + 16  # salt, the bid, the GCM tag
    envelope = bids.Sealed("A" * (4 * (sealed_bytes // 3 + 1)), "A" * 1024, "A" * 16)
    sealed = dataclasses.replace(
        bid, sealed=envelope, content=None, document=None, determinations=(), status=bids.BidStatus.SEALED
    )
    opened = dataclasses.replace(
        bid, sealed=None, content=content_of(submitted, 0), document=document.decode(), determinations=()
    )
    later = bids.MAX_DETERMINATIONS + bids.MAX_QUANTITY_CHANGES
    return sealed, opened, dataclasses.replace(bid, sealed=None, content=content_of(submitted, later), document=document.decode())


GROWN_BY_BID = frozenset({"samples", "determinations", "content.corrections"})  # a change at a time, after the opening
SUBSTITUTE = '"' * (_max_length(bid_api.BidLineIn.model_fields["substitute_article"]) or 0)  # twice its length in JSON


TASK_TOKEN = 1024  # a Step Functions task token's length at most
RESPONSIBILITY_NOTE = (
    _max_length(typing.get_args(solicitation_api.AwardIn.model_fields["responsibility"].annotation)[1].__metadata__[0]) or 0
)


def largest_award(lines: int, shares: int) -> awards.Award:
    """The largest award of a scope of `lines` lines: the most candidates a ranking keeps (evaluation.KEEP), `shares`
    shares each of every line, refused and passed on, and the most corrections."""
    name = _max_length(vendor_api.RegisterVendor.model_fields["legal_name"]) or 0
    line_id = _max_length(solicitation_api.SolicitationLineIn.model_fields["id"]) or 0
    counts = {
        **dict.fromkeys(("Candidate.line_ids", "Candidate.quantities", "Candidate.unit_prices", "Share.lines"), lines),
        **dict.fromkeys(("Candidate.line_ids[]", "AwardedLine.line_id"), line_id),
        **dict.fromkeys(("Candidate.bidder_name", "Outcome.bidder_name"), name),
        "Candidate.bidder_email": 254,
        "Surety.reference": _max_length(award_api.SuretyIn.model_fields["reference"]) or 0,
        **dict.fromkeys(("Share.acceptance_token", "Share.surety_token"), TASK_TOKEN),
        "Share.refusal_reason": _max_length(award_api.DeclineAwardIn.model_fields["reason"]) or 0,
        "Share.responsibility": RESPONSIBILITY_NOTE,
        "Outcome.reason": _max_length(award_api.DeclineAwardIn.model_fields["reason"]) or 0,
        **dict.fromkeys(
            ("AwardCorrection.before", "AwardCorrection.after"),
            _max_length(award_api.AwardCorrectionIn.model_fields["value"]) or 0,
        ),
        "Award.scope": 6 + line_id,
        "Award.notes": evaluation.KEEP - 1,  # a tie between neighbours of the ranking
        "Award.notes[]": 2 * name + 200,  # a tie between two bidders, named (evaluation.tie_notes)
        "Award.responsibility": evaluation.KEEP,  # a note per candidate at most
        "Award.responsibility[]": RESPONSIBILITY_NOTE,
        "Award.corrections": awards.MAX_CORRECTIONS,
        "Award.shares": shares,
        "Award.outcomes": 2 * shares,  # each share refused, then passed on
        "Award.candidates": 0,
    }
    candidate = largest(evaluation.Candidate, counts)
    return dataclasses.replace(largest(awards.Award, counts), candidates=(candidate,) * evaluation.KEEP)


GROWN_BY_AWARD = frozenset({"shares", "outcomes", "corrections"})  # a change at a time: notices, refusals, passings-on


def largest_whole_award() -> tuple[awards.Award, frozenset[str]]:
    """A whole scope of the most lines a bid form holds, a share per bid of the ranking."""
    return largest_award(len(largest_solicitation()[0].lines), evaluation.KEEP), GROWN_BY_AWARD


def largest_item_award() -> tuple[awards.Award, frozenset[str]]:
    """One line split down the ranking into the most shares an award holds."""
    return largest_award(1, awards.MAX_SHARES), GROWN_BY_AWARD


def largest_invoice() -> tuple[invoices.Invoice, frozenset[str]]:
    """Every withholding notice, set-off and payment the domain takes (a payment after each release of a withholding
    besides), and the reminders of each due date."""
    counts = {
        "Invoice.contractor_name": _max_length(vendor_api.RegisterVendor.model_fields["legal_name"]) or 0,
        **dict.fromkeys(("Invoice.contractor_email", "Invoice.agency_email"), 254),
        "Invoice.withholdings": invoices.MAX_WITHHOLDINGS,
        "Invoice.set_offs": invoices.MAX_SET_OFFS,
        "Invoice.payments": invoices.MAX_PAYMENTS + invoices.MAX_WITHHOLDINGS,
        "Invoice.reminders_sent": 2 * (2 + invoices.MAX_WITHHOLDINGS),  # two per due date (REMINDER_DAYS_BEFORE)
    }
    return largest(invoices.Invoice, counts), frozenset({"withholdings", "set_offs", "payments"})


def _as_many(elements: tuple, room: int) -> tuple:
    """As many of `elements` as take at most `room` bytes as the plan stores them (plans.stored_bytes)."""
    count = room // plans.stored_bytes(elements[:1]) + 1
    while count and plans.stored_bytes(elements[:count]) > room:
        count -= 1
    return elements[:count]


def largest_plan() -> tuple[plans.Plan, frozenset[str]]:
    """The longest components the API takes within the domain's bounds: as many of the largest services as a
    schedule holds, then as many justifications as the plan holds, OPM's longest note and reasons, and every version
    the plan publishes, each a copy of the schedule."""
    counts = {
        "Plan.decision_note": _max_length(plan_api.OpmDecision.model_fields["note"]) or 0,
        "Plan.return_reasons": _max_length(plan_api.ReturnPlan.model_fields["reasons"]) or 0,
        "Plan.return_reasons[]": 2000,
        "Plan.schedule_versions": 0,
    }
    plan = largest(plans.Plan, counts)
    schedule = _as_many(plan.procurement_schedule or (), plans.MAX_SCHEDULE_BYTES)
    plan = dataclasses.replace(plan, procurement_schedule=schedule, waiver_justifications=())
    room = plans.MAX_PLAN_BYTES - sum(plans.stored_bytes(v) for v in plan.components().values())
    waivers = _as_many(largest(plans.Plan, counts).waiver_justifications or (), room)
    version = plans.ScheduleVersion(plans.MAX_SCHEDULE_VERSIONS, schedule, NOW, "9" * UNLIMITED_TEXT, NOW)
    versions = (version,) * plans.MAX_SCHEDULE_VERSIONS
    return dataclasses.replace(plan, waiver_justifications=waivers, schedule_versions=versions), frozenset({"schedule_versions"})


def largest_emails() -> list[emails.Email]:
    """The largest emails the system renders, from the largest records they render: an invitation's notice (its
    first emails.EMAIL_LINES lines), its addendum of the longest text and its cancellation of the longest reason."""
    sol, _ = largest_solicitation()
    facts = solicitation_services.invitation_facts(sol)
    link = "https://portal.example/" + "9" * UNLIMITED_TEXT
    addendum = WORST_CHARACTER * (_max_length(solicitation_api.AddendumIn.model_fields["text"]) or 0)
    return [
        emails.render("invitation_to_bid", to=(), solicitation=facts, link=link),
        emails.render("addendum", to=(), solicitation=facts, number=50, text=addendum, postponed_from=NOW, link=link),
        emails.render("invitation_cancelled", to=(), solicitation=facts, reason=sol.cancel_reason, link=link),
    ]


def largest_message() -> tuple[outbox.Message, frozenset[str]]:
    """A broadcast of the largest email, to the most extra addresses, its longest error and cursor."""
    email = max(largest_emails(), key=lambda e: len(json.dumps([e.text, e.html], ensure_ascii=False).encode()))
    audience = outbox.Audience("solicitation-recipients", "9" * UNLIMITED_TEXT)
    message = outbox.new_broadcast("9" * UNLIMITED_TEXT, audience, email.subject, email.text, (), NOW, html=email.html)
    return dataclasses.replace(message, to=("9" * EMAIL,) * 10, last_error="9" * 500, cursor="9" * EMAIL), frozenset()


def largest_opened_bid() -> tuple[bids.Bid, frozenset[str]]:
    return largest_bids(None)[2], GROWN_BY_BID


def largest_proposal_sent() -> dict:
    """The proposal as sent with its longest description, then documents of the longest name and as much text as
    MAX_PROPOSAL_BYTES, the domain's bound on it, leaves."""
    document_fields = rfp_api.ProposalDocumentIn.model_fields
    description = WORST_CHARACTER * (_max_length(rfp_api.ProposalIn.model_fields["description"]) or 0)
    submitted: dict = {"price": "9" * 20, "description": description, "documents": [], "confidentiality": []}
    for n in range(_max_length(rfp_api.ProposalIn.model_fields["documents"]) or 0):
        name = f"{n:03d}" + WORST_CHARACTER * ((_max_length(document_fields["name"]) or 0) - 3)
        submitted["documents"].append({"name": name, "text": ""})
        room = (proposals.MAX_PROPOSAL_BYTES - len(commitment.canonical(submitted))) // (len(json.dumps(WORST_CHARACTER)) - 2)
        if room <= 0:
            submitted["documents"].pop()
            break
        submitted["documents"][-1]["text"] = WORST_CHARACTER * min(room, _max_length(document_fields["text"]) or 0)
    assert len(commitment.canonical(submitted)) <= proposals.MAX_PROPOSAL_BYTES
    return submitted


def largest_proposals() -> tuple[proposals.Proposal, proposals.Proposal]:
    """The largest proposal sealed (its envelope: the salt and the proposal as sent, AES-GCM, base64) and opened."""
    counts = {
        "Proposal.proposer_name": _max_length(vendor_api.RegisterVendor.model_fields["legal_name"]) or 0,
        # the content is built from the proposal as sent below
        **dict.fromkeys(("ProposalContent.price", "ProposalContent.description"), 0),
        **dict.fromkeys(("ProposalContent.documents", "ProposalContent.confidentiality"), 0),
    }
    proposal = largest(proposals.Proposal, counts)
    document = commitment.canonical(largest_proposal_sent())
    sealed_bytes = 16 + len(document) + 16  # salt, the proposal, the GCM tag
    envelope = bids.Sealed("A" * (4 * (sealed_bytes // 3 + 1)), "A" * 1024, "A" * 16)
    sealed = dataclasses.replace(proposal, sealed=envelope, content=None, status=proposals.ProposalStatus.SEALED)
    opened = dataclasses.replace(proposal, sealed=None, content=proposals.content_of(document))
    return sealed, opened


def largest_opened_proposal() -> tuple[proposals.Proposal, frozenset[str]]:
    return largest_proposals()[1], frozenset()


LEGAL_NAME = _max_length(vendor_api.RegisterVendor.model_fields["legal_name"]) or 0
EMAIL = 254
REASON = _max_length(order_api.DecideAmendment.model_fields["reason"]) or 0  # a decision's reason (orders.Decide*)
LINES = _max_length(order_api.PlaceOrder.model_fields["lines"]) or 0  # an order's, a delivery's, a statement's lines
PRINCIPAL_ELEMENT = (
    _max_length(
        typing.get_args(negotiation_api.NegotiatedAgreementIn.model_fields["principal_elements"].annotation)[0].__metadata__[0]
    )
    or 0
)


def _small(cls: type, sources: dict[type, list[type[BaseModel]]], counts: dict[str, int], bounded=lambda record: record):
    """The largest record of a kind written by a request or two: its texts and lists bounded by `sources` (request
    models whose fields of the same name bound them), `counts` (texts taken from fields of other names, or lists the
    domain bounds) and `bounded` (what the domain keeps of it)."""

    SOURCES.update(sources)

    def build() -> tuple[object, frozenset[str]]:
        return bounded(largest(cls, counts)), frozenset()

    return build


SMALL = {
    "bid_attempt": _small(bids.BidAttempt, {}, {"BidAttempt.reason": 300}),
    "evidence_request": _small(
        bidder_requests.EvidenceRequest,
        {bidder_requests.EvidenceRequest: [bid_api.EvidenceRequestIn]},
        {
            "EvidenceRequest.bidder_email": EMAIL,
            "EvidenceRequest.response_text": _max_length(bid_api.EvidenceResponseIn.model_fields["text"]) or 0,
            "EvidenceRequest.response_document": _max_length(bid_api.EvidenceResponseIn.model_fields["document"]) or 0,
        },
    ),
    "quantity_change": _small(
        bidder_requests.QuantityChange,
        {bidder_requests.QuantityChange: [bid_api.QuantityChangeIn]},
        {"QuantityChange.bidder_email": EMAIL},
    ),
    "delivery": _small(
        orders.Delivery,
        {orders.Delivery: [order_api.ReceiveDelivery], orders.DeliveryLine: [order_api.InspectLine]},
        {
            "Delivery.contractor_email": EMAIL,
            "Delivery.rejection_reason": _max_length(order_api.InspectDelivery.model_fields["reason"]) or 0,
            "PriceDetermination.reason": _max_length(order_api.DeterminePrices.model_fields["reason"]) or 0,
        },
    ),
    "open_market_purchase": _small(orders.OpenMarketPurchase, {orders.OpenMarketPurchase: [order_api.OpenMarketIn]}, {}),
    "force_majeure_notice": _small(orders.ForceMajeureNotice, {orders.ForceMajeureNotice: [order_api.ForceMajeureIn]}, {}),
    "contract_assignment": _small(
        performance_changes.ContractAssignment,
        {performance_changes.ContractAssignment: [order_api.RequestAssignment]},
        {
            "ContractAssignment.assignee_name": LEGAL_NAME,
            "ContractAssignment.assignee_email": EMAIL,
            "ContractAssignment.decision_reason": REASON,
        },
    ),
    "ordering_agency_request": _small(
        performance_changes.OrderingAgencyRequest, {}, {"OrderingAgencyRequest.decision_reason": REASON}
    ),
    "unordered_balance_statement": _small(
        performance_changes.UnorderedBalanceStatement,
        {performance_changes.BalanceLine: [order_api.BalanceLineIn]},
        {"UnorderedBalanceStatement.lines": LINES},
    ),
    "term_shortfall_report": _small(
        performance_changes.TermShortfallReport,
        {orders.Shortfall: [order_api.BalanceLineIn]},
        {"TermShortfallReport.lines": LINES},
    ),
    "contract_amendment": _small(
        performance_changes.ContractAmendment,
        {
            performance_changes.ContractAmendment: [order_api.AmendContract],
            performance_changes.LineTerms: [order_api.LineChangeIn],
        },
        {
            **dict.fromkeys(
                ("ContractAmendment.lines_before", "ContractAmendment.lines_after"),
                _max_length(order_api.AmendContract.model_fields["lines"]) or 0,  # the lines it changes
            ),
            "ContractAmendment.decision_reason": REASON,
        },
    ),
    "rfp-consensus": _small(
        rfp_evaluation.Consensus,
        {
            rfp_evaluation.Consensus: [evaluation_api.ConsensusIn],
            rfp_evaluation.FactorScore: [evaluation_api.FactorScoreIn],
        },
        {
            "Consensus.proposer_name": LEGAL_NAME,
            "Consensus.classification_reason": _max_length(evaluation_api.ClassificationIn.model_fields["reason"]) or 0,
        },
    ),
    "rfp-score-sheet": _small(
        rfp_evaluation.ScoreSheet,
        {rfp_evaluation.ScoreSheet: [evaluation_api.ScoresIn], rfp_evaluation.FactorScore: [evaluation_api.FactorScoreIn]},
        {},
    ),
    "rfp-evaluator": _small(
        rfp_evaluation.Evaluator,
        {rfp_evaluation.Evaluator: [evaluation_api.EvaluatorIn], rfp_evaluation.Declaration: [evaluation_api.DeclarationIn]},
        {"Evaluator.email": EMAIL},
    ),
    "rfp-discussion-message": _small(
        rfp_discussions.DiscussionMessage, {rfp_discussions.DiscussionMessage: [discussion_api.DiscussionMessageIn]}, {}
    ),
    "rfp-discussion": _small(rfp_discussions.DiscussionThread, {}, {"DiscussionThread.awaiting": rfp_discussions.MAX_AWAITING}),
    "rfp-disclosure": _small(
        rfp_negotiations.Disclosure,
        {
            rfp_negotiations.Disclosure: [negotiation_api.ConfidentialityDecisionsIn],
            rfp_negotiations.DisclosureDecision: [negotiation_api.DisclosureDecisionIn],
        },
        {},
    ),
    "rfp-negotiation": _small(
        rfp_negotiation_notice.Negotiation,
        {rfp_negotiation_notice.Negotiation: [negotiation_api.TerminateNegotiationIn, negotiation_api.NegotiatedAgreementIn]},
        {
            "Negotiation.proposer_name": LEGAL_NAME,
            "Negotiation.proposer_email": EMAIL,
            "Negotiation.principal_elements[]": PRINCIPAL_ELEMENT,
        },
    ),
    "vendor": _small(
        vendors.Vendor,
        {vendors.Vendor: [vendor_api.RegisterVendor]},
        {
            "Vendor.fein": 9,
            "Vendor.commodity_codes[]": 11,
            "Vendor.confirmation_code": 6,
            "Vendor.confirmation_token": 1024,  # a Step Functions task token's most
            "Vendor.suspension_reason": _max_length(vendor_api.SuspendVendor.model_fields["reason"]) or 0,
        },
    ),
    "vendor_commodity": _small(vendors.VendorCommodity, {}, {"VendorCommodity.code": 11, "VendorCommodity.contact_email": EMAIL}),
    "rfp-memorandum": _small(rfp_negotiations.MemorandumRecord, {}, {"MemorandumRecord.fingerprint": 64}),
    "delegation": _small(
        delegations.Delegation,
        {delegations.Delegation: [delegation_api.DelegationIn]},
        {"Delegation.revoke_reason": _max_length(delegation_api.RevokeIn.model_fields["reason"]) or 0},
    ),
    "delegation_order": _small(
        delegations.DelegationOrder,
        {delegations.DelegationOrder: [delegation_api.DelegationOrderIn]},
        {
            "DelegationOrder.non_competitive_reason": _max_length(delegation_api.NonCompetitiveIn.model_fields["reason"]) or 0,
            "DelegationOrder.finding_note": _max_length(delegation_api.ReviewIn.model_fields["note"]) or 0,
        },
    ),
    "plan_amendment": _small(
        plans_amendments.PlanAmendment,
        {plans_amendments.PlanAmendment: [plan_api.RequestAmendment]},
        {
            "PlanAmendment.decision_note": _max_length(plan_api.OpmDecision.model_fields["note"]) or 0,
            **dict.fromkeys(("PlanAmendment.decision_token", "PlanAmendment.publication_token"), TASK_TOKEN),
        },
    ),
    "officials-on-file": _small(
        officials.OfficialsOnFile,
        {officials.Official: [surplus_api.OfficialIn]},
        {"OfficialsOnFile.officials": officials.MAX_OFFICIALS},
    ),
    "surplus-property": _small(
        surplus.SurplusProperty,
        {
            surplus.SurplusProperty: [surplus_api.SurplusReportIn],
            surplus.Disposal: [surplus_api.DisposalIn],
            surplus.ScrapFinding: [surplus_api.ScrapFindingIn],
            surplus.Inspection: [surplus_api.InspectionIn],
            surplus.ComponentRecovery: [surplus_api.ComponentRecoveryIn],
        },
        {
            "SurplusProperty.recoveries": surplus.MAX_RECOVERIES,
            "SurplusProperty.transfer_signed_by": 200,
            "SurplusProperty.sold_to": _max_length(surplus_api.SaleIn.model_fields["buyer"]) or 0,
        },
    ),
    "warehouse-item": _small(warehouse.WarehouseItem, {warehouse.WarehouseItem: [warehouse_api.ItemIn]}, {}),
    "warehouse-shipping-date": _small(warehouse.ShippingDate, {}, {}),
    "warehouse-requisition": _small(
        warehouse.WarehouseRequisition,
        {
            warehouse.WarehouseRequisition: [warehouse_api.WarehouseRequisitionIn],
            warehouse.RequisitionLine: [warehouse_api.ItemIn, warehouse_api.CountIn],
        },
        {},
    ),
    "sole_source_request": _small(
        sole_source.SoleSourceRequest,
        {
            sole_source.SoleSourceRequest: [
                sole_source_api.SoleSourceRequestIn,
                sole_source_api.SoleSourceDeterminationIn,
                sole_source_api.SoleSourceContractIn,
            ],
            solicitations.LineItem: [solicitation_api.SolicitationLineIn],
        },
        {
            "SoleSourceRequest.contractor_name": LEGAL_NAME,
            "SoleSourceRequest.refusal_reason": _max_length(sole_source_api.SoleSourceDeterminationIn.model_fields["reason"])
            or 0,
        },
        lambda request: dataclasses.replace(request, lines=within_form(request.lines)),
    ),
    "attention": _small(
        attention.Attention,
        {},
        {
            "Attention.error": 256,  # a Step Functions error name
            "Attention.cause": attention_services.CAUSE_LIMIT,
            "Attention.token": TASK_TOKEN,
            "Attention.execution": 2048,  # an execution ARN
        },
    ),
}


LARGEST = {
    **SMALL,
    "bid": largest_opened_bid,
    "proposal": largest_opened_proposal,
    "award": largest_whole_award,
    "invoice": largest_invoice,
    "plan": largest_plan,
    "solicitation": largest_solicitation,
    "contract": largest_contract,
    "rfp": largest_rfp,
    "requisition": largest_requisition,
    "purchase_order": largest_order,
    "emergency_purchase": largest_emergency,
    "message": largest_message,
}


@dataclasses.dataclass
class Parts:
    written_at_once: list[int]  # bytes of each part item of the fields a request writes whole
    grown: list[int]  # ... and of the lists a change at a time grows (addenda)


# Kinds whose largest record is not built here yet: sized elsewhere, or a design still to make (docs/decisions.md,
# "Items sized by design"). A new kind must join LARGEST or this list.
NOT_YET_SIZED: dict[str, str] = {}  # kind -> why it is not sized yet: none now


def test_every_stored_kind_is_sized_here_or_listed_as_not_yet():
    # Given every kind the store maps
    kinds = {et.kind for et in ENTITY_TYPES.values()}
    # Then each has its largest record here, or is listed with the reason it is not
    assert kinds == set(LARGEST) | set(NOT_YET_SIZED) and not set(LARGEST) & set(NOT_YET_SIZED)


def stored(entity, grown: frozenset[str] = frozenset()) -> tuple[int, int, Parts]:
    """The entity item's bytes, its audit record's (before and after), and its parts' items."""
    store = DynamoStore("entities", "audit", "us-east-1")
    et = entity_type_of(entity)
    body, parts = split_parts(et, et.encode(entity))
    root = item_size(store._record(et, entity, body).serialize())
    audit = 2 * len(json.dumps(et.redacted(body), ensure_ascii=False).encode()) + 2048
    sizes = [  # identical elements make identical parts, written once: counted each time here, as if all differed
        (key, item_size(store.Entity(pk=f"{et.kind}#{entity.id}", sk=key, kind="part", body=text, version=1).serialize()))
        for key, text in parts
    ]
    in_grown = {key for name in grown if isinstance(held := _at(body, name), dict) for key in held["$parts"]}
    return root, audit, Parts([n for k, n in sizes if k not in in_grown], [n for k, n in sizes if k in in_grown])


def _at(body: dict | None, path: str):
    """The value at a dotted path of a body, None where a record on the way is absent."""
    for step in path.split("."):
        body = body.get(step) if isinstance(body, dict) else None
    return body


@pytest.mark.rule("R-5a")
@pytest.mark.parametrize("kind", sorted(LARGEST))
def test_the_largest_record_the_api_accepts_fits_an_item_with_a_margin(kind):
    # Given the largest record of its kind that the API's limits allow
    entity, grown = LARGEST[kind]()
    # When it is stored as the store stores it
    root, audit, parts = stored(entity, grown)
    # Then its item, its audit record (which holds it twice) and each of its parts stay below the margin
    assert root < ENTITY_LIMIT_BYTES and audit < MARGIN_BYTES, (root, audit)
    assert all(part < MARGIN_BYTES for part in parts.written_at_once + parts.grown), parts
    # And its largest write is one transaction: the item, its audit record, the parts written at once (a list
    # bounded by its request model) and the one part a list grown one change at a time (COUNTS) rewrites
    assert root + audit + sum(parts.written_at_once) + max(parts.grown, default=0) < TRANSACTION_LIMIT_BYTES


def ordinary_draft() -> dict:
    return {
        "solicitation_id": "ITB-1",
        "title": "Copy paper, statewide",
        "agency": "DAS",
        "commodity_codes": ["64000"],
        "lines": [solicitations.LineItem("1", "Copy paper, letter, 20 lb, case of 10 reams", Decimal(100), "case")],
        "groups": [],
        "opening_at": NOW + dt.timedelta(days=20),
        "award_basis": solicitations.AwardBasis.ITEM,
        "evaluation_factors": [solicitations.EvaluationFactor(name, Decimal(1)) for name in solicitations.REQUIRED_FACTORS],
    }


@pytest.mark.rule("R-5a")
def test_a_record_of_ordinary_size_keeps_its_lists_in_its_own_item_and_a_large_one_stores_them_in_parts():
    # Given an invitation of one line and the largest one
    large, _ = largest_solicitation()
    small = solicitations.new_solicitation(**ordinary_draft(), now=NOW, created_by="buyer")
    et = entity_type_of(large)
    # When each is split as the store writes it
    small_body, small_parts = split_parts(et, et.encode(small))
    large_body, large_parts = split_parts(et, et.encode(large))
    # Then the small one is one item (one read) and the large one names its parts
    assert small_parts == [] and small_body == et.encode(small)
    assert large_parts and large_body["lines"] == {"$parts": [key for key, _ in large_parts if key.startswith("part#lines#")]}


@pytest.mark.rule("R-5a")
def test_a_bid_form_past_its_stored_size_is_refused_naming_its_lines():
    # Given the most lines the API accepts, each of the longest description of the worst characters
    sol = largest(solicitations.Solicitation, {"Solicitation.addenda": 0, "Solicitation.award_ids": 0})
    assert solicitations.form_bytes(sol.lines, ()) > solicitations.MAX_FORM_BYTES
    # When purchasing drafts it, Then the domain refuses it naming the lines
    lines = [dataclasses.replace(line, id=f"{n}") for n, line in enumerate(sol.lines)]
    with pytest.raises(solicitations.ValidationFailed) as refused:
        solicitations.new_solicitation(**ordinary_draft() | {"lines": lines}, now=NOW, created_by="buyer")
    assert [d["field"] for d in refused.value.details] == ["lines"]


@pytest.mark.rule("R-5o")
def test_an_addendum_to_a_large_invitation_writes_only_the_last_part_of_its_addenda():
    # Given the largest invitation (its addenda numbered), and the same before its last addendum
    largest_one, _ = largest_solicitation()
    after = dataclasses.replace(
        largest_one, addenda=tuple(dataclasses.replace(a, number=n) for n, a in enumerate(largest_one.addenda, 1))
    )
    before = dataclasses.replace(after, addenda=after.addenda[:-1], version=after.version)
    et = entity_type_of(after)
    before_body, _ = split_parts(et, et.encode(before))
    after_body, parts = split_parts(et, et.encode(after))
    # When the store writes the change
    store = DynamoStore("entities", "audit", "us-east-1")
    written = [w.record.sk for w in store._part_writes(et, after, "solicitation:x", parts, before_body)]
    # Then it writes the one part of the addenda that changed, not the form nor the earlier addenda
    assert written == [after_body["addenda"]["$parts"][-1]]
    assert after_body["addenda"]["$parts"][:-1] == before_body["addenda"]["$parts"][:-1]


@pytest.mark.rule("R-5a")
@pytest.mark.rule("R-5b")
@pytest.mark.parametrize("substitute", [None, SUBSTITUTE], ids=["short lines", "long substitutes"])
def test_the_largest_bid_fits_its_items_sealed_and_opened_and_six_open_in_one_transaction(substitute):
    # Given the largest bid the API accepts (many short lines, or fewer of the longest substitutes), sealed, as the
    # opening writes it, and with every later determination, sample and correction
    sealed, at_opening, later = largest_bids(substitute)
    for bid in (sealed, at_opening, later):
        # When each is stored as the store stores it
        root, audit, parts = stored(bid, GROWN_BY_BID)
        # Then its item, its audit record and each of its parts fit with a margin
        assert root < ENTITY_LIMIT_BYTES and audit < MARGIN_BYTES, (root, audit)
        assert all(part < MARGIN_BYTES for part in parts.written_at_once + parts.grown), parts
    # And the opening's one transaction holds OPENED_PER_TRANSACTION of them, each with the parts it writes: the
    # document and content (the samples recorded while sealed are already stored)
    root, audit, parts = stored(at_opening, frozenset({"samples"}))
    assert OPENED_PER_TRANSACTION * (root + audit + sum(parts.written_at_once)) < TRANSACTION_LIMIT_BYTES


@pytest.mark.rule("R-5a")
def test_a_bid_past_its_stored_size_is_refused_naming_its_lines():
    # Given an invitation of 500 lines that calls for alternates, and a bid pricing its lines in ten alternates
    form = solicitations.new_solicitation(
        **ordinary_draft()
        | {"lines": [solicitations.LineItem(f"{n:03d}", "Copy paper", Decimal(10**9), "case") for n in range(500)]},
        now=NOW,
        created_by="buyer",
    )
    form = dataclasses.replace(form, alternates_allowed=True)
    line = {"unit_price": "12.3456", "quantity": "100"}
    offer = [line | {"line_id": f"{n:03d}", "substitute_article": "Brand X, model 1234, recycled" * 4} for n in range(500)]
    submitted = {
        "signer": {"name": "Pat Doe", "title": "President"},
        "signed": True,
        "non_collusion": True,
        "lines": offer,
        "alternates": [{"description": f"Alternate {n}", "lines": offer} for n in range(10)],
    }
    assert len(commitment.canonical(submitted)) > bids.MAX_BID_BYTES
    # When the domain checks it, Then it is refused naming the lines under R-5a
    with pytest.raises(solicitations.ValidationFailed) as refused:
        bids.check_bid(form, submitted, NOW)
    assert [(d["field"], d["rule"]) for d in refused.value.details] == [("lines", "R-5a")]


@pytest.mark.rule("R-16c")
def test_the_largest_proposal_fits_its_items_sealed_and_opened_and_six_open_in_one_transaction():
    # Given the largest proposal the API accepts, sealed as received and opened as the opening writes it
    sealed, opened = largest_proposals()
    for proposal in (sealed, opened):
        # When each is stored as the store stores it
        root, audit, parts = stored(proposal)
        # Then its item, its audit record and each of its parts fit with a margin
        assert root < ENTITY_LIMIT_BYTES and audit < MARGIN_BYTES, (root, audit)
        assert all(part < MARGIN_BYTES for part in parts.written_at_once), parts
    # And the opening's one transaction holds OPENED_PER_TRANSACTION of them, each with the parts it writes
    root, audit, parts = stored(opened)
    assert OPENED_PER_TRANSACTION * (root + audit + sum(parts.written_at_once)) < TRANSACTION_LIMIT_BYTES


@pytest.mark.rule("R-16c")
def test_a_proposal_past_its_stored_size_is_refused_naming_its_documents():
    # Given the largest proposal the bound allows, and the same with one more character of its last document
    submitted = largest_proposal_sent()
    proposals.check_proposal(submitted)
    submitted["documents"][-1]["text"] += WORST_CHARACTER
    assert len(commitment.canonical(submitted)) > proposals.MAX_PROPOSAL_BYTES
    # When the domain checks it, Then it is refused naming the documents under R-16c
    with pytest.raises(solicitations.ValidationFailed) as refused:
        proposals.check_proposal(submitted)
    assert refused.value.rule == "R-16c"
    assert [(d["field"], d.get("rule")) for d in refused.value.details] == [("documents", "R-16c")]


@pytest.mark.rule("R-8b")
@pytest.mark.parametrize("largest_one", [largest_whole_award, largest_item_award], ids=["whole scope", "item split"])
def test_the_largest_award_fits_its_items_and_a_decision_of_many_fits_its_transactions(largest_one):
    # Given the largest award of its scope, made with as many others as one decision makes
    award, grown = largest_one()
    root, audit, parts = stored(award, grown)
    # Then it fits its items with a margin, and its creation (its parts but the grown lists' first) one transaction
    assert (
        root < ENTITY_LIMIT_BYTES and audit < MARGIN_BYTES and all(p < MARGIN_BYTES for p in parts.written_at_once + parts.grown)
    )
    made = dataclasses.replace(award, shares=award.shares[:1], outcomes=(), corrections=())
    root, audit, parts = stored(made)
    written = root + audit + sum(parts.written_at_once)
    # And the decision's transactions, each with the solicitation's largest change, stay within one transaction's bytes
    decided = award_services.Change(action="solicitation.awarded", after=largest_solicitation()[0])
    batches = award_services._decision_transactions(decided, [made] * 20)
    per_batch = [sum(isinstance(w, award_services.Change) and w.after is made for w in batch) for batch in batches]
    assert sum(per_batch) == 20 and max(per_batch) * written + ENTITY_LIMIT_BYTES * 3 < TRANSACTION_LIMIT_BYTES, per_batch


@pytest.mark.rule("OPM-1")
def test_the_largest_plan_is_within_its_bounds_and_more_justifications_are_refused_naming_them():
    # Given the largest plan the bounds allow, and the same with one more justification
    plan, _ = largest_plan()
    more = dataclasses.replace(plan, waiver_justifications=(plan.waiver_justifications or ()) * 2)
    # When the domain sizes each, Then the first is within its bounds and the second names its largest component
    assert plans.size_problems(plan) == []
    assert [(d["field"], d["rule"]) for d in plans.size_problems(more)] == [("waiver_justifications", "OPM-1")]


@pytest.mark.rule("OPM-3")
def test_a_schedule_past_its_stored_size_is_refused_naming_it():
    # Given services well formed, each of the longest description and the most contractors, one more than fit
    contractors = (plans.Contractor("C" * 200, "a@b.example"),) * (
        _max_length(plan_api.ScheduledServiceIn.model_fields["current_contractors"]) or 0
    )
    service = plans.ScheduledService(
        "S", "é" * 500, plans.ServiceType.POS, plans.ProcurementMethod.NON_COMPETITIVE, None, contractors
    )
    fitting = len(_as_many((service,) * 500, plans.MAX_SCHEDULE_BYTES))
    schedule = [dataclasses.replace(service, service_id=f"S{n}") for n in range(fitting + 1)]
    # When the agency drafts them, Then the 400 names the schedule and OPM-3
    with pytest.raises(plans.ValidationFailed) as refused:
        plans.new_plan(
            plan_id="P-1", agency="DSS", period="FY 26-28", sections={"procurement_schedule": tuple(schedule)}, now=NOW
        )
    assert refused.value.rule == "OPM-3" and [(d["field"], d["rule"]) for d in refused.value.details] == [
        ("procurement_schedule", "OPM-3")
    ]
    # And one service fewer is accepted
    plans.new_plan(
        plan_id="P-1", agency="DSS", period="FY 26-28", sections={"procurement_schedule": tuple(schedule[:-1])}, now=NOW
    )


@pytest.mark.rule("R-4")
def test_a_page_of_the_largest_broadcast_and_the_change_an_email_is_written_with_fit_one_transaction():
    # Given the largest email the system renders, broadcast, and the largest invitation's change it is written with
    message, _ = largest_message()
    root, _, parts = stored(message)  # not audited
    copy = root + sum(parts.written_at_once)
    sol_root, sol_audit, sol_parts = stored(largest_solicitation()[0], frozenset({"addenda"}))
    # Then the change with its broadcast fits one transaction (an addendum rewrites one part of the addenda)
    assert sol_root + sol_audit + max(sol_parts.grown) + copy < TRANSACTION_LIMIT_BYTES
    # And a page of its copies (outbox.page_size) with the broadcast fits one too, each copy counted as stored
    size = outbox.page_size(message, 99)
    assert size >= 1 and (size + 1) * copy < TRANSACTION_LIMIT_BYTES, (size, copy)
    assert outbox.copy_bytes(message) >= copy


@pytest.mark.rule("R-4")
def test_an_invitation_email_lists_its_first_lines_and_sends_the_reader_to_the_portal_for_the_rest():
    # Given the largest invitation, of more lines than an email lists
    sol, _ = largest_solicitation()
    sol = dataclasses.replace(sol, lines=tuple(dataclasses.replace(line, id=f"L{n}") for n, line in enumerate(sol.lines)))
    assert len(sol.lines) > emails.EMAIL_LINES
    # When its notice is rendered
    email = emails.render(
        "invitation_to_bid", to=(), solicitation=solicitation_services.invitation_facts(sol), link="https://portal.example/x"
    )
    # Then it lists the first EMAIL_LINES lines, counts the rest and links to the invitation's page
    listed = [n for n in range(len(sol.lines)) if f"Line L{n}:" in email.text]
    assert listed == list(range(emails.EMAIL_LINES))
    more = f"{len(sol.lines) - emails.EMAIL_LINES} more lines"
    assert more in email.text and more in email.html and "https://portal.example/x" in email.text


@pytest.mark.rule("R-9c")
def test_the_largest_amendment_is_written_in_one_transaction_with_the_largest_contracts_change():
    # Given the largest amendment (the most lines a request changes, before and after) and the largest contract
    amendment, _ = LARGEST["contract_amendment"]()
    contract, _ = largest_contract()
    root, audit, parts = stored(amendment)
    contract_root, contract_audit, _ = stored(contract)
    # Then its creation, with the contract's change (its lines' parts unchanged, not rewritten), fits one transaction
    assert root + audit + sum(parts.written_at_once) + contract_root + contract_audit < TRANSACTION_LIMIT_BYTES
