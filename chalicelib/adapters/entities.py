"""How each domain entity is stored: its kind, its named secondary-index keys, what the audit trail omits.

Every entity is one item (pk = kind#id), with its `parts` in items of their own when it is large. Up to four named
indexes per kind map onto the table's GSIs (`gsi1` to `gsi4`); their partition keys are namespaced as
kind#index#value, so kinds never collide.
Each list the API offers is one Query of one of these indexes (docs/decisions.md, "Pages and cursors").
A feature adds its entities to ENTITY_TYPES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from chalicelib.domain.attention import Attention
from chalicelib.domain.awards import Award
from chalicelib.domain.bidder_requests import EvidenceRequest, QuantityChange
from chalicelib.domain.bids import Bid, BidAttempt
from chalicelib.domain.contracts import Contract
from chalicelib.domain.delegations import Delegation, DelegationOrder
from chalicelib.domain.emergencies import EmergencyPurchase
from chalicelib.domain.invoices import Invoice
from chalicelib.domain.officials import OfficialsOnFile
from chalicelib.domain.orders import Delivery, ForceMajeureNotice, OpenMarketPurchase, PurchaseOrder
from chalicelib.domain.outbox import Message, MessageStatus, due_key
from chalicelib.domain.performance_changes import (
    ContractAmendment,
    ContractAssignment,
    OrderingAgencyRequest,
    TermShortfallReport,
    UnorderedBalanceStatement,
)
from chalicelib.domain.plans import Plan
from chalicelib.domain.plans_amendments import PlanAmendment
from chalicelib.domain.proposals import Proposal
from chalicelib.domain.requisitions import Requisition
from chalicelib.domain.rfp_discussions import DiscussionMessage, DiscussionThread
from chalicelib.domain.rfp_evaluation import Consensus, Evaluator, ScoreSheet
from chalicelib.domain.rfp_negotiation_notice import Negotiation
from chalicelib.domain.rfp_negotiations import Disclosure, MemorandumRecord
from chalicelib.domain.rfps import Rfp
from chalicelib.domain.sole_source import SoleSourceRequest
from chalicelib.domain.solicitations import Solicitation
from chalicelib.domain.surplus import SurplusProperty
from chalicelib.domain.vendors import Vendor, VendorCommodity
from chalicelib.domain.warehouse import ShippingDate, WarehouseItem, WarehouseRequisition

GSIS = ("gsi1", "gsi2", "gsi3", "gsi4")


@dataclass(frozen=True)
class EntityType:
    kind: str
    cls: type
    # index name -> GSI it lives on (one of GSIS)
    slots: dict[str, str] = field(default_factory=dict)
    # entity -> {index name: (partition value, sort value)}; an index left out is not set for that entity
    keys: Callable[[Any], dict[str, tuple[str, str]]] = lambda e: {}
    redact: frozenset[str] = field(default_factory=frozenset)
    audited: bool = True  # False: a record of the system's own (an outbox message), not a change anyone made
    # the public JSON route of one record ("/solicitations/{id}"): each change while the record `is_public` is an
    # item of the public change feed (services/feed.py) naming that route; "" for records the public never sees
    public_path: str = ""
    # fields stored outside the entity's item, in part items of their own under its partition (adapters/dynamo.py
    # split_parts): the lists and long texts that input can grow past what one item holds (docs/decisions.md, "Items
    # sized by design")
    parts: tuple[str, ...] = ()

    def __post_init__(self):
        unknown = set(self.slots.values()) - set(GSIS)
        if unknown:
            raise ValueError(f"{self.kind}: indexes must use {GSIS}, not {unknown}")

    @property
    def adapter(self) -> TypeAdapter:
        if self.cls not in _adapters:
            _adapters[self.cls] = TypeAdapter(self.cls)
        return _adapters[self.cls]

    def partition(self, index: str, value: str) -> str:
        if index not in self.slots:
            raise LookupError(f"{self.kind} has no index {index!r}; it has {sorted(self.slots)}")
        return f"{self.kind}#{index}#{value}"

    def index_items(self, entity) -> dict[str, str]:
        """Attribute values (gsi1pk, gsi1sk, ...) for the entity's indexes."""
        items = {}
        for index, (pk, sk) in self.keys(entity).items():
            gsi = self.slots[index]
            items[f"{gsi}pk"], items[f"{gsi}sk"] = self.partition(index, pk), sk
        return items

    def encode(self, entity) -> dict:
        return self.adapter.dump_python(entity, mode="json")

    def decode(self, data: dict):
        return self.adapter.validate_python(data)

    def audit_view(self, entity) -> dict | None:
        """The record as the audit trail keeps it: every field named in `redact` left out, at any depth (an award's
        task tokens sit in its shares)."""
        if entity is None:
            return None
        return self.redacted(self.encode(entity))

    def redacted(self, data: dict) -> dict:
        return _without(data, self.redact)


def _without(value, redact: frozenset[str]):
    if isinstance(value, dict):
        return {k: _without(v, redact) for k, v in value.items() if k not in redact}
    if isinstance(value, list):
        return [_without(item, redact) for item in value]
    return value


_adapters: dict[type, TypeAdapter] = {}

ENTITY_TYPES: dict[type, EntityType] = {
    # the outbox (domain/outbox.py): pending messages by when they are due; settled ones leave that partition
    Message: EntityType(
        "message",
        Message,
        slots={"due": "gsi1"},
        keys=lambda m: {
            "due": ("pending" if m.status is MessageStatus.PENDING else "settled", f"{due_key(m.next_attempt_at)}#{m.id}")
        },
        audited=False,
        parts=("text", "html"),  # the bodies, bounded by what an email renders (emails.EMAIL_LINES)
    ),
    # by_status: "pending_confirmation", "active" (invited to bid, R-4) or "suspended", sorted by normalised legal
    # name, so that equal names are adjacent and duplicates are found by Query (services/vendors.duplicates)
    Vendor: EntityType(
        "vendor",
        Vendor,
        slots={"by_org": "gsi1", "by_status": "gsi2"},
        keys=lambda v: {"by_org": (v.org, v.id), "by_status": (v.standing, f"{v.name_key}#{v.id}")},
        redact=frozenset({"confirmation_code", "confirmation_token"}),
    ),
    # the notice index: a row per code of each invited vendor, by class and code, so that a notice reads the
    # rows of its matching codes only (domain/vendors.notice_ranges); derived from the vendor, whose audit says it all
    VendorCommodity: EntityType(
        "vendor_commodity",
        VendorCommodity,
        slots={"by_class": "gsi1"},
        keys=lambda r: {"by_class": (r.commodity_class, f"{r.code}#{r.vendor_id}")} if r.code is not None else {},
        audited=False,
    ),
    Contract: EntityType(
        "contract",
        Contract,
        slots={"by_agency": "gsi1", "by_contractor": "gsi2"},
        keys=lambda c: {"by_agency": (c.agency, c.id), "by_contractor": (c.contractor_org, c.id)},
        parts=("lines",),
    ),
    # contract performance: payments are listed per agency / contractor and status, by due date
    PurchaseOrder: EntityType(
        "purchase_order",
        PurchaseOrder,
        slots={"by_contract": "gsi1", "by_agency": "gsi2"},
        keys=lambda o: {
            "by_contract": (o.contract_id, f"{o.created_at.isoformat()}#{o.id}"),
            "by_agency": (o.agency, f"{o.created_at.isoformat()}#{o.id}"),
        },
        parts=("extensions",),
    ),
    Delivery: EntityType(
        "delivery",
        Delivery,
        slots={"by_order": "gsi1"},
        keys=lambda d: {"by_order": (d.order_id, f"{d.received_at.isoformat()}#{d.id}")},
    ),
    Invoice: EntityType(
        "invoice",
        Invoice,
        slots={"by_agency_status": "gsi1", "by_contractor_status": "gsi2", "by_contract": "gsi3"},
        keys=lambda i: {
            "by_agency_status": (f"{i.agency}#{i.bucket}", f"{i.due_date.isoformat()}#{i.id}"),
            "by_contractor_status": (f"{i.contractor_org}#{i.bucket}", f"{i.due_date.isoformat()}#{i.id}"),
            "by_contract": (i.contract_id, f"{i.due_date.isoformat()}#{i.id}"),
        },
        parts=("withholdings", "set_offs", "payments"),  # bounded in domain/invoices.py
    ),
    OpenMarketPurchase: EntityType(
        "open_market_purchase",
        OpenMarketPurchase,
        slots={"by_contract": "gsi1"},
        keys=lambda p: {"by_contract": (p.contract_id, f"{p.recorded_at.isoformat()}#{p.id}")},
    ),
    ForceMajeureNotice: EntityType(
        "force_majeure_notice",
        ForceMajeureNotice,
        slots={"by_contract": "gsi1"},
        keys=lambda n: {"by_contract": (n.contract_id, f"{n.noticed_at.isoformat()}#{n.id}")},
    ),
    ContractAmendment: EntityType(
        "contract_amendment",
        ContractAmendment,
        slots={"by_contract": "gsi1"},
        keys=lambda a: {"by_contract": (a.contract_id, f"{a.number:06d}#{a.id}")},
        parts=("lines_before", "lines_after"),  # the lines it changes, at most a request's 200
    ),
    ContractAssignment: EntityType(
        "contract_assignment",
        ContractAssignment,
        slots={"by_contract": "gsi1"},
        keys=lambda a: {"by_contract": (a.contract_id, f"{a.requested_at.isoformat()}#{a.id}")},
    ),
    # contract life (R-9a, R-9b, R-9d/e): ordering agencies the contractor accepts, balances, the term's report
    OrderingAgencyRequest: EntityType(
        "ordering_agency_request",
        OrderingAgencyRequest,
        slots={"by_contract": "gsi1"},
        keys=lambda r: {"by_contract": (r.contract_id, f"{r.requested_at.isoformat()}#{r.id}")},
    ),
    UnorderedBalanceStatement: EntityType(
        "unordered_balance_statement",
        UnorderedBalanceStatement,
        slots={"by_contract": "gsi1"},
        keys=lambda b: {"by_contract": (b.contract_id, f"{b.requested_at.isoformat()}#{b.id}")},
    ),
    TermShortfallReport: EntityType(
        "term_shortfall_report",
        TermShortfallReport,
        slots={"by_contract": "gsi1"},
        keys=lambda r: {"by_contract": (r.contract_id, f"{r.term_end.isoformat()}#{r.id}")},
    ),
    # invitation to bid (R-4 to R-9h): sealed bids; the audit omits the ciphertext (the hash proves as much).
    # Solicitations are listed by status, or by agency and status, in opening order (an opening window is a key range).
    Solicitation: EntityType(
        "solicitation",
        Solicitation,
        slots={"by_status": "gsi1", "by_agency_status": "gsi2"},
        keys=lambda s: {
            "by_status": (s.status.value, f"{s.opening_at.isoformat()}#{s.id}"),
            "by_agency_status": (f"{s.agency}#{s.status.value}", f"{s.opening_at.isoformat()}#{s.id}"),
        },
        redact=frozenset({"award_token"}),
        public_path="/solicitations/{id}",
        parts=("lines", "groups", "addenda"),
    ),
    Bid: EntityType(
        "bid",
        Bid,
        slots={"by_solicitation": "gsi1", "by_vendor": "gsi2", "opened": "gsi3"},
        # `opened` is sparse: only opened bids are in it, so the tabulation (R-5n) is a Query without a filter
        keys=lambda b: {
            "by_solicitation": (b.solicitation_id, b.id),
            "by_vendor": (b.vendor_id, f"{b.solicitation_id}#{b.id}"),
            **({"opened": (b.solicitation_id, b.id)} if b.opened_at is not None else {}),
        },
        redact=frozenset({"sealed"}),
        # sealed: the envelope (at most MAX_BID_BYTES sealed); opened: the document as sent and its checked content
        parts=(
            "sealed.ciphertext",
            "document",
            "content.lines",
            "content.alternates",
            "content.corrections",
            "determinations",
            "samples",
        ),
    ),
    BidAttempt: EntityType(
        "bid_attempt",
        BidAttempt,
        slots={"by_solicitation": "gsi1"},
        keys=lambda a: {"by_solicitation": (a.solicitation_id, f"{a.at.isoformat()}#{a.id}")},
    ),
    # requests to one bidder between opening and award: evidence (R-8d) and quantity changes (R-8e)
    EvidenceRequest: EntityType(
        "evidence_request",
        EvidenceRequest,
        slots={"by_bid": "gsi1"},
        keys=lambda r: {"by_bid": (r.bid_id, f"{r.requested_at.isoformat()}#{r.id}")},
    ),
    QuantityChange: EntityType(
        "quantity_change",
        QuantityChange,
        slots={"by_bid": "gsi1"},
        keys=lambda c: {"by_bid": (c.bid_id, f"{c.proposed_at.isoformat()}#{c.id}")},
    ),
    Award: EntityType(
        "award",
        Award,
        slots={"by_solicitation": "gsi1"},
        keys=lambda a: {"by_solicitation": (a.solicitation_id, a.id)},
        redact=frozenset({"acceptance_token", "surety_token"}),  # each share's task tokens
        # the ranking kept (domain/awards.MAX_RANKING_BYTES) and the shares each hold every line of their scope
        parts=("candidates", "shares", "outcomes", "corrections", "responsibility", "notes"),
    ),
    # requests for proposals: listed by status in due-date order (GET /rfps); later parts key off the id
    Rfp: EntityType(
        "rfp",
        Rfp,
        slots={"by_status": "gsi1"},
        keys=lambda r: {"by_status": (r.status.value, f"{r.proposals_due.isoformat()}#{r.id}")},
        public_path="/rfps/{id}",
        parts=("scope", "addenda", "shortlist_determination", "bafo_determinations"),
    ),
    # sealed proposals (R-16c): read by id and from their request's `proposals-of#` collection (the opening, the
    # register); the audit omits the envelope. Sealed, its envelope is a part; opened, its long texts and lists are
    # (at most MAX_PROPOSAL_BYTES as sent)
    Proposal: EntityType(
        "proposal",
        Proposal,
        redact=frozenset({"sealed"}),
        parts=("sealed.ciphertext", "content.description", "content.documents", "content.confidentiality"),
    ),
    # the panel's consensus score of each proposer (R-16a, R-16g, R-16o): read by id and from `consensus-of#<rfp>`
    Consensus: EntityType("rfp-consensus", Consensus, parts=("scores", "rationale")),
    # the evaluation panel with its conflict-of-interest declarations (R-16c): by id and from `evaluators-of#<rfp>`
    Evaluator: EntityType("rfp-evaluator", Evaluator),
    # each evaluator's scores of one proposal (R-16a, R-18a/b): by id and from `score-sheets-of#<rfp>`
    ScoreSheet: EntityType("rfp-score-sheet", ScoreSheet, parts=("scores",)),
    # discussions with each shortlisted proposer (R-17b): a thread per request and proposer, read by id; its messages
    # read from the thread's `discussion-of#<rfp>#<vendor>` collection
    DiscussionThread: EntityType("rfp-discussion", DiscussionThread),
    DiscussionMessage: EntityType("rfp-discussion-message", DiscussionMessage),
    # R-16d: the decision on a proposal's confidentiality requests, by the proposal's id
    Disclosure: EntityType("rfp-disclosure", Disclosure, parts=("decisions",)),
    # R-16h-l: each negotiation by `<rfp>#<n>`, read 1 to the request's negotiation_number
    Negotiation: EntityType("rfp-negotiation", Negotiation, parts=("reasons", "principal_elements")),
    # R-16o: the fingerprint of the memorandum of the basis of award, by the request's id; the memorandum itself is
    # built again from the records it rests on at each reading
    MemorandumRecord: EntityType("rfp-memorandum", MemorandumRecord),
    # direct purchase authority: delegations by status, or by agency and status, in number order; the number is
    # unique by the guard `dpa-number#<number>`. Orders by delegation, and purchasing's review queue (R-2e)
    Delegation: EntityType(
        "delegation",
        Delegation,
        slots={"by_status": "gsi1", "by_agency_status": "gsi2"},
        keys=lambda d: {
            "by_status": (d.status.value, f"{d.number}#{d.id}"),
            "by_agency_status": (f"{d.agency}#{d.status.value}", f"{d.number}#{d.id}"),
        },
    ),
    DelegationOrder: EntityType(
        "delegation_order",
        DelegationOrder,
        slots={"by_delegation": "gsi1", "by_review": "gsi2"},
        keys=lambda o: {
            "by_delegation": (o.delegation_id, f"{o.issued_at.isoformat()}#{o.id}"),
            "by_review": ("reviewed" if o.reviewed else "unreviewed", f"{o.issued_at.isoformat()}#{o.id}"),
        },
    ),
    # OPM procurement plans (OPM-1 to OPM-7): public listing reads approved plans by agency and period
    Plan: EntityType(
        "plan",
        Plan,
        slots={"by_agency": "gsi1", "by_status": "gsi2", "by_status_period": "gsi3"},
        keys=lambda p: {
            "by_agency": (p.agency, f"{p.period}#{p.id}"),
            "by_status": (p.status.value, f"{p.agency}#{p.period}#{p.id}"),
            "by_status_period": (f"{p.status.value}#{p.period}", f"{p.agency}#{p.id}"),
        },
        public_path="/plans/{id}",
        # each component and each published schedule version (bounded in domain/plans.py)
        parts=(
            "agency_overview.text",
            "needs_assessment.text",
            "procurement_schedule",
            "competition_strategy.text",
            "waiver_justifications",
            "evaluation_and_selection.text",
            "contract_monitoring.text",
            "return_reasons",
            "schedule_versions",
        ),
    ),
    PlanAmendment: EntityType(
        "plan_amendment",
        PlanAmendment,
        slots={"by_plan": "gsi1", "by_status": "gsi2"},
        keys=lambda a: {
            "by_plan": (a.plan_id, f"{a.submitted_at.isoformat()}#{a.id}"),
            "by_status": (a.status.value, f"{a.submitted_at.isoformat()}#{a.id}"),
        },
        redact=frozenset({"decision_token", "publication_token"}),
    ),
    # officials an agency has on file (R-21g surplus representatives, R-22 warehouse signers): by `<register>#<agency>`
    OfficialsOnFile: EntityType("officials-on-file", OfficialsOnFile),
    # surplus property: read by id
    SurplusProperty: EntityType("surplus-property", SurplusProperty, parts=("recoveries", "disposal.scrap_finding.text")),
    # the central warehouse: the catalogue and the shipping schedule listed per commodity group
    WarehouseItem: EntityType(
        "warehouse-item", WarehouseItem, slots={"by_group": "gsi1"}, keys=lambda i: {"by_group": (i.group.value, i.id)}
    ),
    ShippingDate: EntityType(
        "warehouse-shipping-date",
        ShippingDate,
        slots={"by_group": "gsi1"},
        keys=lambda d: {"by_group": (d.group.value, d.date.isoformat())},
    ),
    WarehouseRequisition: EntityType("warehouse-requisition", WarehouseRequisition, parts=("lines",)),
    # sole source and emergency purchases: the public record lists those with a contract, in the order
    # their contracts were formed (an entity without one has no register key)
    SoleSourceRequest: EntityType(
        "sole_source_request",
        SoleSourceRequest,
        slots={"register": "gsi1"},
        keys=lambda r: {"register": ("contracted", f"{r.contracted_at.isoformat()}#{r.id}")} if r.contracted_at else {},
        parts=("lines", "justification", "determination", "scope", "terms"),  # the lines at most a bid form's
    ),
    EmergencyPurchase: EntityType(
        "emergency_purchase",
        EmergencyPurchase,
        slots={"register": "gsi1"},
        keys=lambda e: (
            {"register": ("approved", f"{e.approved_at.isoformat()}#{e.id}")} if e.contract_id and e.approved_at else {}
        ),
        parts=(
            "emergency.items",
            "emergency.quotations",
            "emergency.threat",
            "emergency.why_not_normal",
            "emergency.limited_to_need",
            "emergency.selection_basis",
        ),
    ),
    # purchase requisitions, oldest first: by agency, by agency and status, by status (the Bureau's queue), and
    # by the invitation (`itb#<id>`) or request for proposals (`rfp#<id>`) they feed (sparse: linked ones only)
    Requisition: EntityType(
        "requisition",
        Requisition,
        slots={"by_agency": "gsi1", "by_agency_status": "gsi2", "by_status": "gsi3", "by_solicitation": "gsi4"},
        keys=lambda r: {
            "by_agency": (r.agency, f"{r.created_at.isoformat()}#{r.id}"),
            "by_agency_status": (f"{r.agency}#{r.status.value}", f"{r.created_at.isoformat()}#{r.id}"),
            "by_status": (r.status.value, f"{r.created_at.isoformat()}#{r.id}"),
            **({"by_solicitation": (r.feeds, f"{r.created_at.isoformat()}#{r.id}")} if r.feeds is not None else {}),
        },
        parts=("lines",),
    ),
    # workflow steps that failed after their retries (issue: nothing lost, nothing stuck)
    Attention: EntityType(
        "attention",
        Attention,
        slots={"by_status": "gsi1"},
        keys=lambda a: {"by_status": (a.status.value, f"{a.raised_at.isoformat()}#{a.id}")},
        redact=frozenset({"token"}),
    ),
}


def entity_type(cls: type) -> EntityType:
    try:
        return ENTITY_TYPES[cls]
    except KeyError:
        raise LookupError(f"{cls.__name__} has no storage mapping in adapters/entities.py") from None


def entity_type_of_kind(kind: str) -> EntityType:
    return _BY_KIND[kind]


def entity_type_of(entity) -> EntityType:
    return entity_type(type(entity))


_BY_KIND = {et.kind: et for et in ENTITY_TYPES.values()}
